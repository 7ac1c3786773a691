"""Background jobs of the questionnaire assistant: reading an upload, and answering it."""

from django_tasks import task

from trustcenter.questionnaires import services


@task()
def questionnaire_read_job(questionnaire_id: int, answer: bool = False) -> str:
    questionnaire = services.questionnaire_read(questionnaire_id=questionnaire_id, answer=answer)
    return questionnaire.status if questionnaire else "nothing to read"


@task()
def questionnaire_answer_job(questionnaire_id: int) -> int:
    return services.questionnaire_answer(questionnaire_id=questionnaire_id)
