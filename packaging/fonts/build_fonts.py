"""Build the kiosk's bundled fonts from the Noto fonts installed by Debian.

Kivy labels use exactly one font file and have no fallback, so every locale's
font must cover every character the kiosk shows in it, including the ASCII
letters, digits and punctuation in ticket codes ("A7K") and platform numbers.
This script writes into ``assets/fonts/``:

* ``KioskLatin-{Regular,Bold}.ttf``: Noto Sans subset to Latin, Greek,
  Cyrillic, punctuation and currency, plus arrows from Noto Sans Symbols
  (Noto Sans itself has none).
* ``KioskArabic-{Regular,Bold}.ttf``: all of Noto Sans Arabic merged with the
  Basic Latin and Latin-1 part of Noto Sans (and the same arrows), keeping
  working GSUB/GPOS so that HarfBuzz (Kivy's SDL2 text provider with
  ``font_script_name='Arab'``) joins the letters.
* ``OFL.txt`` and ``README.md``: the licence and where each file came from.

The output is byte-for-byte reproducible for the same input fonts.  Rebuild
with (``fonts-noto-core`` installed)::

    python packaging/fonts/build_fonts.py [--source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import sys
import textwrap
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/noto")
DEFAULT_OUT = REPO_ROOT / "assets" / "fonts"
# Debian ships the full OFL 1.1 text only inside the package's copyright file.
DEFAULT_LICENSE_SOURCE = Path("/usr/share/doc/fonts-noto-core/copyright")

# Fixed head.created/modified so rebuilds are byte-identical; the
# reproducible-builds SOURCE_DATE_EPOCH convention overrides it.
FIXED_UNIX_TIME = 1_704_067_200  # 2024-01-01T00:00:00Z
FONT_REVISION = "1.000"
VERTICAL_METRICS = {
    "hhea": ("ascent", "descent", "lineGap"),
    "OS/2": ("sTypoAscender", "sTypoDescender", "sTypoLineGap", "usWinAscent", "usWinDescent"),
}

Ranges = Sequence[tuple[int, int]]

BASIC_LATIN_AND_LATIN1: Ranges = ((0x0020, 0x007E), (0x00A0, 0x00FF))
# Symbols the UI strings use in every locale, Arabic ones included.
UI_SYMBOLS: Ranges = (
    (0x2013, 0x2014),  # en/em dash
    (0x2018, 0x201E),  # curly quotes
    (0x2022, 0x2022),  # bullet
    (0x2026, 0x2026),  # ellipsis
    (0x2039, 0x203A),  # single guillemets
    (0x20AC, 0x20AC),  # euro sign
    (0x2190, 0x2193),  # arrows left/up/right/down
)
LATIN_UI: Ranges = (
    *BASIC_LATIN_AND_LATIN1,
    (0x0100, 0x017F),  # Latin Extended-A
    (0x0180, 0x024F),  # Latin Extended-B
    (0x0370, 0x03FF),  # Greek and Coptic
    (0x0400, 0x04FF),  # Cyrillic
    (0x2000, 0x206F),  # General Punctuation
    (0x20A0, 0x20CF),  # Currency Symbols
    *UI_SYMBOLS,  # already inside the blocks above; kept explicit if those shrink
)
ARABIC_LATIN: Ranges = (*BASIC_LATIN_AND_LATIN1, *UI_SYMBOLS)
# Noto Sans has no arrows at all; Noto Sans Symbols has U+2190-2199 in
# matching Regular and Bold weights.
ARROWS: Ranges = ((0x2190, 0x21FF),)

# The build refuses to write fonts that miss any of these characters.
LATIN_SAMPLE = "Ärger ßœ Ελληνικά Русский “quotes” € A7K 0123456789 – — … • ‹› ←↑→↓"
ARABIC_SAMPLE = "A7K 0123456789 Platform 3 — مساعدة ١٢٣ ۴۵۶ پچژگ ټډړ ے ،؟ “” € ←↑→↓"
ARABIC_FEATURES = ("init", "medi", "fina", "rlig")


@dataclass(frozen=True)
class Source:
    """One input font and the facts about it the README needs."""

    path: Path
    family: str
    version: str
    sha256: str
    copyright: str


@dataclass(frozen=True)
class Part:
    """The characters taken from one source font; None means all of them."""

    source: Source
    ranges: Ranges | None


@dataclass(frozen=True)
class Target:
    """One output font; its first part supplies metrics and OS/2 data."""

    family: str
    style: str
    parts: tuple[Part, ...]

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(part.source for part in self.parts)

    @property
    def ps_name(self) -> str:
        return f"{self.family.replace(' ', '')}-{self.style}"

    @property
    def filename(self) -> str:
        return f"{self.ps_name}.ttf"


def read_source(path: Path) -> Source:
    if not path.is_file():
        sys.exit(f"missing source font {path} (install fonts-noto-core or pass --source)")
    font = TTFont(path, lazy=True)
    name = font["name"]
    return Source(
        path=path,
        family=str(name.getDebugName(1)),
        # nameID 5 is "Version 2.004; ttfautohint ..."; keep the number only.
        version=str(name.getDebugName(5)).split(";")[0].removeprefix("Version ").strip(),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        copyright=str(name.getDebugName(0)),
    )


def codepoints(ranges: Ranges) -> set[int]:
    return {cp for start, end in ranges for cp in range(start, end + 1)}


def subset_font(path: Path | io.BytesIO, unicodes: Iterable[int] | None) -> TTFont:
    """Subset ``path`` to ``unicodes`` (all of its cmap when None), without hinting.

    Hinting is dropped everywhere: it saves space, and it is required for the
    merge, because fontTools' Merger keeps only the first font's fpgm/prep/cvt,
    which would leave the other font's glyph programs calling missing functions.
    """
    options = subset.Options()
    options.layout_features = ["*"]  # keep every GSUB/GPOS feature
    options.layout_scripts = ["*"]
    options.hinting = False
    options.notdef_outline = True  # show a visible box for anything still missing
    options.name_IDs = ["*"]  # the name table is rewritten afterwards anyway
    options.glyph_names = False  # post format 3 saves space; Merger synthesizes names
    font = TTFont(path, recalcTimestamp=False)
    subsetter = subset.Subsetter(options=options)
    if unicodes is None:
        subsetter.populate(unicodes=font.getBestCmap().keys())
    else:
        subsetter.populate(unicodes=sorted(unicodes))
    subsetter.subset(font)
    return font


def to_bytes(font: TTFont) -> io.BytesIO:
    buf = io.BytesIO()
    font.save(buf)
    buf.seek(0)
    return buf


def merge_parts(parts: Sequence[Part]) -> TTFont:
    """Subset each part and merge them, earlier parts taking precedence.

    Every part is subset without hinting first (see subset_font).  Codepoints
    an earlier part already maps are left out of later parts: the shared
    glyphs (space, digits, some punctuation) are near-identical, and with no
    duplicate codepoints the Merger does not have to rename glyphs and inject
    a disambiguating 'locl' lookup.  Each font's GSUB/GPOS lookups only touch
    its own glyphs, and Noto Sans Arabic is the only part with an 'arab'
    script, so the merged 'arab' features are exactly the original ones.
    """
    fonts: list[TTFont] = []
    mapped: set[int] = set()
    for part in parts:
        wanted = None if part.ranges is None else codepoints(part.ranges) - mapped
        font = subset_font(part.source.path, wanted)
        mapped |= set(font.getBestCmap())
        fonts.append(font)

    primary = fonts[0]
    upem = primary["head"].unitsPerEm
    for font in fonts[1:]:
        if font["head"].unitsPerEm != upem:
            scale_upem(font, upem)  # Merger requires identical units per em

    merged = Merger().merge([to_bytes(font) for font in fonts])
    # Merger takes the max ascent/descent over all inputs; Noto Sans Symbols'
    # tall line metrics would make every label taller, so keep the primary's.
    for tag, attrs in VERTICAL_METRICS.items():
        for attr in attrs:
            setattr(merged[tag], attr, getattr(primary[tag], attr))
    # Round-trip through the subsetter to drop glyphs nothing can reach
    # (the later inputs' .notdef, renamed .notdef.1 etc. by the Merger).
    return subset_font(to_bytes(merged), None)


def set_names(font: TTFont, target: Target) -> None:
    """Give the font its own identity so it cannot clash with system Noto.

    The OFL requires the copyright notices and licence to be kept; the
    original family, vendor and designer entries are replaced because this is
    a Modified Version.  Noto declares no Reserved Font Name, but a new name
    avoids confusion with the installed originals anyway.
    """
    originals = font["name"]
    licence = originals.getDebugName(13)
    licence_url = originals.getDebugName(14)
    trademark = originals.getDebugName(7)
    copyrights = list(dict.fromkeys(src.copyright for src in target.sources))
    based_on = " + ".join(f"{src.family} {src.version}" for src in target.sources)

    originals.names = []
    entries = {
        0: " ".join(copyrights),
        1: target.family,
        2: target.style,
        3: f"{FONT_REVISION};KIOSK;{target.ps_name}",
        4: f"{target.family} {target.style}",
        5: f"Version {FONT_REVISION}; based on {based_on}",
        6: target.ps_name,
        7: trademark,
        10: (
            f"Modified Version of {based_on} (subset"
            f"{', merged' if len(target.sources) > 1 else ''}, unhinted) "
            "built by packaging/fonts/build_fonts.py for the help kiosk."
        ),
        13: licence,
        14: licence_url,
    }
    for name_id, value in entries.items():
        if value:
            originals.setName(str(value), name_id, 3, 1, 0x409)


def finalize(font: TTFont, target: Target) -> None:
    set_names(font, target)
    stamp = timestampSinceEpoch(int(os.environ.get("SOURCE_DATE_EPOCH", FIXED_UNIX_TIME)))
    head = font["head"]
    head.created = head.modified = stamp
    head.fontRevision = float(FONT_REVISION)
    os2 = font["OS/2"]
    os2.achVendID = "NONE"  # 'GOOG' identifies Google's originals, not this derivative
    os2.recalcUnicodeRanges(font)
    os2.recalcCodePageRanges(font)
    os2.recalcAvgCharWidth(font)


def check(font: TTFont, target: Target) -> None:
    """Fail the build if the font misses characters or Arabic shaping features."""
    cmap = font.getBestCmap()
    sample = ARABIC_SAMPLE if "Arabic" in target.family else LATIN_SAMPLE
    missing = sorted({ch for ch in sample if ord(ch) not in cmap})
    if missing:
        sys.exit(f"{target.filename}: no glyph for {' '.join(f'U+{ord(c):04X}' for c in missing)}")
    if "Arabic" in target.family:
        table = font["GSUB"].table
        features: set[str] = set()
        for record in table.ScriptList.ScriptRecord:
            if record.ScriptTag == "arab":
                langsys = [record.Script.DefaultLangSys] + [
                    r.LangSys for r in record.Script.LangSysRecord
                ]
                for ls in langsys:
                    if ls is not None:
                        features.update(
                            table.FeatureList.FeatureRecord[i].FeatureTag for i in ls.FeatureIndex
                        )
        lacking = [tag for tag in ARABIC_FEATURES if tag not in features]
        if lacking:
            sys.exit(f"{target.filename}: GSUB 'arab' lacks {', '.join(lacking)}")


def build(target: Target, out_dir: Path) -> Path:
    font = merge_parts(target.parts)
    finalize(font, target)
    check(font, target)
    path = out_dir / target.filename
    # Write through bytes so the checked, reloaded form is exactly what ships.
    data = to_bytes(font).getvalue()
    check(TTFont(io.BytesIO(data)), target)
    path.write_bytes(data)
    return path


def ofl_text(license_source: Path, sources: Iterable[Source]) -> str:
    """Return OFL.txt: the sources' copyright notices plus the OFL 1.1 text.

    Debian keeps the licence text as the "License: OFL-1.1" paragraph of the
    package's DEP-5 copyright file (indented, "." for blank lines); unwrap it.
    """
    if not license_source.is_file():
        sys.exit(f"missing {license_source}; install fonts-noto-core or pass --license-source")
    lines = license_source.read_text(encoding="utf-8").splitlines()
    body: list[str] = []
    for i, line in enumerate(lines):
        # The stanza with the full text is the one whose body starts at PREAMBLE.
        if line == "License: OFL-1.1" and i + 1 < len(lines) and lines[i + 1].strip() == "PREAMBLE":
            for text in lines[i + 1 :]:
                if not text.startswith(" "):
                    break
                body.append(text.strip())
            break
    if not body:
        sys.exit(f"no OFL-1.1 text found in {license_source}")
    paragraphs = [" ".join(p.split("\n")) for p in "\n".join(body).split("\n.\n")]
    wrapped = "\n\n".join(textwrap.fill(p, width=78) for p in paragraphs)
    notices = "\n".join(dict.fromkeys(src.copyright for src in sources))
    rule = "-" * 59
    return (
        f"{notices}\n\n"
        "This Font Software is licensed under the SIL Open Font License, Version 1.1.\n"
        "This license is copied below, and is also available with a FAQ at:\n"
        "https://openfontlicense.org\n\n"
        f"{rule}\nSIL OPEN FONT LICENSE Version 1.1 - 26 February 2007\n{rule}\n\n"
        f"{wrapped}\n"
    )


def readme_text(targets: Sequence[Target]) -> str:
    rows = []
    for target in targets:
        for src in target.sources:
            rows.append(
                f"| `{target.filename}` | {src.family} | {src.version} "
                f"| `{src.path.name}` | `{src.sha256[:16]}` |"
            )
    return "\n".join(
        [
            "# Kiosk fonts",
            "",
            "Generated by `packaging/fonts/build_fonts.py`; do not edit the font files by hand.",
            "",
            "Kivy labels use one font file each with no fallback, so each file covers",
            "everything its locales show, including ASCII ticket codes and digits:",
            "",
            "- `KioskLatin-*`: Noto Sans subset to Basic Latin, Latin-1, Latin Extended-A/B,",
            "  Greek, Cyrillic, General Punctuation and Currency Symbols, plus the arrows",
            "  U+2190-U+2199 from Noto Sans Symbols (Noto Sans has no arrows).",
            "- `KioskArabic-*`: all of Noto Sans Arabic (Persian/Urdu letters, Arabic-Indic",
            "  and Extended Arabic-Indic digits, presentation forms) merged with the",
            "  Basic Latin + Latin-1 part of Noto Sans of the same weight (plus dashes,",
            "  curly quotes, bullet, ellipsis, euro) and the same Noto Sans Symbols",
            "  arrows. Use it with",
            "  `font_script_name='Arab'` and `font_direction='rtl'` so HarfBuzz shapes it.",
            "",
            "## Sources",
            "",
            "| File | Source family | Version | Source file | SHA-256 (prefix) |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "Source files come from Debian's `fonts-noto-core` package",
            "(`/usr/share/fonts/truetype/noto/`).",
            "",
            "## Licence",
            "",
            "The Noto fonts are licensed under the SIL Open Font License 1.1 (`OFL.txt`).",
            "These files are Modified Versions under the OFL: they are subset, unhinted",
            'and merged from several Noto fonts, and they carry new family names ("Kiosk',
            'Latin", "Kiosk Arabic"). Noto declares no Reserved Font Name, so renaming',
            "is not strictly required; it is done so that the files are never mistaken for",
            "or clash with the original Noto fonts. The original copyright notices and",
            "licence are kept in each font's `name` table and in `OFL.txt`, and these",
            "files remain under OFL-1.1.",
            "",
            "## Rebuilding",
            "",
            "```sh",
            "apt-get install fonts-noto-core   # provides the sources and the OFL text",
            "python packaging/fonts/build_fonts.py [--source DIR] [--out DIR]",
            "```",
            "",
            "The build needs `fonttools`, prints each file's size, and is deterministic:",
            "the same sources give byte-identical files (head timestamps are fixed; set",
            "`SOURCE_DATE_EPOCH` to choose another date).",
            "",
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Noto fonts directory")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--license-source",
        type=Path,
        default=DEFAULT_LICENSE_SOURCE,
        help="Debian copyright file holding the OFL 1.1 text",
    )
    args = parser.parse_args(argv)
    source_dir: Path = args.source
    out_dir: Path = args.out

    targets: list[Target] = []
    for style in ("Regular", "Bold"):
        latin = read_source(source_dir / f"NotoSans-{style}.ttf")
        arabic = read_source(source_dir / f"NotoSansArabic-{style}.ttf")
        symbols = read_source(source_dir / f"NotoSansSymbols-{style}.ttf")
        arrows = Part(symbols, ARROWS)
        targets.append(Target("Kiosk Latin", style, (Part(latin, LATIN_UI), arrows)))
        targets.append(
            Target("Kiosk Arabic", style, (Part(arabic, None), Part(latin, ARABIC_LATIN), arrows))
        )
    targets.sort(key=lambda t: t.filename)

    out_dir.mkdir(parents=True, exist_ok=True)
    written = [build(target, out_dir) for target in targets]
    all_sources = [src for target in targets for src in target.sources]
    ofl = out_dir / "OFL.txt"
    ofl.write_text(ofl_text(args.license_source, all_sources), encoding="utf-8")
    readme = out_dir / "README.md"
    readme.write_text(readme_text(targets), encoding="utf-8")

    for path in (*written, ofl, readme):
        print(f"{path.stat().st_size:>9,d} bytes  {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
