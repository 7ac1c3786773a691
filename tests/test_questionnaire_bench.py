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

    def labels(question):
        ranked = index.rank(question)
        return [
            keys[s.document.answer_pk] if s.document.answer_pk else s.document.key.removeprefix("section:")
            for s in ranked.suggestions
        ]

    top1 = top3 = 0
    for item in labelled:
        got = labels(item["q"])
        top1 += bool(got) and got[0] in item["expect"]
        top3 += bool(set(got[:3]) & set(item["expect"]))
    assert top3 / len(labelled) >= 0.90
    assert top1 / len(labelled) >= 0.75
    flagged = sum(index.rank(item["q"]).needs_expert for item in out_of_scope)
    assert flagged / len(out_of_scope) >= 0.75
