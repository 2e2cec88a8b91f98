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
* ``Kiosk{Hebrew,Urdu,Devanagari,Bengali,Tamil,Thai,Ethiopic}-{Regular,Bold}.ttf``:
  the same recipe for other scripts: all of the script's Noto font (Noto
  Nastaliq Urdu for Urdu) merged with the Basic Latin and Latin-1 part of
  Noto Sans of the same weight, the UI punctuation and the arrows, keeping
  the script's GSUB/GPOS.
* ``Kiosk{SC,TC,JP,KR}-{Regular,Bold}.otf``: one face of Noto Sans CJK (CFF
  outlines, hence ``.otf``) subset to a common repertoire: the first level of
  a national standard's ideographs (or all of its Hangul syllables) and its
  symbol rows, CJK punctuation, full-width forms and Basic Latin/Latin-1.
  Noto Sans CJK has its own Latin, so nothing is merged into these.
* ``OFL.txt`` and ``README.md``: the licence and where each file came from.

The output is byte-for-byte reproducible for the same input fonts.  Rebuild
with (``fonts-noto-core`` and ``fonts-noto-cjk`` installed)::

    python packaging/fonts/build_fonts.py [--source DIR] [--cjk-source DIR] [--out DIR]
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import io
import os
import sys
import textwrap
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from fontTools import subset
from fontTools.merge import Merger
from fontTools.misc.timeTools import timestampSinceEpoch
from fontTools.ttLib import TTFont, newTable
from fontTools.ttLib.scaleUpem import scale_upem
from fontTools.ttLib.tables import ttProgram

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_SOURCE = Path("/usr/share/fonts/truetype/noto")
DEFAULT_CJK_SOURCE = Path("/usr/share/fonts/opentype/noto")
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
# What every non-Latin script font (Arabic, Hebrew, ...) takes from Noto Sans.
SCRIPT_LATIN: Ranges = (*BASIC_LATIN_AND_LATIN1, *UI_SYMBOLS)
# Noto Sans has no arrows at all; Noto Sans Symbols has U+2190-2199 in
# matching Regular and Bold weights.
ARROWS: Ranges = ((0x2190, 0x21FF),)

# The build refuses to write fonts that miss any of these characters.
LATIN_SAMPLE = "Ärger ßœ Ελληνικά Русский “quotes” € A7K 0123456789 – — … • ‹› ←↑→↓"
ARABIC_SAMPLE = "A7K 0123456789 Platform 3 — مساعدة ١٢٣ ۴۵۶ پچژگ ټډړ ے ،؟ “” € ←↑→↓"
ARABIC_FEATURES = ("init", "medi", "fina", "rlig")
# Every font must have these whatever its script: ASCII (ticket codes, the
# emergency number, Latin station names), the no-break space, the quotes,
# dashes and ellipsis the catalogs use, and the UI symbols above.
UI_SAMPLE = "".join(map(chr, range(0x20, 0x7F))) + "\u00a0«»“”‘’–—·…•‹›€←↑→↓"

# (table, OpenType script tag, features that must be there with lookups)
Requirement = tuple[str, str, tuple[str, ...]]


@dataclass(frozen=True)
class Source:
    """One input font and the facts about it the README needs."""

    path: Path
    family: str
    version: str
    sha256: str
    copyright: str
    face: int | None = None  # index in a font collection (.ttc)


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
    sample: str = ""
    requirements: tuple[Requirement, ...] = ()
    # GSUB/GPOS features to keep; None keeps every one.
    features: tuple[str, ...] | None = None
    extension: str = "ttf"
    # False: FreeType is kept from auto-hinting it (see skip_autohinter).
    autohinted: bool = True

    @property
    def sources(self) -> tuple[Source, ...]:
        return tuple(part.source for part in self.parts)

    @property
    def ps_name(self) -> str:
        return f"{self.family.replace(' ', '')}-{self.style}"

    @property
    def filename(self) -> str:
        return f"{self.ps_name}.{self.extension}"


