"""Colour themes of the shared widgets (widgets.kv binds to `app.palette`).

Each colour has a role, so a screen asks for "text" or "urgent button", never
for a colour; switching the app's palette re-colours every screen, new ones
included. `contrast_ratio` is WCAG 2.2's formula, which the tests apply to the
pairs in `TEXT_PAIRS` (1.4.3: 4.5:1; 1.4.6 and the high-contrast mode: 7:1).
"""

from __future__ import annotations

from dataclasses import dataclass, fields

__all__ = [
    "HIGH_CONTRAST",
    "NORMAL",
    "TEXT_PAIRS",
    "Palette",
    "contrast_ratio",
    "min_target_px",
]

RGBA = tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class Palette:
    name: str
    background: RGBA  # screens
    calm_background: RGBA  # the waiting screen once help is coming
    text: RGBA
    muted_text: RGBA  # secondary lines
    accent_text: RGBA  # the attract title, the request code
    error_text: RGBA
    button: RGBA
    button_down: RGBA
    button_text: RGBA
    button_text_down: RGBA
    quiet: RGBA
    quiet_down: RGBA
    quiet_text: RGBA
    quiet_text_down: RGBA
    urgent: RGBA
    urgent_down: RGBA
    urgent_text: RGBA
    urgent_text_down: RGBA
    toggle_off: RGBA
    toggle_off_text: RGBA
    toggle_on: RGBA
    toggle_on_text: RGBA
    emergency: RGBA  # the always-visible emergency bar
    emergency_text: RGBA
    speaker: RGBA  # the speaker and volume buttons (drawn icons)
    speaker_down: RGBA
    speaker_icon: RGBA
    speaker_icon_down: RGBA
    reply: RGBA  # the box a staff reply is shown in on the waiting screen
    reply_text: RGBA
    # An outline around every button: invisible in the normal theme, a bright
    # frame in high contrast (where button and screen are both black).
    border: RGBA
    border_down: RGBA
    border_width: float


WHITE: RGBA = (1.0, 1.0, 1.0, 1.0)
BLACK: RGBA = (0.0, 0.0, 0.0, 1.0)
YELLOW: RGBA = (1.0, 0.92, 0.0, 1.0)
_INK: RGBA = (0.07, 0.09, 0.12, 1.0)
_BLUE: RGBA = (0.04, 0.31, 0.61, 1.0)
_SLATE: RGBA = (0.27, 0.3, 0.35, 1.0)
_RED: RGBA = (0.72, 0.07, 0.09, 1.0)

NORMAL = Palette(
    name="normal",
    background=WHITE,
    calm_background=(0.9, 0.97, 0.91, 1.0),
    text=_INK,
    muted_text=_SLATE,
    accent_text=_BLUE,
    error_text=_RED,
    button=_BLUE,
    button_down=(0.02, 0.2, 0.42, 1.0),
    button_text=WHITE,
    button_text_down=WHITE,
    quiet=_SLATE,
    quiet_down=(0.15, 0.17, 0.2, 1.0),
    quiet_text=WHITE,
    quiet_text_down=WHITE,
    urgent=_RED,
    urgent_down=(0.5, 0.04, 0.06, 1.0),
    urgent_text=WHITE,
    urgent_text_down=WHITE,
    toggle_off=(0.86, 0.89, 0.93, 1.0),
    toggle_off_text=_INK,
    toggle_on=_BLUE,
    toggle_on_text=WHITE,
    emergency=_RED,
    emergency_text=WHITE,
    speaker=_INK,
    speaker_down=(0.3, 0.3, 0.35, 1.0),
    speaker_icon=WHITE,
    speaker_icon_down=WHITE,
    reply=(1.0, 0.95, 0.75, 1.0),
    reply_text=_INK,
    border=(0.0, 0.0, 0.0, 0.0),
    border_down=(0.0, 0.0, 0.0, 0.0),
    border_width=1.0,
)

# Black screens, white text, yellow for what can be pressed; a pressed button
# inverts (yellow ground, black text) so the press is unmistakable.
_DARK_RED: RGBA = (0.5, 0.0, 0.0, 1.0)
HIGH_CONTRAST = Palette(
    name="high_contrast",
    background=BLACK,
    calm_background=(0.0, 0.2, 0.05, 1.0),
    text=WHITE,
    muted_text=WHITE,
    accent_text=YELLOW,
    error_text=YELLOW,
    button=BLACK,
    button_down=YELLOW,
    button_text=YELLOW,
    button_text_down=BLACK,
    quiet=BLACK,
    quiet_down=WHITE,
    quiet_text=WHITE,
    quiet_text_down=BLACK,
    urgent=_DARK_RED,
    urgent_down=YELLOW,
    urgent_text=WHITE,
    urgent_text_down=BLACK,
    toggle_off=BLACK,
    toggle_off_text=WHITE,
    toggle_on=YELLOW,
    toggle_on_text=BLACK,
    emergency=_DARK_RED,
    emergency_text=WHITE,
    speaker=BLACK,
    speaker_down=YELLOW,
    speaker_icon=YELLOW,
    speaker_icon_down=BLACK,
    # A reply stands out as a yellow card with black text (the same pair as a
    # pressed button), not as pale yellow under white text.
    reply=YELLOW,
    reply_text=BLACK,
    border=YELLOW,
    border_down=WHITE,
    border_width=3.0,
)

# (foreground, background) roles of every text the kiosk draws.
TEXT_PAIRS = (
    ("text", "background"),
    ("muted_text", "background"),
    ("accent_text", "background"),
    ("error_text", "background"),
    ("text", "calm_background"),
    ("accent_text", "calm_background"),
    ("button_text", "button"),
    ("button_text_down", "button_down"),
    ("quiet_text", "quiet"),
    ("quiet_text_down", "quiet_down"),
    ("urgent_text", "urgent"),
    ("urgent_text_down", "urgent_down"),
    ("toggle_off_text", "toggle_off"),
    ("toggle_on_text", "toggle_on"),
    ("emergency_text", "emergency"),
    ("speaker_icon", "speaker"),
    ("speaker_icon_down", "speaker_down"),
    ("reply_text", "reply"),
)


def _luminance(rgba: RGBA) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(a: RGBA, b: RGBA) -> float:
    """WCAG 2.2 contrast ratio of two opaque colours, 1.0 to 21.0."""
    light, dark = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def min_target_px(dpi: float, mm: float = 20.0) -> float:
    """The smallest touch target in pixels: `mm` on this screen, never below 44 px."""
    return max(44.0, mm / 25.4 * dpi)


assert {f.name for f in fields(Palette)} >= {n for pair in TEXT_PAIRS for n in pair}
