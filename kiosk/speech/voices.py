"""Which engine and voice reads each offered language aloud, and how well.

One frozen table for all 40 locales. A language is spoken only where an
offline engine reads its script correctly, in its own language (checked for
every catalog string by tests/test_speech_engines.py); otherwise it is None,
unspoken, and the kiosk says so on screen instead of reading it wrongly.

Quality, as a traveller would hear it (docs/accessibility.md):
- "good":  a natural-sounding voice with correct readings (Open JTalk's HTS voice).
- "fair":  robotic formant speech, but every word pronounced in the language
           (espeak-ng's European, Indic, Arabic-script, Korean ... voices).
- "basic": intelligible, with known reading slips (Mandarin: characters with two
           readings are read one way, e.g. 银行 as "yin xing", not "yin hang").
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

__all__ = ["ESPEAK", "OPEN_JTALK", "QUALITIES", "UNSPOKEN_WHY", "VOICES", "SpeechVoice", "voice"]

ESPEAK = "espeak-ng"
OPEN_JTALK = "open-jtalk"
QUALITIES = ("good", "fair", "basic")


@dataclass(frozen=True)
class SpeechVoice:
    engine: str  # ESPEAK or OPEN_JTALK
    voice: str  # the engine's voice name (also in the names of test wav files)
    quality: str  # one of QUALITIES


def _espeak(voice: str, quality: str = "fair") -> SpeechVoice:
    return SpeechVoice(ESPEAK, voice, quality)


# Mandarin: espeak-ng's `cmn` voice turns characters into numbered pinyin and
# then reads the tone digits as English ("ni three hao three"); its
# `cmn-latn-pinyin` variant reads the same characters as Mandarin syllables with
# their tones (traditional characters too), one reading per character.
_MANDARIN = _espeak("cmn-latn-pinyin", "basic")

_SPOKEN = {
    "am": _espeak("am"),
    "ar": _espeak("ar"),
    "bg": _espeak("bg"),
    "bn": _espeak("bn"),
    "cs": _espeak("cs"),
    "da": _espeak("da"),
    "de": _espeak("de"),
    "el": _espeak("el"),
    "en": _espeak("en-gb"),
    "es": _espeak("es"),
    "et": _espeak("et"),
    "fa": _espeak("fa"),
    "fi": _espeak("fi"),
    "fr": _espeak("fr"),
    "ga": _espeak("ga"),
    # Hebrew is read from its vocalised twin (locales/he/LC_MESSAGES/speech.po):
    # without vowel points espeak-ng guesses the vowels and is barely understood.
    "he": _espeak("he"),
    "hi": _espeak("hi"),
    "hr": _espeak("hr"),
    "hu": _espeak("hu"),
    "it": _espeak("it"),
    # espeak-ng reads every kanji as the English words "Chinese letter".
    "ja": SpeechVoice(OPEN_JTALK, "nitech-jp-atr503-m001", "good"),
    "ko": _espeak("ko"),
    "lt": _espeak("lt"),
    "lv": _espeak("lv"),
    "mt": _espeak("mt"),
    "nl": _espeak("nl"),
    "pl": _espeak("pl"),
    "pt": _espeak("pt"),
    "ro": _espeak("ro"),
    "ru": _espeak("ru"),
    "sk": _espeak("sk"),
    "sl": _espeak("sl"),
    "sv": _espeak("sv"),
    "ta": _espeak("ta"),
    "tr": _espeak("tr"),
    "uk": _espeak("uk"),
    "ur": _espeak("ur"),
    "zh_Hans": _MANDARIN,
    "zh_Hant": _MANDARIN,
}

# Languages no offline engine available here reads correctly: the kiosk shows
# that spoken instructions are not available rather than read them wrongly.
UNSPOKEN_WHY = MappingProxyType(
    {
        "th": "espeak-ng 1.51 reads Thai's leading vowels in written order "
        "(ไป as 'ai-p', not 'pai'): not intelligible; no other offline Thai engine "
        "in Debian 12",
    }
)

VOICES: MappingProxyType[str, SpeechVoice | None] = MappingProxyType(
    {**_SPOKEN, **dict.fromkeys(UNSPOKEN_WHY)}
)


def voice(locale: str) -> SpeechVoice | None:
    """The voice for `locale`, or None where it is not spoken (or not offered)."""
    return VOICES.get(locale)