@dataclass(frozen=True)
class ScriptFont:
    """A script font merged with Latin, and what its output must still do."""

    family: str
    stem: str  # source file name without "-Regular.ttf"
    sample: str
    requirements: tuple[Requirement, ...]
    autohinted: bool = True


# HarfBuzz uses the newer Indic script tags (dev2, bng2, tml2) whenever a
# font has them, so those are the ones checked.
SCRIPT_FONTS: tuple[ScriptFont, ...] = (
    ScriptFont(
        "Kiosk Arabic",
        "NotoSansArabic",
        ARABIC_SAMPLE,
        (("GSUB", "arab", ARABIC_FEATURES),),
    ),
    ScriptFont(
        "Kiosk Hebrew",
        "NotoSansHebrew",
        "שלום עזרה ₪",
        (("GSUB", "hebr", ("ccmp",)), ("GPOS", "hebr", ("kern", "mark"))),
    ),
    ScriptFont(
        "Kiosk Urdu",
        "NotoNastaliqUrdu",
        "مدد کی ضرورت ہے؟ ٹرین۔ ۱۲۳، ٪",
        (
            ("GSUB", "arab", ("ccmp", "isol", "init", "medi", "fina", "rlig")),
            ("GPOS", "arab", ("curs", "mark", "mkmk")),
        ),
        autohinted=False,
    ),
    ScriptFont(
        "Kiosk Devanagari",
        "NotoSansDevanagari",
        "मदद चाहिए। १२३",
        (
            ("GSUB", "dev2", ("nukt", "akhn", "rphf", "rkrf", "blwf", "half", "cjct", "pres")),
            ("GSUB", "dev2", ("abvs", "blws", "psts", "haln")),
            ("GPOS", "dev2", ("abvm", "blwm", "dist")),
        ),
    ),
    ScriptFont(
        "Kiosk Bengali",
        "NotoSansBengali",
        "সাহায্য দরকার। ১২৩",
        (
            ("GSUB", "bng2", ("nukt", "akhn", "rphf", "blwf", "half", "pstf", "cjct", "init")),
            ("GSUB", "bng2", ("pres", "abvs", "blws", "psts")),
            ("GPOS", "bng2", ("abvm", "blwm", "dist", "kern")),
        ),
    ),
    ScriptFont(
        "Kiosk Tamil",
        "NotoSansTamil",
        "உதவி தேவை",
        (
            ("GSUB", "tml2", ("akhn", "abvs", "psts", "haln")),
            ("GPOS", "tml2", ("abvm", "blwm", "dist", "kern")),
        ),
    ),
    ScriptFont(
        "Kiosk Thai",
        "NotoSansThai",
        "ต้องการความช่วยเหลือ ๑๒๓",
        (("GSUB", "thai", ("ccmp", "liga")), ("GPOS", "thai", ("kern", "mark", "mkmk"))),
    ),
    ScriptFont(
        "Kiosk Ethiopic",
        "NotoSansEthiopic",
        "እርዳታ ይፈልጋሉ። ፣",
        (("GSUB", "ethi", ("calt",)), ("GPOS", "ethi", ("kern", "mark", "mkmk"))),
    ),
)


def double_byte(codec: str, leads: Iterable[int], trails: Iterable[int]) -> set[int]:
    """Codepoints of every two-byte code ``lead trail`` that ``codec`` decodes."""
    trails = tuple(trails)
    found: set[int] = set()
    for lead in leads:
        for trail in trails:
            with contextlib.suppress(UnicodeDecodeError):  # unassigned code
                found.update(map(ord, bytes((lead, trail)).decode(codec)))
    return found


EUC_TRAILS = range(0xA1, 0xFF)
BIG5_TRAILS = (*range(0x40, 0x7F), *range(0xA1, 0xFF))


def gb2312_common() -> set[int]:
    """GB 2312 rows 1-9 (symbols, full-width ASCII, kana, Greek, Cyrillic,
    pinyin, box drawing) and rows 16-55 (the 3,755 level-1 hanzi)."""
    return double_byte("gb2312", (*range(0xA1, 0xAA), *range(0xB0, 0xD8)), EUC_TRAILS)


