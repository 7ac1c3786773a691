"""The labelled benchmark set as an accuracy floor (timing lives in bench/, not here)."""

from pathlib import Path

import pytest
import yaml

from trustcenter.questionnaires.models import Answer
from trustcenter.questionnaires.services import library_index

QUESTIONS = Path(__file__).resolve().parent.parent / "bench" / "questionnaire" / "questions.yaml"


@pytest.mark.django_db
def test_the_labelled_set_meets_the_accuracy_targets(answer_library):
    questions = yaml.safe_load(QUESTIONS.read_text())["questions"]
    labelled = [q for q in questions if q["expect"] != "expert"]
    out_of_scope = [q for q in questions if q["expect"] == "expert"]
    assert len(labelled) >= 150
    keys = dict(Answer.objects.values_list("pk", "seed_key"))
    index = library_index()

    ranked_all = dict(zip([q["q"] for q in questions], index.rank_many([q["q"] for q in questions]), strict=True))

    def labels(question):
        ranked = ranked_all[question]
        return [
            keys[s.document.answer_pk] if s.document.answer_pk else s.document.key.removeprefix("section:")
            for s in ranked.suggestions
        ]

    top1 = top3 = 0
    for item in labelled:
        got = labels(item["q"])
        top1 += bool(got) and got[0] in item["expect"]
        top3 += bool(set(got[:3]) & set(item["expect"]))
    # Measured 2026-12-02 with sentence vectors; floors a little below.
    assert top3 / len(labelled) >= 0.95
    assert top1 / len(labelled) >= 0.88
    flagged = sum(ranked_all[item["q"]].needs_expert for item in out_of_scope)
    assert flagged / len(out_of_scope) >= 0.75


def _test_split_figures(sources) -> dict:
    """On the test splits of `sources` (nothing was tuned on them): the share of unanswerable
    questions left to an expert, the share of what is answered that is right, top-1 right and
    answered right over the answerable ones."""
    import importlib.util

    # Loaded under its own name: "run" alone could be another benchmark's module.
    spec = importlib.util.spec_from_file_location("questionnaire_bench_run", QUESTIONS.parent / "run.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    dataset, Judge, as_question = bench.dataset, bench.Judge, bench.as_question

    from trustcenter.questionnaires.services import library_documents

    index = library_index()
    judge = Judge(library_documents(), dict(Answer.objects.values_list("pk", "seed_key")))
    items = [i for i in dataset.load() if i.split == "test" and i.source in sources]
    assert len(items) >= 100, len(items)
    unanswerable = [i for i in items if not i.answerable]
    answerable = [i for i in items if i.answerable]
    answered = right = top1 = 0
    expert = 0
    for item, ranked in zip(items, index.rank_many([as_question(i) for i in items]), strict=True):
        if not item.answerable:
            expert += ranked.needs_expert
            continue
        first_right = bool(ranked.suggestions) and judge.right(ranked.suggestions[0].document, item.expect)
        top1 += first_right
        if not ranked.needs_expert:
            answered += 1
            right += first_right
    wrongly_answered = len(unanswerable) - expert
    return {
        "expert": expert / len(unanswerable),
        "precision": right / (answered + wrongly_answered),
        "top1": top1 / len(answerable),
        "answered_right": right / len(answerable),
    }


@pytest.mark.django_db
def test_on_the_public_catalogues_test_splits_it_abstains_honestly(answer_library):
    """Floors on the splits nothing was tuned on (figures in bench/questionnaire/README.md):
    questions no policy answers go to an expert, and what is answered is mostly right."""
    figures = _test_split_figures({"nist-800-171", "nist-csf-2", "owasp-asvs", "blind-vendor"})
    # Measured 2026-12-02, night (bench/questionnaire/README.md; the catalogues' and the
    # blind vendor sheet's test splits): 92% to an expert, 94% of what is answered right,
    # 76% top-1, 60% answered right; floors a little below.
    assert figures["expert"] >= 0.9
    assert figures["precision"] >= 0.88
    assert figures["top1"] >= 0.72
    assert figures["answered_right"] >= 0.55


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("source", "floors"),
    [
        # The web-application sheet written blind (a third of it no policy answers: product
        # internals, cookies, session details); measured on 2026-12-03: 74% to an expert,
        # 78% of what is answered right, 78% top-1, 71% answered right.
        ("blind-webapp", {"expert": 0.7, "precision": 0.74, "top1": 0.74, "answered_right": 0.66}),
        # The bank's third-party-risk sheet written blind, first run on 2026-12-03 with no
        # change made after it arrived: 86% to an expert, 93% precision, 93% top-1, 77%
        # answered right.
        ("blind-bank", {"expert": 0.8, "precision": 0.88, "top1": 0.88, "answered_right": 0.72}),
        # The vendor sheet written blind (it lists options inline: "AWS, Azure, GCP, other");
        # measured on 2026-12-05: 90% to an expert, 95% precision, 89% top-1, 76% answered
        # right.
        ("blind-vendor", {"expert": 0.8, "precision": 0.88, "top1": 0.82, "answered_right": 0.7}),
    ],
)
def test_on_each_blind_sheet_it_abstains_and_answers(answer_library, source, floors):
    figures = _test_split_figures({source})
    assert all(figures[name] >= floor for name, floor in floors.items()), figures
