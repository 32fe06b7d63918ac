"""The runtime's TF-IDF equals scikit-learn's, so serving computes what training fitted."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer

from bank_nlu.features import TfidfTable, char_ngrams, word_ngrams

CORPUS = ["i lost my card", "what's my balance", "freeze my card now", "pay my card bill", "blance pls", "Ünïcode café"]
texts = st.text(alphabet=st.sampled_from(list("abcdefgh ij'-é4 ")), max_size=40)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_runtime_tfidf_matches_scikit_learn(text):
    for name, analyzer in (("word", word_ngrams), ("char", char_ngrams)):
        fitted = TfidfVectorizer(analyzer=analyzer, sublinear_tf=True, dtype=np.float32).fit(CORPUS)
        expected = fitted.transform([text]).toarray()[0]
        table = TfidfTable(name, fitted.vocabulary_, fitted.idf_.astype(np.float32))
        columns, values = table.transform(text)
        actual = np.zeros_like(expected)
        actual[columns] = values
        np.testing.assert_allclose(actual, expected, atol=1e-6)
