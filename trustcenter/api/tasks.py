"""Background work of the API app, run by the task queue (django-tasks)."""

from django_tasks import task

from trustcenter.api.services import engagement_purge, webhook_attempt_deliver
from trustcenter.questionnaires.models import Questionnaire, QuestionnaireStatus
from trustcenter.questionnaires.services import library_index, questionnaire_process


@task()
def webhook_attempt_run(*, attempt_id: int) -> str:
    """Deliver one scheduled webhook attempt (the next one is enqueued after a failure)."""
    return webhook_attempt_deliver(attempt_id=attempt_id)


@task()
def questionnaire_answer_all(*, questionnaire_id: int) -> int:
    """Find suggestions for every question of an uploaded questionnaire; returns how many are left."""
    questionnaire = Questionnaire.objects.get(pk=questionnaire_id)
    index = library_index()
    left = 1
    while questionnaire.status == QuestionnaireStatus.PROCESSING and left:
        left = questionnaire_process(questionnaire=questionnaire, index=index)
    return left


@task()
def engagement_purge_task() -> int:
    return engagement_purge()
