"""Offline sentiment for customer chat messages (English and Chinese) and the frustration rule built on it.

A hand-curated lexicon in the spirit of VADER: no model to download or load, a few microseconds per
message, and every decision explainable from the tables below. English is matched word by word (and as
short phrases such as "waste of time"); Chinese and emoji have no spaces, so they are matched as
substrings, longest first, with negators and intensifiers looked for immediately before the match.
Valences run from about -4 to +4 and the sum is squashed into [-1, 1] as VADER does.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from core.models import Frozen

if TYPE_CHECKING:
    from collections.abc import Sequence

TRAJECTORY_LENGTH = 10  # how many recent customer scores the dialogue state keeps

SentimentLabel = Literal["negative", "neutral", "positive"]

# fmt: off
_ENGLISH: dict[str, float] = {
    # complaints and anger
    "angry": -2.7, "furious": -3.2, "fuming": -3.0, "livid": -3.2, "ridiculous": -2.5, "useless": -2.8,
    "disgusting": -3.0, "disgrace": -3.0, "disgraceful": -3.0, "unacceptable": -3.0, "worst": -3.1,
    "joke": -1.8, "scam": -2.8, "scammed": -2.8, "complaint": -2.0, "complain": -2.0, "lawyer": -2.0,
    "solicitor": -2.0, "ombudsman": -2.5, "incompetent": -2.8, "pathetic": -2.8, "shocking": -2.5,
    "terrible": -2.8, "awful": -2.8, "horrible": -2.8, "appalling": -3.0, "rubbish": -2.3, "crap": -2.5,
    "shit": -2.6, "wtf": -2.5, "ffs": -2.5, "annoying": -2.0, "annoyed": -2.0, "frustrated": -2.3,
    "frustrating": -2.3, "disappointed": -2.2, "disappointing": -2.2, "upset": -2.0, "hate": -2.7,
    "stupid": -2.4, "idiots": -2.8, "clowns": -2.3, "nonsense": -2.0, "outrageous": -2.8, "rude": -2.2,
    "ignored": -2.0, "ignoring": -2.0, "bad": -2.5, "poor": -1.8, "unbelievable": -1.8, "sucks": -2.5,
    "broken": -1.2, "wrong": -0.8, "ages": -1.0, "smh": -1.5, "jokers": -2.5,
    "waste of time": -2.5, "wasting my time": -2.7, "fed up": -2.5, "sick of": -2.5, "sick and tired": -2.8,
    "rip off": -2.6, "ripoff": -2.6, "close my account": -2.2, "closing my account": -2.2,
    "third time": -2.0, "3rd time": -2.0, "still waiting": -2.0, "nobody helps": -2.2, "no one helps": -2.2,
    "nobody cares": -2.5, "no one cares": -2.5, "no help": -1.8, "not working": -1.0, "isnt working": -1.0,
    "doesnt work": -1.0, "for ages": -1.5, "had enough": -2.3, "switch banks": -1.8,
    # thanks and praise
    "thanks": 1.8, "thank": 1.8, "thx": 1.8, "thnx": 1.8, "thanx": 1.8, "thnks": 1.8, "ta": 1.2, "ty": 1.5,
    "cheers": 1.5, "great": 2.5, "perfect": 2.7, "brilliant": 2.8, "helpful": 2.0, "helped": 1.5, "sorted": 1.8,
    "appreciate": 2.0, "appreciated": 2.0, "lovely": 2.5, "excellent": 3.0, "amazing": 2.8, "awesome": 2.8,
    "fantastic": 3.0, "good": 1.9, "nice": 1.8, "happy": 2.2, "pleased": 2.0, "glad": 2.0, "wonderful": 2.7,
    "superb": 3.0, "legend": 2.0, "star": 1.5, "resolved": 1.5, "love": 2.5, "gr8": 2.5, "ace": 1.5, "fab": 2.3,
    "well done": 2.0,
    "no problem": 1.5, "no worries": 1.5, "no thanks": 0.0,
}

# Matched as substrings: Chinese (Simplified and Traditional forms where they differ), emoji, emoticons.
_SUBSTRINGS: dict[str, float] = {
    "生气": -2.7, "生氣": -2.7, "愤怒": -3.2, "憤怒": -3.2, "垃圾": -2.8, "太差": -2.8, "很差": -2.5, "好差": -2.5,
    "真差": -2.5, "超差": -2.8, "差劲": -2.8, "差勁": -2.8, "投诉": -2.0, "投訴": -2.0, "骗子": -3.0, "騙子": -3.0,
    "诈骗": -2.8, "詐騙": -2.8, "无语": -2.0, "無語": -2.0, "失望": -2.2, "不满": -2.2, "不滿": -2.2, "不满意": -2.4,
    "不滿意": -2.4, "糟糕": -2.5, "烦": -2.0, "煩": -2.0, "气死": -3.0, "氣死": -3.0, "受不了": -2.5,
    "离谱": -2.5, "離譜": -2.5, "没用": -2.5, "沒用": -2.5, "废物": -3.0, "廢物": -3.0, "讨厌": -2.5,
    "討厭": -2.5, "恶心": -2.8, "噁心": -2.8, "浪费时间": -2.5, "浪費時間": -2.5, "没人管": -2.2,
    "沒人管": -2.2, "太慢": -1.8, "不太好": -1.5, "销户": -2.2, "銷戶": -2.2, "律师": -2.0, "律師": -2.0,
    "谢谢": 1.8, "謝謝": 1.8, "感谢": 2.0, "感謝": 2.0, "多谢": 1.8, "多謝": 1.8, "很好": 2.0,
    "满意": 2.2, "滿意": 2.2, "太棒了": 3.0, "棒": 2.5, "太好了": 2.8, "完美": 2.7, "开心": 2.2,
    "開心": 2.2, "高兴": 2.2, "高興": 2.2, "不错": 1.8, "不錯": 1.8, "给力": 2.2, "給力": 2.2,
    "解决了": 1.5, "解決了": 1.5, "辛苦了": 1.5, "麻烦": 0.0, "麻煩": 0.0,  # 麻烦你 = "would you mind"
    "😡": -3.0, "🤬": -3.5, "😠": -2.5, "😤": -2.0, "🙁": -1.5, "☹": -1.5, "😞": -2.0, "😢": -2.0,
    "😭": -2.5, "👎": -2.0, "🙄": -1.5, "😊": 2.0, "🙂": 1.5, "😀": 2.0, "😃": 2.0, "😄": 2.0, "😁": 2.0,
    "👍": 2.0, "❤": 2.5, "🙏": 1.5, "😍": 3.0, "🥰": 3.0, ":)": 1.5, ":-)": 1.5, ":(": -1.5, ":-(": -1.5,
}

_NEGATORS = frozenset({
    "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "cannot", "without", "isnt", "dont",
    "cant", "wont", "didnt", "doesnt", "wasnt", "werent", "arent", "havent", "hasnt", "hadnt", "couldnt",
    "shouldnt", "wouldnt", "aint", "dnt", "cnt",
})
_BOOST = 0.293  # VADER's step for "very", "so" ...
_INTENSIFIERS = (
    "very", "so", "really", "extremely", "absolutely", "totally", "completely", "utterly", "super", "bloody",
    "fucking", "too", "most", "such", "still",  # "still" because in a contact centre it means "again, unfixed"
)
_BOOSTERS = dict.fromkeys(_INTENSIFIERS, _BOOST) | dict.fromkeys(("slightly", "somewhat", "kinda", "bit"), -_BOOST)
_CJK_NEGATORS = ("不", "没", "沒", "没有", "沒有", "别", "別", "未")
_CJK_BOOSTERS = ("非常", "特别", "特別", "十分", "实在", "實在", "真的", "太", "很", "真", "超", "极", "極", "好")
# fmt: on

_SUBSTRINGS_LONGEST_FIRST = sorted(_SUBSTRINGS.items(), key=lambda item: -len(item[0]))
_LONGEST_PHRASE = max(len(phrase.split()) for phrase in _ENGLISH)
_WORD = re.compile(r"[A-Za-z0-9]+(?:['’][A-Za-z]+)?")
_CLAUSE_BREAK = re.compile(r"[.,;!?\n，。！？；：、]+")  # not ":" which starts ":)"
# VADER's "but" rule: the clause after a contrast carries the customer's real point.
_CONTRAST = re.compile(r"\b(?:but|however)\b|但是|可是|不过|不過|然而", re.IGNORECASE)

_NEGATION_SCALAR = -0.74  # from VADER: "not good" is less negative than "bad" is
_CAPS_BOOST = 0.733
_EXCLAMATION_BOOST = 0.292
_SQUASH_ALPHA = 15.0  # VADER's normalisation constant: score = s / sqrt(s² + alpha)
_NEUTRAL_BAND = 0.2


class MessageSentiment(Frozen):
    score: float = Field(ge=-1.0, le=1.0)  # -1 very negative, 0 neutral, +1 very positive
    label: SentimentLabel


def score_message(text: str) -> MessageSentiment:
    parts = _CONTRAST.split(text)
    weights = [1.0] if len(parts) == 1 else [0.5] * (len(parts) - 1) + [1.5]
    total = sum(weight * _part_valence(part) for part, weight in zip(parts, weights, strict=True))
    total += _exclamation_emphasis(text, total)
    score = _squash(total)
    return MessageSentiment(score=score, label=_label(score))


def _part_valence(part: str) -> float:
    clauses = _CLAUSE_BREAK.split(part)
    return sum(_english_valence(clause) + _substring_valence(clause) for clause in clauses)


def _english_valence(clause: str) -> float:
    surfaces = _WORD.findall(clause)
    keys = [surface.lower().replace("'", "").replace("’", "") for surface in surfaces]
    total, index, scope_start = 0.0, 0, 0
    while index < len(keys):
        length, valence = _longest_phrase_at(keys, index)
        if length:
            # A matched phrase ends the reach of words before it: "no problem, thanks" is not "no ... thanks".
            preceding = keys[max(scope_start, index - 3) : index]
            total += _modified(valence, preceding, surfaces[index : index + length])
            scope_start = index + length
        index += max(length, 1)
    return total


def _longest_phrase_at(keys: list[str], index: int) -> tuple[int, float]:
    for length in range(min(_LONGEST_PHRASE, len(keys) - index), 0, -1):
        valence = _ENGLISH.get(" ".join(keys[index : index + length]))
        if valence is not None:
            return length, valence
    return 0, 0.0


def _modified(valence: float, preceding: list[str], surfaces: list[str]) -> float:
    """Apply intensifiers, SHOUTING and negation (within three words before) to one lexicon hit."""
    if valence == 0:
        return 0.0
    emphasis = sum(_BOOSTERS.get(word, 0.0) for word in preceding[-2:])
    if any(surface.isupper() and len(surface) > 1 for surface in surfaces):
        emphasis += _CAPS_BOOST
    valence = math.copysign(abs(valence) + emphasis, valence)
    return valence * _NEGATION_SCALAR if any(word in _NEGATORS for word in preceding) else valence


def _substring_valence(clause: str) -> float:
    taken = [False] * len(clause)
    total = 0.0
    for entry, valence in _SUBSTRINGS_LONGEST_FIRST:
        start = clause.find(entry)
        while start != -1:
            end = start + len(entry)
            if not any(taken[start:end]):
                taken[start:end] = [True] * len(entry)
                total += _cjk_modified(valence, clause[max(0, start - 4) : start])
            start = clause.find(entry, end)
    return total


def _cjk_modified(valence: float, before: str) -> float:
    """Intensifiers sit right before the entry, a negator before them: 非常满意, 不开心, 不是很满意."""
    boosted = False
    while stripped := next((b for b in _CJK_BOOSTERS if before.endswith(b)), None):
        before, boosted = before.removesuffix(stripped), True
    if boosted:
        valence = math.copysign(abs(valence) + _BOOST, valence)
    negated = before.removesuffix("是").endswith(_CJK_NEGATORS)
    return valence * _NEGATION_SCALAR if negated else valence


def _exclamation_emphasis(text: str, total: float) -> float:
    if total == 0:
        return 0.0
    marks = min(text.count("!") + text.count("！"), 4)
    return math.copysign(marks * _EXCLAMATION_BOOST, total)


def _squash(total: float) -> float:
    return max(-1.0, min(1.0, round(total / math.sqrt(total * total + _SQUASH_ALPHA), 4)))


def _label(score: float) -> SentimentLabel:
    if score <= -_NEUTRAL_BAND:
        return "negative"
    if score >= _NEUTRAL_BAND:
        return "positive"
    return "neutral"


class FrustrationPolicy(BaseModel):
    """Thresholds for `frustration_rising`; configuration, not code."""

    model_config = ConfigDict(frozen=True)

    window: int = Field(default=4, ge=2)  # how many recent customer turns the trend is read over
    negative_threshold: float = Field(default=-0.3, ge=-1.0, le=0.0)  # a turn at or below this counts as negative
    min_negative_turns: int = Field(default=2, ge=1)
    trend_drop: float = Field(default=0.6, gt=0.0)  # how far the fitted line must fall across the window
    sustained_turns: int = Field(default=3, ge=2)
    escalate_at: float = Field(default=-0.6, ge=-1.0, le=0.0)  # mean of the last `sustained_turns` at or below


DEFAULT_FRUSTRATION_POLICY = FrustrationPolicy()


def frustration_rising(scores: Sequence[float], policy: FrustrationPolicy = DEFAULT_FRUSTRATION_POLICY) -> bool:
    """Whether the customer's recent turns (oldest first) show frustration worth a human, not one angry word.

    True when either
    - worsening: among the last `window` scores at least `min_negative_turns` are at or below
      `negative_threshold`, the latest is one of them, and the least-squares line through the window
      falls by at least `trend_drop` from its first turn to its last; or
    - sustained: there are at least `sustained_turns` scores and their mean is at or below `escalate_at`.
    So one mildly negative message never escalates, nor does one furious message after calm ones.
    """
    recent = list(scores[-policy.window :])
    negatives = sum(score <= policy.negative_threshold for score in recent)
    worsening = (
        negatives >= policy.min_negative_turns
        and recent[-1] <= policy.negative_threshold
        and _fitted_change(recent) <= -policy.trend_drop
    )
    sustained = scores[-policy.sustained_turns :]
    return worsening or (
        len(sustained) >= policy.sustained_turns and sum(sustained) / len(sustained) <= policy.escalate_at
    )


def _fitted_change(values: list[float]) -> float:
    """Change from first to last turn along the least-squares line: steadier than last minus first."""
    count = len(values)
    if count < 2:
        return 0.0
    mean_x, mean_y = (count - 1) / 2, sum(values) / count
    covariance = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(values))
    variance = sum((x - mean_x) ** 2 for x in range(count))
    return covariance / variance * (count - 1)
