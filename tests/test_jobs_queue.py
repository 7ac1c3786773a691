"""The job queue with real worker processes (`manage.py jobs_worker`) on the test database.

On SQLite and PostgreSQL (the second pass): a worker killed in the middle of a job, a mail
server that refuses and then accepts, a job over the time limit, an email whose worker died
while handing it over."""

import io
import shutil
import smtplib
from pathlib import Path

import pytest
from django.core import mail
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from tests.jobs_support import SmtpServer, Worker, job_status, wait_for, worker_env
from tests.jobs_tasks import sleep_for, slow_append
from trustcenter.jobs.models import EmailStatus, OutgoingEmail, WorkerHeartbeat
from trustcenter.jobs.services import email_queue
from trustcenter.jobs.tasks import is_transient
from trustcenter.jobs.worker import jobs_recover

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def database_queue(settings):
    """Jobs enqueued by the test go to the database queue, where the worker processes find them."""
    settings.TASKS = settings.DATABASE_TASKS
    return settings


@pytest.fixture
def workers(tmp_path):
    started: list[Worker] = []

    def start(*args: str, **env: str) -> Worker:
        worker = Worker(worker_env(**env), tmp_path / "worker.log", *args)
        started.append(worker)
        return worker

    start.log = tmp_path / "worker.log"
    yield start
    for worker in started:
        worker.stop()


def test_a_job_whose_worker_is_killed_is_run_again_and_completes_once(database_queue, workers, tmp_path):
    out = str(tmp_path / "effect.txt")
    job = slow_append.enqueue(out, "report-42", 3)
    first = workers()
    wait_for(lambda: Path(f"{out}.started").exists(), what="the first worker to start the job", log=workers.log)
    first.kill()
    assert job_status(job.id) == TaskResultStatus.RUNNING  # left behind by the dead worker

    workers()
    wait_for(lambda: job_status(job.id) == TaskResultStatus.SUCCESSFUL, what="the job to finish", log=workers.log)
    assert Path(out).read_text().splitlines() == ["report-42"]
    assert Path(f"{out}.started").read_text().splitlines() == ["report-42", "report-42"]
    row = DBTaskResult.objects.get(pk=job.id)
    assert len(row.worker_ids) == 2 and row.worker_ids[0] != row.worker_ids[1]
    assert DBTaskResult.objects.count() == 1


def test_a_mail_server_that_refuses_then_accepts_gets_one_message(database_queue, workers):
    with SmtpServer(refuse_first=1) as smtp:
        email = email_queue(key="test:refuse-then-accept", to=["ivy@initech.example"], subject="Hello", body="Body")
        workers(**smtp.env())
        wait_for(
            lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.SENT,
            what="the email to be sent",
            log=workers.log,
        )
        assert smtp.handler.refused == 1
        assert len(smtp.handler.messages) == 1
        assert b"Subject: Hello" in smtp.handler.messages[0]
    email.refresh_from_db()
    assert email.attempts == 2 and email.sent_at is not None
    jobs = list(DBTaskResult.objects.order_by("enqueued_at"))
    assert [j.status for j in jobs] == [TaskResultStatus.FAILED, TaskResultStatus.SUCCESSFUL]
    assert jobs[0].exception_class_path == "trustcenter.jobs.retry.RetryScheduled"
    assert "451" in jobs[0].traceback and jobs[1].args_kwargs["kwargs"] == {"attempt": 2}


def test_an_email_is_never_sent_twice_when_its_worker_dies_while_sending(database_queue, workers):
    with SmtpServer(refuse_first=0, delay=4) as smtp:
        email = email_queue(key="test:died-while-sending", to=["ivy@initech.example"], subject="Once", body="Body")
        first = workers(**smtp.env())
        wait_for(lambda: smtp.handler.messages, what="the message to reach the server", log=workers.log)
        first.kill()  # after the server kept the message, before its "250 OK" arrived
        workers(**smtp.env())
        wait_for(
            lambda: OutgoingEmail.objects.get(pk=email.pk).status == EmailStatus.UNKNOWN,
            what="the email to be marked unknown",
            log=workers.log,
        )
        assert len(smtp.handler.messages) == 1
    email.refresh_from_db()
    assert email.attempts == 1 and "Message-ID" in email.last_error


def test_a_job_over_the_time_limit_is_stopped_with_a_message(database_queue, workers):
    job = sleep_for.enqueue(30)
    workers(JOBS_TIME_LIMIT_SECONDS="1")
    wait_for(lambda: job_status(job.id) == TaskResultStatus.FAILED, what="the job to be stopped", timeout=20)
    row = DBTaskResult.objects.get(pk=job.id)
    assert row.exception_class_path == "trustcenter.jobs.worker.JobTimeLimitExceeded"
    assert "more than 1 s" in row.traceback


