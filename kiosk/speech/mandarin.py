"""Mandarin as espeak-ng's `cmn-latn-pinyin` voice reads it best.

That voice reads each character with one reading, in Mandarin, with tone
sandhi (你好: ní hǎo), and reads pinyin with tone digits as Mandarin too. A
character with two readings gets one of them: the words of the kiosk's
catalogs it reads wrongly (compared, word by word, with a phrase-aware
reading) are given to it in pinyin instead. Anything else is left as it is.
"""

from __future__ import annotations

import re

__all__ = ["READINGS", "for_espeak"]

# Simplified and traditional spellings; each was misread (the wrong reading in
# the comment) by espeak-ng 1.51.
READINGS = {
    "原地": "yuan2 di4",  # de
    "当地": "dang1 di4",  # de
    "當地": "dang1 di4",
    "地址": "di4 zhi3",  # de
    "服务": "fu2 wu4",  # wu, toneless
    "服務": "fu2 wu4",
    "重新": "chong2 xin1",  # zhong
    "应用": "ying4 yong4",  # ying1
    "回应": "hui2 ying4",  # ying1
    "响应": "xiang3 ying4",  # ying1
    "了解": "liao3 jie3",  # le
    "处理": "chu3 li3",  # chu4
    "處理": "chu3 li3",
    "处于": "chu3 yu2",  # chu4
    "處於": "chu3 yu2",  # yu1
    "位於": "wei4 yu2",  # yu1
    "更新": "geng1 xin1",  # geng4
    "得到": "de2 dao4",  # de, toneless
    "尽快": "jin3 kuai4",  # jin4
    "盡快": "jin3 kuai4",
    "作为": "zuo4 wei2",  # wei4
    "作為": "zuo4 wei2",
}
_WORDS = re.compile("|".join(sorted(READINGS, key=len, reverse=True)))


def for_espeak(text: str) -> str:
    return _WORDS.sub(lambda m: f" {READINGS[m.group()]} ", text)