def big5_common() -> set[int]:
    """Big5 symbols (A140-A3BF) and the 5,401 common hanzi (A440-C67E)."""
    found = double_byte("big5", range(0xA1, 0xC6), BIG5_TRAILS)
    return found | double_byte("big5", (0xC6,), range(0x40, 0x7F))


def jis0208_common() -> set[int]:
    """JIS X 0208 rows 1-8 (symbols, alphanumerics, kana, Greek, Cyrillic, box
    drawing) and rows 16-47 (the 2,965 level-1 kanji), via EUC-JP."""
    return double_byte("euc_jp", (*range(0xA1, 0xA9), *range(0xB0, 0xD0)), EUC_TRAILS)


def ksx1001_common() -> set[int]:
    """KS X 1001 rows 1-12 (symbols, compatibility jamo, kana, Greek,
    Cyrillic) and rows 16-40 (all 2,350 precomposed Hangul syllables)."""
    return double_byte("euc_kr", (*range(0xA1, 0xAD), *range(0xB0, 0xC9)), EUC_TRAILS)


CJK_COMMON: Ranges = (
    *SCRIPT_LATIN,
    (0x3000, 0x303F),  # CJK Symbols and Punctuation
    (0xFF00, 0xFFEF),  # Halfwidth and Fullwidth Forms
)
KANA: Ranges = ((0x3040, 0x30FF),)  # all of Hiragana and Katakana


@dataclass(frozen=True)
class CJKFont:
    """One region's face of Noto Sans CJK and the repertoire kept from it."""

    family: str
    face_family: str  # the face's name ID 1 inside the .ttc
    repertoire: Callable[[], set[int]]
    extra: Ranges
    sample: str
    script: str  # OpenType script tag checked for kerning
    standard: str  # README wording


CJK_FONTS: tuple[CJKFont, ...] = (
    CJKFont(
        "Kiosk SC",
        "Noto Sans CJK SC",
        gb2312_common,
        (),
        "需要帮助吗？请稍等，工作人员马上就到。",
        "hani",
        "GB 2312 level-1 hanzi and symbol rows 1-9",
    ),
    CJKFont(
        "Kiosk TC",
        "Noto Sans CJK TC",
        big5_common,
        (),
        "需要幫助嗎？請稍等，工作人員馬上就到。「」",
        "hani",
        "Big5 common hanzi (A440-C67E) and symbols (A140-A3BF)",
    ),
    CJKFont(
        "Kiosk JP",
        "Noto Sans CJK JP",
        jis0208_common,
        KANA,
        "助けが必要ですか？係員がすぐに参ります。「」ー・",
        "kana",
        "JIS X 0208 level-1 kanji and rows 1-8, plus all of Hiragana and Katakana",
    ),
    CJKFont(
        "Kiosk KR",
        "Noto Sans CJK KR",
        ksx1001_common,
        (),
        "도움이 필요하세요? 잠시만 기다려 주세요. ㄱㅎ",
        "hang",
        "all 2,350 KS X 1001 Hangul syllables and symbol rows 1-12",
    ),
)
# For the CJK fonts, keep only what HarfBuzz applies to horizontal text by
# default.  'locl' is left out: with it the subsetter would pull in every
# other region's glyph variants, and each face's cmap already gives its own
# region's forms.  Vertical features are left out because Kivy lays out text
# horizontally only.  'aalt', 'fwid', 'hwid', 'jp78' etc. are never applied.
CJK_FEATURES = ("ccmp", "calt", "clig", "liga", "rlig", "kern", "mark", "mkmk")


