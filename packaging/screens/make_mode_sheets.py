"""Contact sheets of the kiosk's screens in each accessibility mode, for docs/screens/modes/.

The pictures come from the real app:

    KIOSK_SCREENSHOTS=/tmp/shots pytest tests/e2e/test_accessibility_modes.py
    python packaging/screens/make_mode_sheets.py /tmp/shots/modes docs/screens/modes

One sheet per orientation, language and modes: the seven traveller screens side
by side, scaled down and reduced to a small palette so the files stay small.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image

# (window size, walk label as the test names its screenshots)
SHEETS = (
    ("1080x1920", "en-normal"),
    ("1080x1920", "en-large_text"),
    ("1080x1920", "en-high_contrast"),
    ("1080x1920", "en-low_reach"),
    ("1080x1920", "en-large_text-high_contrast-low_reach"),
    ("1080x1920", "ar-large_text"),
    ("1080x1920", "ja-low_reach-high_contrast"),
    ("1920x1080", "en-normal"),
    ("1920x1080", "en-large_text"),
    ("1920x1080", "en-high_contrast"),
)
THUMB_WIDTH = {"1080x1920": 240, "1920x1080": 360}
GAP = 6
# start, consent, category, details, urgency, waiting, thank you
SCREENS = 7


def sheet(raw: Path, size: str, label: str) -> Image.Image:
    shots = sorted((raw / size).glob(f"{label}-[0-9]-*.png"))
    if len(shots) != SCREENS:
        raise SystemExit(f"expected {SCREENS} screens for {size} {label}, found {len(shots)}")
    width = THUMB_WIDTH[size]
    thumbs = []
    for path in shots:
        with Image.open(path) as im:
            rgb = im.convert("RGB")
            thumbs.append(rgb.resize((width, round(rgb.height * width / rgb.width)), Image.LANCZOS))
    cols = 4
    rows = -(-len(thumbs) // cols)
    height = thumbs[0].height
    out = Image.new(
        "RGB", (cols * width + (cols - 1) * GAP, rows * height + (rows - 1) * GAP), (128, 128, 128)
    )
    for i, thumb in enumerate(thumbs):
        out.paste(thumb, ((i % cols) * (width + GAP), (i // cols) * (height + GAP)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("raw", type=Path, help="the screenshots' modes/ directory")
    parser.add_argument("out", type=Path, help="where the sheets go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    for size, label in SHEETS:
        orientation = "portrait" if size == "1080x1920" else "landscape"
        target = args.out / f"{orientation}-{label}.png"
        image = sheet(args.raw, size, label).quantize(colors=64, method=Image.Quantize.MEDIANCUT)
        image.save(target, optimize=True)
        print(target, target.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
