"""Limits on questionnaire files hold: checked while reading, before anything is built in
memory, and a file over one ends with a message a person can act on.

The decompression bomb is the outside test's file: a 700 KB workbook that unpacks to 195 MB
(12,000 rows x 200 cells)."""

import pytest
from django.test import TestCase

from tests.questionnaire_files import unpacked_size, wide_workbook
from tests.test_questionnaire_import import upload
from trustcenter.questionnaires.importing import ImportError_, Limits, read_questionnaire
from trustcenter.questionnaires.models import Questionnaire, QuestionnaireStatus

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = wide_workbook(12_000, 200)
    assert len(data) < 800_000 and unpacked_size(data) > 190 * 1_048_576
    return data


def limits(**changes) -> Limits:
    return Limits(**{**Limits.from_settings().__dict__, **changes})


def test_the_decompression_bomb_is_refused_from_the_zip_directory_with_its_size(bomb):
    with pytest.raises(ImportError_) as refused:
        read_questionnaire(bomb, "assessment.xlsx")
    assert str(refused.value).startswith("The workbook unpacks to 195 MB; the limit is 50 MB.")


def test_a_sheet_over_the_cell_limit_is_refused_from_its_size_record_before_its_rows_are_read(bomb):
    with pytest.raises(ImportError_) as refused:
        read_questionnaire(bomb, "assessment.xlsx", limits=limits(unpacked_bytes=300 * 1_048_576))
    assert str(refused.value).startswith(
        "Sheet 'Questions' has 2.4 million cells (12,000 rows x 200 columns); the limit is 500,000."
    )


def test_a_sheet_without_a_size_record_is_counted_while_its_rows_stream_in():
    data = wide_workbook(300, 50, dimension=False)
    rows_seen = []
    with pytest.raises(ImportError_, match="more filled cells than the limit of 10,000"):
        read_questionnaire(data, "q.xlsx", limits=limits(cells=10_000), progress=rows_seen.append)
    assert rows_seen == []  # refused at row 201, before the first progress report at 500


def test_rows_and_columns_over_the_limits_are_refused_with_the_numbers():
    many_rows = "\n".join(f"Do you control item {n}?" for n in range(30)).encode()
    with pytest.raises(ImportError_, match="Sheet 'CSV' has more rows than the limit of 20"):
        read_questionnaire(many_rows, "q.csv", limits=limits(rows=20))
    wide = ("Question;" + ";".join(["x"] * 250)).encode()
    with pytest.raises(ImportError_, match="Row 1 of sheet 'CSV' fills 251 columns; the limit is 200"):
        read_questionnaire(wide, "q.csv")


def test_reading_stops_at_the_time_budget_with_how_far_it_got():
    data = "\n".join(f"Do you control item {n}?" for n in range(1200)).encode()
    with pytest.raises(ImportError_, match=r"took longer than 0 seconds \(stopped after 500 rows\)"):
        read_questionnaire(data, "q.csv", limits=limits(seconds=0))


def test_the_bomb_upload_returns_at_once_and_the_progress_page_says_why(answer_library, client_for, sales, bomb):
    client = client_for(sales)
    with TestCase.captureOnCommitCallbacks(execute=False) as jobs:
        response = client.post("/staff/questionnaires/new/", {"file": _named(bomb, "assessment.xlsx")})
    questionnaire = Questionnaire.objects.get()
    progress = f"/staff/questionnaires/{questionnaire.pk}/progress/"
    # The public page cache's own after-commit step is not a job.
    jobs = [job for job in jobs if job.__module__ != "trustcenter.lib.pagecache"]
    # The request only kept the file: nothing was unpacked and the reading job is queued.
    assert response.status_code == 302 and response["Location"] == progress
    assert questionnaire.status == QuestionnaireStatus.READING and len(jobs) == 1
    assert "Reading the file" in client.get(progress).content.decode()

    jobs[0]()  # the worker runs the job
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.FAILED and bytes(questionnaire.upload) == b""
    html = client.get(progress).content.decode()
    assert "The workbook unpacks to 195 MB; the limit is 50 MB." in html
    assert 'http-equiv="refresh"' not in html  # a final state: the page stops refreshing


def test_a_readable_upload_goes_from_reading_to_choosing_the_column(answer_library, client_for, sales):
    from tests.test_questionnaire_import import workbook_file

    client = client_for(sales)
    response = upload(client, workbook_file(), "northwind.xlsx")
    questionnaire = Questionnaire.objects.get()
    assert questionnaire.status == QuestionnaireStatus.CHOOSE and bytes(questionnaire.upload) == b""
    assert questionnaire.rows_read > 0
    assert client.get(response["Location"])["Location"] == f"/staff/questionnaires/{questionnaire.pk}/configure/"


def _named(data, name):
    import io

    handle = io.BytesIO(data)
    handle.name = name
    return handle


def test_a_reading_job_that_failed_for_good_ends_the_progress_page_with_the_reason(
    answer_library, client_for, sales, settings
):
    from django_tasks_db.models import DBTaskResult

    from tests.test_questionnaire_import import workbook_file

    settings.TASKS = settings.DATABASE_TASKS  # queued, and no worker runs it here
    client = client_for(sales)
    response = upload(client, workbook_file(), "northwind.xlsx")
    questionnaire = Questionnaire.objects.get()
    assert 'http-equiv="refresh"' in client.get(response["Location"]).content.decode()
    # As the worker recovery leaves a job whose workers died too often (killed, out of memory).
    DBTaskResult.objects.filter(pk=questionnaire.job_id).update(
        status="FAILED",
        exception_class_path="trustcenter.jobs.worker.WorkerDied",
        traceback="The worker stopped while running this job 3 times (killed, out of memory or the machine went away)",
    )
    html = client.get(response["Location"]).content.decode()
    assert "The background job stopped before it finished: The worker stopped while running this job 3 times" in html
    assert 'http-equiv="refresh"' not in html
