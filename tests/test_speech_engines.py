"""Every spoken language is read by its engine in that language (EN 301 549
5.1.3.14): each catalog string, as the kiosk would give it to the engine, goes
through the real engine's trace (no audio), and nothing switches language or
goes unread. No Kivy: the engines, the voice table and the Hebrew twins only."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from kiosk.i18n import DEFAULT_LOCALE, SUPPORTED_LOCALES
from kiosk.resources import LOCALES_DIR
from kiosk.speech.engines import OpenJTalk, engine_for
from kiosk.speech.spoken_text import speech_text, twins
from kiosk.speech.voices import ESPEAK, OPEN_JTALK, QUALITIES, VOICES, SpeechVoice
from kiosk.traveller.speech import Speaker

SPOKEN = {code: v for code, v in VOICES.items() if v is not None}
# Placeholder values as the kiosk fills them. Names and codes (a station, a
# device, a fingerprint) are digits here: they are read in whatever voice, and
# what is checked is the catalog's own words.
VALUES = {
    "number": "112",
    "seconds": "20",
    "duration": "10",
    "place": "3",
    "device": "7",
    "who": "5",
    "fingerprint": "4711",
    "reason": "404",
    "url": "10",
    "version": "12",
    "language": "1",
    "reply": "2",
}
# Words that rightly stay English in another language's text: espeak-ng reads
# them with its English rules (its trace shows "(en)"), as a speaker of that
# language would. Removed before the check; nothing else may switch.
LOANWORDS = {
    "PIN": "the maintenance code's name on keypads everywhere",
    "OK": "the button word, said the English way in most languages",
    "Terminal": "German says (das) Terminal the English way (Duden); espeak-ng agrees",
    "Terminals": "the same, in the genitive and plural",
    "Server": "German says Server the English way (Duden); espeak-ng agrees",
    "offline": "German, Danish and Dutch say it the English way",
}
_SWITCH = re.compile(r"\((?!{})[a-z]{{2,3}}(?:-[a-z]+)?\)")
_FIELD = re.compile(r"\{(\w+)\}")


def _strings(code: str) -> dict[str, str]:
    """msgid -> the text to read, placeholders filled (English: the msgids)."""
    path = LOCALES_DIR / code / "LC_MESSAGES" / "kiosk.po"
    if code == DEFAULT_LOCALE:
        path = LOCALES_DIR / "kiosk.pot"
    with path.open("rb") as f:
        catalog = read_po(f)
    found = {}
    for message in catalog:
        msgid = message.id if isinstance(message.id, str) else message.id[0]
        text = message.string if isinstance(message.string, str) else message.string[0]
        text = msgid if code == DEFAULT_LOCALE else text
        if msgid and text:
            found[msgid] = _FIELD.sub(lambda m: VALUES.get(m.group(1), "9"), text)
    return found


def _for_engine(code: str, voice: SpeechVoice, text: str) -> str:
    """What the Speaker gives the engine for `text` shown on screen."""
    spoken = engine_for(voice).prepare(speech_text(code, text), voice.voice)
    for word in LOANWORDS:
        spoken = re.sub(rf"(?<![A-Za-z]){word}(?![A-Za-z])", " ", spoken)
    return spoken


def _espeak_trace(voice: str, texts: list[str]) -> str:
    """One process for many texts: a paragraph each."""
    return subprocess.run(
        ["espeak-ng", "-v", voice, "-q", "-x", "--stdin"],
        input="\n\n".join(texts) + "\n",
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    ).stdout


def _switches(voice: str, trace: str) -> list[str]:
    own = voice.split("-")[0]
    return [s for s in re.findall(r"\(([a-z]{2,3}(?:-[a-z]+)?)\)", trace) if s != own]


needs_espeak = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="needs espeak-ng")


def test_the_table_covers_every_language_and_most_are_spoken() -> None:
    assert set(VOICES) == set(SUPPORTED_LOCALES)
    assert len(SPOKEN) >= 38, sorted(set(VOICES) - set(SPOKEN))
    assert all(v.quality in QUALITIES for v in SPOKEN.values())
    assert {v.engine for v in SPOKEN.values()} == {ESPEAK, OPEN_JTALK}


@needs_espeak
@pytest.mark.parametrize("code", sorted(c for c, v in SPOKEN.items() if v.engine == ESPEAK))
def test_espeak_reads_every_string_in_its_own_language(code: str) -> None:
    voice = SPOKEN[code]
    strings = _strings(code)
    texts = [_for_engine(code, voice, text) for text in strings.values()]
    if not _switches(voice.voice, _espeak_trace(voice.voice, texts)):
        return
    # Something switched: find which strings, one process each, to name them.
    offending = {
        msgid: sw
        for msgid, text in zip(strings, texts, strict=True)
        if (sw := _switches(voice.voice, _espeak_trace(voice.voice, [text])))
    }
    pytest.fail(f"{code}: espeak-ng -v {voice.voice} switches language in {offending}")


def _jtalk_unread(text: str, tmp_path: Path) -> list[str]:
    """Tokens Open JTalk has no reading for: its analysis gives them the reading
    "、" (a pause), like punctuation. Returns their surfaces."""
    jtalk = OpenJTalk()
    voice = SPOKEN["ja"]
    trace = tmp_path / "trace.txt"
    args = jtalk.commands(voice.voice, 120, tmp_path / "out.wav")[0] + ["-ot", str(trace)]
    args += ["-r", "8"]  # the trace is the same; eight times less audio to make
    subprocess.run(args, input=text.encode(), check=True, timeout=120, capture_output=True)
    lines = trace.read_text().split("[Text analysis result]")[1].split("[Output label]")[0]
    unread = []
    for line in lines.strip().splitlines():
        fields = line.split(",")
        surface, reading = fields[0], fields[9] if len(fields) > 9 else "、"
        wordlike = any(unicodedata.category(c)[0] in "LN" for c in surface)
        if wordlike and reading in ("、", "*"):
            unread.append(surface)
    return unread


@pytest.mark.skipif(
    SPOKEN.get("ja") is None or not OpenJTalk().installed(SPOKEN["ja"].voice, to_file=True),
    reason="needs open_jtalk, its dictionary and voice",
)
def test_open_jtalk_reads_every_japanese_string(tmp_path: Path) -> None:
    voice = SPOKEN["ja"]
    strings = _strings("ja")
    # One line, one process: Open JTalk reads the first line only.
    text = _for_engine("ja", voice, "\n".join(strings.values()))
    unread = _jtalk_unread(text, tmp_path)
    offending = {m: t for m, t in strings.items() if any(u in t for u in unread)}
    assert not unread, f"Open JTalk has no reading for {unread} in {offending}"


def _bare(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def test_every_hebrew_string_has_a_vocalised_twin_with_the_same_letters() -> None:
    with (LOCALES_DIR / "he" / "LC_MESSAGES" / "kiosk.po").open("rb") as f:
        shown = {m.id: m.string for m in read_po(f, locale="he") if m.id and m.string}
    spoken = twins("he")
    missing = [msgid for msgid, text in shown.items() if text not in spoken]
    assert missing == [], "no vocalised twin in locales/he/LC_MESSAGES/speech.po"
    for text in shown.values():
        said = spoken[text]
        assert _bare(said) == unicodedata.normalize("NFD", text), said
        assert sorted(_FIELD.findall(said)) == sorted(_FIELD.findall(text)), said
        assert said != text or not any("\u05d0" <= c <= "\u05ea" for c in text), text


def test_the_speaker_reads_the_vocalised_twin_of_each_hebrew_line() -> None:
    shown = "\n".join(["איש צוות השיב:", "חירום: חייגו 112", "ניגודיות גבוהה (פעיל)", "12:30"])
    said = speech_text("he", shown).split("\n")
    assert said[0] == "אִישׁ צֶווֶת הֵשִׁיב:"
    assert said[1].endswith(" 112")
    assert said[1] != "חירום: חייגו 112"
    assert said[2].endswith("(פָּעִיל)")
    assert said[2].startswith("נִיגּוּדִיּוּת")
    assert said[3] == "12:30"  # nothing to vocalise: read as shown
    assert speech_text("de", "Hilfe") == "Hilfe"


def test_an_unspoken_language_or_a_missing_engine_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    unspoken = [code for code, v in VOICES.items() if v is None]
    speaker = Speaker()
    for code in unspoken:
        assert not speaker.speaks(code)
        assert speaker.say("text", code) is False
    assert speaker._processes == []
    monkeypatch.setenv("PATH", str(tmp_path))  # no engine at all
    import kiosk.speech.engines as engines

    engines._espeak_voices.cache_clear()
    try:
        assert Speaker().say("Hello", "en") is False
        assert Speaker().say("こんにちは", "ja") is False
        assert not Speaker().available
    finally:
        engines._espeak_voices.cache_clear()


@needs_espeak
def test_mandarin_words_with_a_second_reading_are_read_the_right_way() -> None:
    """重新 is chóng xīn, not zhòng xīn: the engine gets such words in pinyin."""
    voice = SPOKEN["zh_Hans"]
    trace = _espeak_trace(voice.voice, [_for_engine("zh_Hans", voice, "重新连接")])
    assert "ts.h'ong35" in trace  # chong2
    assert "ts.'ong51" not in _espeak_trace(voice.voice, [_for_engine("zh_Hant", voice, "重新")])