def read_source(path: Path, face_family: str | None = None) -> Source:
    """Read one source; for a collection, the face whose family is ``face_family``."""
    if not path.is_file():
        sys.exit(f"missing source font {path} (install fonts-noto-core/-cjk or pass --source)")
    face = None
    if face_family is None:
        font = TTFont(path, lazy=True)
    else:
        for face in range(32):
            try:
                font = TTFont(path, lazy=True, fontNumber=face)
            except Exception:  # past the last face (fontTools raises TTLibError/IndexError)
                sys.exit(f"no face {face_family!r} in {path}")
            if font["name"].getDebugName(1) == face_family:
                break
        else:
            sys.exit(f"no face {face_family!r} in {path}")
    name = font["name"]
    return Source(
        path=path,
        family=str(name.getDebugName(1)),
        # nameID 5 is "Version 2.004; ttfautohint ..."; keep the number only.
        version=str(name.getDebugName(5)).split(";")[0].removeprefix("Version ").strip(),
        sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        copyright=str(name.getDebugName(0)),
        face=face,
    )


def codepoints(ranges: Ranges) -> set[int]:
    return {cp for start, end in ranges for cp in range(start, end + 1)}


def subset_font(
    path: Path | io.BytesIO,
    unicodes: Iterable[int] | None,
    face: int | None = None,
    features: Sequence[str] | None = None,
) -> TTFont:
    """Subset ``path`` to ``unicodes`` (all of its cmap when None), without hinting.

    Hinting is dropped everywhere: it saves space, and it is required for the
    merge, because fontTools' Merger keeps only the first font's fpgm/prep/cvt,
    which would leave the other font's glyph programs calling missing functions.
    ``features`` limits the GSUB/GPOS features kept (default: all of them).
    """
    options = subset.Options()
    options.layout_features = ["*"] if features is None else list(features)
    options.layout_scripts = ["*"]
    options.hinting = False
    options.notdef_outline = True  # show a visible box for anything still missing
    options.name_IDs = ["*"]  # the name table is rewritten afterwards anyway
    options.glyph_names = False  # post format 3 saves space; Merger synthesizes names
    if face is None:
        font = TTFont(path, recalcTimestamp=False)
    else:
        font = TTFont(path, recalcTimestamp=False, fontNumber=face)
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


def merge_parts(parts: Sequence[Part], features: Sequence[str] | None = None) -> TTFont:
    """Subset each part and merge them, earlier parts taking precedence.

    Every part is subset without hinting first (see subset_font).  Codepoints
    an earlier part already maps are left out of later parts: the shared
    glyphs (space, digits, some punctuation) are near-identical, and with no
    duplicate codepoints the Merger does not have to rename glyphs and inject
    a disambiguating 'locl' lookup.  Each font's GSUB/GPOS lookups only touch
    its own glyphs, and the script font is the only part with its script
    ('arab', 'hebr', 'dev2', ...), so the merged script's features are exactly
    the original ones.  A single part (the CJK fonts) is only subset.
    """
    if len(parts) == 1:
        part = parts[0]
        wanted = None if part.ranges is None else codepoints(part.ranges)
        return subset_font(part.source.path, wanted, part.source.face, features)

    fonts: list[TTFont] = []
    mapped: set[int] = set()
    for part in parts:
        wanted = None if part.ranges is None else codepoints(part.ranges) - mapped
        font = subset_font(part.source.path, wanted, part.source.face, features)
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
    return subset_font(to_bytes(merged), None, None, features)


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

    if "CFF " in font:
        # CFF keeps its own names (in a .ttc, every face's CFF is named after
        # the JP face): rename them too; the Notice (copyright) stays.
        cff = font["CFF "].cff
        old_name = cff.fontNames[0]
        cff.fontNames[0] = target.ps_name
        top = cff.topDictIndex[0]
        top.FamilyName = target.family
        top.FullName = f"{target.family} {target.style}"
        top.Weight = target.style
        for fd in getattr(top, "FDArray", ()):
            if fd.FontName.startswith(old_name):
                fd.FontName = target.ps_name + fd.FontName[len(old_name) :]


