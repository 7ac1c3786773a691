"""A salesperson answers a questionnaire in a real browser (Debian's Chromium through
Playwright): upload, check the guesses, the answering job's progress page, review, export.
Never downloads a browser: it uses /usr/bin/chromium."""

import io

import openpyxl
import pytest

from tests.test_questionnaire_import import workbook_file

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def browser_page(browser):
    """A fresh context of the session's shared Chromium (tests/browser_support.py)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.errors = errors
    yield page
    context.close()


def _sign_in(page, live_server, user, next_url):
    """Through the real sign-in form and its authenticator-code step."""
    from tests.conftest import PASSWORD, recovery_code

    page.goto(f"{live_server.url}/accounts/login/?next={next_url}")
    page.fill("input[name=login]", user.email)
    page.fill("input[name=password]", PASSWORD)
    page.locator("form:has(input[name=login]) button[type=submit]").first.click()
    page.wait_for_url("**/2fa/authenticate/**")
    # The fixture's activation used this period's authenticator code, so use a recovery code.
    page.fill("input[name=code]", recovery_code(user))
    page.locator("form:has(input[name=code]) button[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.url.endswith(next_url), (page.url, page.content()[:3000])


def test_a_salesperson_answers_and_exports_a_questionnaire(answer_library, live_server, browser_page, sales, tmp_path):
    page = browser_page
    _sign_in(page, live_server, sales, "/staff/questionnaires/")
    source = tmp_path / "northwind.xlsx"
    source.write_bytes(workbook_file())

    page.set_input_files("#id_file", str(source))
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/configure/")
    assert page.locator("#id_question_column option:checked").inner_text() == "Question"
    assert page.locator("#id_header_row").input_value() == "4"

    page.get_by_role("button", name="Find answers").click()
    # The answering job runs (at once under the test settings); the progress page leads to the review.
    page.wait_for_url("**/review/", timeout=60_000)
    assert page.get_by_text("0 of 5 questions reviewed").is_visible()

    first = page.locator("li.q-row", has_text="Is multi-factor authentication enforced").first
    first.get_by_role("button", name="Accept the chosen suggestion").click()
    page.wait_for_url("**/review/**")
    assert page.get_by_text("1 of 5 questions reviewed").is_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export XLSX").click()
    path = tmp_path / "answered.xlsx"
    download_info.value.save_as(path)
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active.iter_rows()]
    assert rows[3][4] == "Answer" and rows[5][4] == "Yes" and rows[5][8] == "Sam Sales"
    assert page.errors == []