def test_jobs_of_a_silent_worker_are_put_back_and_failed_after_too_many_deaths(database_queue, settings):
    from django.utils import timezone

    long_ago = timezone.now() - timezone.timedelta(seconds=settings.JOBS_WORKER_DEAD_AFTER + 1)
    WorkerHeartbeat.objects.create(worker_id="dead", started_at=long_ago, last_seen=long_ago)
    WorkerHeartbeat.objects.create(worker_id="alive", started_at=long_ago, last_seen=timezone.now())
    once = slow_append.enqueue("/nonexistent", "x", 0)
    often = slow_append.enqueue("/nonexistent", "y", 0)
    busy = slow_append.enqueue("/nonexistent", "z", 0)
    DBTaskResult.objects.filter(pk=once.id).update(status="RUNNING", worker_ids=["dead"])
    DBTaskResult.objects.filter(pk=often.id).update(status="RUNNING", worker_ids=["dead"] * settings.JOBS_MAX_RUNS)
    DBTaskResult.objects.filter(pk=busy.id).update(status="RUNNING", worker_ids=["dead", "alive"])

    assert jobs_recover() == (1, 1)
    assert job_status(once.id) == TaskResultStatus.READY
    assert job_status(often.id) == TaskResultStatus.FAILED
    assert "stopped while running this job 3 times" in DBTaskResult.objects.get(pk=often.id).traceback
    assert job_status(busy.id) == TaskResultStatus.RUNNING
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["alive"]


def test_the_same_email_key_is_queued_and_sent_once():
    email_queue(key="test:once", to=["a@example.com"], subject="S", body="B")
    email_queue(key="test:once", to=["a@example.com"], subject="S", body="B")
    assert len(mail.outbox) == 1 and OutgoingEmail.objects.get().status == EmailStatus.SENT


def test_temporary_mail_errors_are_retried_and_permanent_ones_are_not():
    assert is_transient(ConnectionRefusedError())
    assert is_transient(smtplib.SMTPServerDisconnected("gone"))
    assert is_transient(smtplib.SMTPDataError(451, b"busy"))
    assert not is_transient(smtplib.SMTPDataError(554, b"rejected"))
    assert not is_transient(smtplib.SMTPRecipientsRefused({"x@example.com": (550, b"no such user")}))
    assert not is_transient(ValueError("a bug"))


KEPT_POLICIES = {"security-program", "access-control", "network-architecture"}  # two public, one under NDA


def test_a_publication_has_its_pdfs_rendered_before_the_first_visit(
    database_queue, workers, content_dir, private_storage, client
):
    from django.utils import translation
    from pypdf import PdfReader

    from trustcenter.exports.services import bundle_export, policy_export
    from trustcenter.policies.models import PolicyVersion
    from trustcenter.policies.services import content_publish

    for path in (content_dir / "policies").glob("*.md"):
        if path.stem not in KEPT_POLICIES:
            path.unlink()
    for path in (content_dir / "history").iterdir():
        if path.name not in KEPT_POLICIES:
            shutil.rmtree(path)
    database_queue.CONTENT_DIR = content_dir
    database_queue.EXPORTS_PRERENDER = True
    content_publish(root=content_dir)
    renders = DBTaskResult.objects.filter(task_path="trustcenter.exports.tasks.exports_prerender_job")
    assert renders.count() == PolicyVersion.objects.count()  # one render job per new version

    workers(CONTENT_DIR=str(content_dir), PRIVATE_ROOT=str(private_storage))
    wait_for(
        lambda: not renders.exclude(status=TaskResultStatus.SUCCESSFUL).exists(),
        what="the render jobs",
        timeout=300,
        log=workers.log,
    )
    rendered = [name for job in renders.all() for name in job.return_value]
    assert any(name.startswith("de:") for name in rendered) and any(name.startswith("en:") for name in rendered)
    assert len(rendered) == len(set(rendered))  # every PDF rendered once, whichever job got there first

    current = list(PolicyVersion.objects.current().select_related("policy", "category"))
    assert len(current) == 3
    for language in ("en", "de"):
        with translation.override(language):
            assert not bundle_export().rendered
            for version in current:
                assert not policy_export(version=version).rendered, (language, version.policy.slug)
    response = client.get("/trust-center.pdf")
    assert response.status_code == 200
    data = b"".join(response.streaming_content) if response.streaming else response.content
    assert len(PdfReader(io.BytesIO(data)).pages) > 2


def test_the_bomb_upload_is_only_queued_by_the_request_and_the_worker_refuses_it(
    database_queue, workers, answer_library, client, sales
):
    from tests.questionnaire_files import wide_workbook
    from trustcenter.questionnaires.models import Questionnaire, QuestionnaireStatus

    bomb = io.BytesIO(wide_workbook(12_000, 200))
    bomb.name = "assessment.xlsx"
    client.force_login(sales)
    response = client.post("/staff/questionnaires/new/", {"file": bomb})
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/{questionnaire.pk}/progress/")
    job = DBTaskResult.objects.get()
    assert job.status == TaskResultStatus.READY and questionnaire.status == QuestionnaireStatus.READING

    workers()
    wait_for(lambda: job_status(job.id) == TaskResultStatus.SUCCESSFUL, what="the import job", log=workers.log)
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.FAILED
    html = client.get(response["Location"]).content.decode()
    assert "The workbook unpacks to 195 MB; the limit is 50 MB." in html


def test_a_worker_restarted_under_the_same_name_runs_its_predecessors_job_again(database_queue, workers, tmp_path):
    out = str(tmp_path / "effect.txt")
    job = slow_append.enqueue(out, "once", 1)
    first = workers("--worker-id", "host-1")
    wait_for(lambda: Path(f"{out}.started").exists(), what="the first worker to start the job", log=workers.log)
    first.kill()
    workers("--worker-id", "host-1")  # systemd's Restart=always, same instance name
    wait_for(lambda: job_status(job.id) == TaskResultStatus.SUCCESSFUL, what="the job to finish", log=workers.log)
    assert Path(out).read_text().splitlines() == ["once"]
    assert DBTaskResult.objects.get(pk=job.id).worker_ids == ["host-1", "host-1"]