def skip_autohinter(font: TTFont) -> None:
    """Give an unhinted TrueType font a one-instruction `prep` program.

    FreeType auto-hints a TrueType font that has no instructions at all, and its
    auto-hinter first has HarfBuzz collect every glyph each GSUB lookup can reach,
    again for every size opened (SDL_ttf opens a font once per size). For Noto
    Nastaliq Urdu's 183 lookups that took 26-40 ms per size, about 240 ms before a
    traveller's first Urdu screen; with this program FreeType draws the outlines as
    they are (its TrueType interpreter, with nothing to run), under 1 ms a size.
    Nastaliq's sloping baseline gives the auto-hinter little to align anyway.
    """
    prep = newTable("prep")
    prep.program = ttProgram.Program()
    prep.program.fromAssembly(["SVTCA[0]"])  # sets the projection vector: changes nothing
    font["prep"] = prep


def finalize(font: TTFont, target: Target) -> None:
    set_names(font, target)
    if not target.autohinted:
        skip_autohinter(font)
    stamp = timestampSinceEpoch(int(os.environ.get("SOURCE_DATE_EPOCH", FIXED_UNIX_TIME)))
    head = font["head"]
    head.created = head.modified = stamp
    head.fontRevision = float(FONT_REVISION)
    os2 = font["OS/2"]
    os2.achVendID = "NONE"  # 'GOOG' identifies Google's originals, not this derivative
    os2.recalcUnicodeRanges(font)
    os2.recalcCodePageRanges(font)
    os2.recalcAvgCharWidth(font)


def script_features(font: TTFont, table_tag: str, script: str) -> dict[str, int]:
    """Features reachable for ``script`` in any language, with their lookup counts."""
    if table_tag not in font:
        return {}
    table = font[table_tag].table
    features: dict[str, int] = {}
    for record in table.ScriptList.ScriptRecord:
        if record.ScriptTag != script:
            continue
        langsys = [record.Script.DefaultLangSys] + [r.LangSys for r in record.Script.LangSysRecord]
        for ls in langsys:
            if ls is None:
                continue
            for i in ls.FeatureIndex:
                feature = table.FeatureList.FeatureRecord[i]
                tag = feature.FeatureTag
                features[tag] = max(features.get(tag, 0), feature.Feature.LookupCount)
    return features


def check(font: TTFont, target: Target) -> None:
    """Fail the build if the font misses characters or its script's shaping features."""
    cmap = font.getBestCmap()
    missing = sorted({ch for ch in UI_SAMPLE + target.sample if ord(ch) not in cmap})
    if missing:
        sys.exit(f"{target.filename}: no glyph for {' '.join(f'U+{ord(c):04X}' for c in missing)}")
    for table_tag, script, required in target.requirements:
        present = script_features(font, table_tag, script)
        lacking = [tag for tag in required if not present.get(tag)]
        if lacking:
            sys.exit(f"{target.filename}: {table_tag} '{script}' lacks {', '.join(lacking)}")


def build(target: Target, out_dir: Path) -> Path:
    font = merge_parts(target.parts, target.features)
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


