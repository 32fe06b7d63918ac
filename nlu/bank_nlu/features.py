"""Sparse text features shared by training (through scikit-learn) and serving (numpy only).

The analyzers below are handed to scikit-learn's TfidfVectorizer at training time, and the runtime
applies the same analyzers with the stored vocabulary and idf, so both compute identical vectors.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping

import numpy as np

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def words(text: str) -> list[str]:
    return _WORD.findall(normalise(text))


def word_ngrams(text: str) -> list[str]:
    """Unigrams and bigrams of words."""
    tokens = words(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def char_ngrams(text: str, low: int = 2, high: int = 5) -> list[str]:
    """Character n-grams inside word boundaries (scikit-learn's char_wb), robust to typos."""
    grams = []
    for token in words(text):
        padded = f" {token} "
        for n in range(low, high + 1):
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


ANALYZERS: dict[str, Callable[[str], list[str]]] = {"word": word_ngrams, "char": char_ngrams}


class TfidfTable:
    """A fitted TF-IDF transform (sublinear tf, l2 norm) as scikit-learn computes it."""

    def __init__(self, analyzer: str, vocabulary: Mapping[str, int], idf: np.ndarray) -> None:
        self.analyzer = ANALYZERS[analyzer]
        self.vocabulary = vocabulary
        self.idf = idf

    def transform(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Return (column indices, values) of the one-row sparse vector."""
        counts = Counter(g for g in self.analyzer(text) if g in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        columns = np.fromiter((self.vocabulary[g] for g in counts), dtype=np.int64, count=len(counts))
        tf = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float32, count=len(counts))
        values = tf * self.idf[columns]
        return columns, values / np.float32(np.linalg.norm(values))
