"""The trained intent classifier: one linear softmax layer over word and character TF-IDF and
MiniLM sentence vectors, with a fitted temperature so its confidences are calibrated.

Artifacts (one Rasa resource directory): meta.json, vocab_word.json, vocab_char.json, weights.npz
(W, b, idf_word, idf_char), encoder.onnx, tokenizer.json.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bank_nlu.encoder import SentenceEncoder
from bank_nlu.features import TfidfTable

ARTIFACTS = ("meta.json", "vocab_word.json", "vocab_char.json", "weights.npz", "encoder.onnx", "tokenizer.json")


@dataclass
class IntentModel:
    labels: list[str]
    word: TfidfTable
    char: TfidfTable
    encoder: SentenceEncoder
    weights: np.ndarray  # (word + char + dense, labels): a feature's weights are one contiguous row
    bias: np.ndarray
    temperature: float
    feature_weights: dict[str, float]

    @classmethod
    def load(cls, read: Callable[[str], bytes]) -> IntentModel:
        """Load from any store: `read(name)` returns the bytes of one artifact."""
        meta = json.loads(read("meta.json"))
        arrays = np.load(io.BytesIO(read("weights.npz")))
        return cls(
            labels=meta["labels"],
            word=TfidfTable("word", json.loads(read("vocab_word.json")), arrays["idf_word"]),
            char=TfidfTable("char", json.loads(read("vocab_char.json")), arrays["idf_char"]),
            encoder=SentenceEncoder(
                read("encoder.onnx"), read("tokenizer.json").decode(), optimised=meta.get("encoder_optimised", False)
            ),
            weights=np.ascontiguousarray(arrays["W"].T),
            bias=arrays["b"],
            temperature=float(meta["temperature"]),
            feature_weights=meta["feature_weights"],
        )

    def logits(self, text: str) -> np.ndarray:
        offset_char = len(self.word.vocabulary)
        offset_dense = offset_char + len(self.char.vocabulary)
        columns_w, values_w = self.word.transform(text)
        columns_c, values_c = self.char.transform(text)
        dense = self.encoder.embed([text])[0]
        weights = self.feature_weights
        return (
            self.bias
            + (values_w * weights["word"]) @ self.weights[columns_w]
            + (values_c * weights["char"]) @ self.weights[offset_char + columns_c]
            + (dense * weights["dense"]) @ self.weights[offset_dense:]
        )

    def rank(self, text: str, size: int = 10) -> list[tuple[str, float]]:
        """The most likely intents with calibrated probabilities, best first."""
        scaled = self.logits(text) / self.temperature
        probabilities = np.exp(scaled - scaled.max())
        probabilities /= probabilities.sum()
        best = np.argsort(-probabilities)[:size]
        return [(self.labels[i], float(probabilities[i])) for i in best]