def readme_text(targets: Sequence[Target], sizes: dict[str, int]) -> str:
    rows = []
    for target in targets:
        for src in target.sources:
            source_file = f"`{src.path.name}`" + ("" if src.face is None else f" #{src.face}")
            rows.append(
                f"| `{target.filename}` | {src.family} | {src.version} "
                f"| {source_file} | `{src.sha256[:16]}` |"
            )
    size_rows = [f"| `{name}` | {size:,d} |" for name, size in sorted(sizes.items())]
    total = sum(sizes.values())
    cjk = [f"  - `{font.family.replace(' ', '')}-*`: {font.standard}." for font in CJK_FONTS]
    return "\n".join(
        [
            "# Kiosk fonts",
            "",
            "Generated by `packaging/fonts/build_fonts.py`; do not edit the font files by hand.",
            "",
            "Kivy labels use one font file each with no fallback, so each file covers",
            "everything its locales show, including ASCII ticket codes, digits, the",
            "no-break space and the quotes, dashes and ellipsis « » “ ” ‘ ’ – — · …:",
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
            "- `KioskHebrew-*`, `KioskUrdu-*`, `KioskDevanagari-*`, `KioskBengali-*`,",
            "  `KioskTamil-*`, `KioskThai-*`, `KioskEthiopic-*`: the same recipe as",
            "  `KioskArabic-*` with all of Noto Sans Hebrew, Noto Nastaliq Urdu, Noto Sans",
            "  Devanagari, Noto Sans Bengali, Noto Sans Tamil, Noto Sans Thai and Noto Sans",
            "  Ethiopic. The script font wins where both have a character (e.g. Noto",
            "  Nastaliq Urdu's own digits and brackets); everything else in Basic Latin and",
            "  Latin-1 (Hebrew, Thai and Ethiopic have no ASCII digits or letters at all)",
            "  comes from Noto Sans. Line metrics are the script font's. Set",
            "  `font_script_name` to `Hebr`, `Arab`, `Deva`, `Beng`, `Taml`, `Thai` or",
            "  `Ethi`, and `font_direction='rtl'` for Hebrew and Urdu (whose mixed-direction",
            "  text still needs the app's bidi preparation, or `A7K 112` shows as",
            "  `211 K7A`).",
            "- `KioskUrdu-*` is Nastaliq (Noto Nastaliq Urdu ships both Regular and Bold,",
            "  each built from its own weight). Its GSUB/GPOS (183/33 lookups, cursive",
            "  attachment) survive the merge unchanged: HarfBuzz shapes Urdu text to the",
            "  same glyphs and positions as with the original font. Nastaliq lines are",
            "  about 2.5 em tall (ascent 1904, descent 596 units), and its space is narrow",
            "  (0.13 em), also between Latin words and digits. It carries a one-instruction",
            "  `prep` program so that FreeType does not auto-hint it: the auto-hinter's",
            "  set-up walks every GSUB lookup again for each size opened (26-40 ms each,",
            "  under 1 ms without it), and the outlines are drawn as they are.",
            "- `KioskSC-*`, `KioskTC-*`, `KioskJP-*`, `KioskKR-*` (`.otf`, CFF outlines):",
            "  the Simplified Chinese, Traditional Chinese, Japanese and Korean faces of",
            "  Noto Sans CJK, subset (nothing merged: these faces have their own Latin)",
            "  to Basic Latin, Latin-1, the UI punctuation and arrows, CJK Symbols and",
            "  Punctuation (U+3000-U+303F), Halfwidth and Fullwidth Forms (U+FF00-U+FFEF)",
            "  and:",
            *cjk,
            "",
            "  Characters outside these sets (rarer hanzi/kanji, Hanja, old Hangul jamo)",
            "  show as boxes: check new catalog text against the font. Only the features",
            "  HarfBuzz applies to horizontal text are kept (no `locl`, `vert`, `aalt`):",
            "  each face's own cmap already gives its region's glyph forms, including its",
            "  punctuation (SC's full-width ？ sits at the left of its em box; in these",
            "  faces … · — are CJK-width). Use `font_script_name='Hani'` for Chinese and",
            "  Japanese, `'Hang'` for Korean.",
            "",
            "## Files",
            "",
            "| File | Bytes |",
            "| --- | ---: |",
            *size_rows,
            f"| total (fonts and `OFL.txt`) | {total:,d} |",
            "",
            "## Sources",
            "",
            "| File | Source family | Version | Source file | SHA-256 (prefix) |",
            "| --- | --- | --- | --- | --- |",
            *rows,
            "",
            "Source files come from Debian's `fonts-noto-core` package",
            "(`/usr/share/fonts/truetype/noto/`) and, for the CJK fonts (`#n` is the face",
            "index in the collection), `fonts-noto-cjk` (`/usr/share/fonts/opentype/noto/`).",
            "",
            "## Licence",
            "",
            "The Noto fonts, Noto Sans CJK included, are licensed under the SIL Open Font",
            "License 1.1 (`OFL.txt`).",
            "These files are Modified Versions under the OFL: they are subset, unhinted",
            "and (except the CJK ones) merged from several Noto fonts, and they carry new",
            'family names ("Kiosk Latin", "Kiosk Arabic", "Kiosk Hebrew", "Kiosk SC",',
            "...). Noto declares no Reserved Font Name, so renaming",
            "is not strictly required; it is done so that the files are never mistaken for",
            "or clash with the original Noto fonts. The original copyright notices and",
            "licence are kept in each font's `name` table and in `OFL.txt`, and these",
            "files remain under OFL-1.1.",
            "",
            "## Rebuilding",
            "",
            "```sh",
            "apt-get install fonts-noto-core fonts-noto-cjk  # the sources and the OFL text",
            "python packaging/fonts/build_fonts.py [--source DIR] [--cjk-source DIR] [--out DIR]",
            "```",
            "",
            "The build needs `fonttools`, prints each file's size, and is deterministic:",
            "the same sources give byte-identical files (head timestamps are fixed; set",
            "`SOURCE_DATE_EPOCH` to choose another date). It refuses to write a font that",
            "lacks a character of its sample text or a shaping feature of its script.",
            "",
        ]
    )


def make_targets(source_dir: Path, cjk_dir: Path) -> list[Target]:
    targets: list[Target] = []
    for style in ("Regular", "Bold"):
        latin = read_source(source_dir / f"NotoSans-{style}.ttf")
        symbols = read_source(source_dir / f"NotoSansSymbols-{style}.ttf")
        arrows = Part(symbols, ARROWS)
        targets.append(
            Target("Kiosk Latin", style, (Part(latin, LATIN_UI), arrows), sample=LATIN_SAMPLE)
        )
        for script in SCRIPT_FONTS:
            primary = read_source(source_dir / f"{script.stem}-{style}.ttf")
            parts = (Part(primary, None), Part(latin, SCRIPT_LATIN), arrows)
            targets.append(
                Target(
                    script.family,
                    style,
                    parts,
                    script.sample,
                    script.requirements,
                    autohinted=script.autohinted,
                )
            )
        collection = cjk_dir / f"NotoSansCJK-{style}.ttc"
        for cjk in CJK_FONTS:
            source = read_source(collection, cjk.face_family)
            unicodes = cjk.repertoire() | codepoints((*CJK_COMMON, *cjk.extra))
            ranges = tuple((cp, cp) for cp in sorted(unicodes))
            targets.append(
                Target(
                    cjk.family,
                    style,
                    (Part(source, ranges),),
                    sample=cjk.sample,
                    requirements=(("GPOS", cjk.script, ("kern",)),),
                    features=CJK_FEATURES,
                    extension="otf",
                )
            )
    targets.sort(key=lambda t: t.filename)
    return targets


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--source", type=Path, default=DEFAULT_SOURCE, help="Noto fonts directory")
    parser.add_argument(
        "--cjk-source",
        type=Path,
        default=DEFAULT_CJK_SOURCE,
        help="directory with NotoSansCJK-{Regular,Bold}.ttc",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output directory")
    parser.add_argument(
        "--license-source",
        type=Path,
        default=DEFAULT_LICENSE_SOURCE,
        help="Debian copyright file holding the OFL 1.1 text",
    )
    args = parser.parse_args(argv)
    out_dir: Path = args.out

    targets = make_targets(args.source, args.cjk_source)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for target in targets:
        written.append(build(target, out_dir))
        print(f"{written[-1].stat().st_size:>9,d} bytes  {written[-1]}", flush=True)
    all_sources = [src for target in targets for src in target.sources]
    ofl = out_dir / "OFL.txt"
    ofl.write_text(ofl_text(args.license_source, all_sources), encoding="utf-8")
    sizes = {path.name: path.stat().st_size for path in written}
    sizes[ofl.name] = ofl.stat().st_size
    readme = out_dir / "README.md"
    readme.write_text(readme_text(targets, sizes), encoding="utf-8")

    for path in (ofl, readme):
        print(f"{path.stat().st_size:>9,d} bytes  {path}")
    total = sum(path.stat().st_size for path in (*written, ofl, readme))
    print(f"{total:>9,d} bytes  total")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
