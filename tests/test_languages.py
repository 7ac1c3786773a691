"""The interface in English and German: from the browser's language or the switcher; content as written."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

pytestmark = pytest.mark.usefixtures("published")

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9,en;q=0.5"}


def test_english_is_the_default(client):
    html = client.get("/").content.decode()
    assert '<html lang="en">' in html
    assert "Security policies" in html and "Skip to main content" in html


def test_a_german_browser_gets_the_german_interface(client):
    response = client.get("/", **GERMAN)
    html = response.content.decode()
    assert response["Content-Language"] == "de"
    assert "Accept-Language" in response["Vary"]
    assert '<html lang="de">' in html
    for text in (
        "Sicherheitsrichtlinien",
        "Zum Inhalt springen",
        "Zertifizierungen und Testate",
        "Unterauftragsverarbeiter",
    ):
        assert text in html, text
    assert "Security policies" not in html
    # certification statuses come from Python (gettext_lazy)
    assert "Aktuell" in html and "In Arbeit" in html and "Geplant" in html


def test_policy_content_stays_as_written(client):
    html = client.get("/policies/data-protection/", **GERMAN).content.decode()
    assert "Auf dieser Seite" in html and "Versionsverlauf" in html and "Gültig ab" in html
    # the title and body are content: left in English and marked so, for screen readers
    assert '<h1 id="policy-title" lang="en">Data Protection and Encryption</h1>' in html
    assert '<div class="prose" lang="en">' in html
    assert "Zuletzt geprüft" in html
    assert "1. Juni 2026" in html  # German date format


def test_content_is_not_marked_when_it_is_in_the_interface_language(client):
    html = client.get("/policies/data-protection/").content.decode()
    assert '<h1 id="policy-title">Data Protection and Encryption</h1>' in html
    assert html.count('lang="en"') == 1  # only <html lang="en">


def test_english_dates_read_day_month_year(client):
    html = client.get("/policies/data-protection/").content.decode()
    assert "1 June 2026" in html


def test_an_unsupported_browser_language_falls_back_to_english(client):
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert '<html lang="en">' in html and "Security policies" in html


def test_diff_and_search_pages_use_german_plurals(client):
    html = client.get("/policies/data-protection/changes/", {"from": 1, "to": 3}, **GERMAN).content.decode()
    assert "Absätze geändert" in html or "Absatz geändert" in html
    assert "hinzugefügt" in html and "entfernt" in html
    html = client.get("/search/", {"q": "encryption"}, **GERMAN).content.decode()
    assert "Treffer für <strong>encryption</strong>" in html


def test_error_messages_from_views_are_translated(client):
    response = client.get("/policies/data-protection/changes/", {"from": "x"}, **GERMAN)
    assert response.status_code == 400
    assert "`from` muss eine Versionsnummer sein, zum Beispiel from=1" in response.content.decode()


def test_the_404_page_is_translated(client):
    response = client.get("/no-such-page/", **GERMAN)
    assert response.status_code == 404
    assert "Seite nicht gefunden" in response.content.decode()


class TestSwitcher:
    def test_every_page_offers_the_other_language_as_a_link(self, client):
        html = client.get("/policies/data-protection/").content.decode()
        assert (
            'href="/language/de/?next=/policies/data-protection/" lang="de" hreflang="de" rel="nofollow">Deutsch</a>'
            in html
        )
        html = client.get("/search/?q=backup%20keys", **GERMAN).content.decode()
        assert 'href="/language/en/?next=/search/%3Fq%3Dbackup%2520keys"' in html

    def test_choosing_german_remembers_it_and_goes_back(self, client):
        response = client.get("/language/de/", {"next": "/policies/data-protection/"})
        assert response.status_code == 302
        assert response["Location"] == "/policies/data-protection/"
        cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
        assert cookie.value == "de"
        assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
        assert cookie["path"] == "/" and not cookie["domain"]
        assert settings.LANGUAGE_COOKIE_NAME.startswith("__Host-")
        # the choice beats the browser's own language
        html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en").content.decode()
        assert '<html lang="de">' in html and "Sicherheitsrichtlinien" in html

    def test_switching_back_to_english(self, client):
        client.get("/language/de/")
        client.get("/language/en/")
        assert "Security policies" in client.get("/", **GERMAN).content.decode()

    @pytest.mark.parametrize("next_url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", ""])
    def test_it_never_redirects_to_another_site(self, client, next_url):
        response = client.get("/language/de/", {"next": next_url})
        assert response.status_code == 302
        assert response["Location"] == "/"

    def test_an_unknown_language_is_404(self, client):
        assert client.get("/language/fr/").status_code == 404
        assert settings.LANGUAGE_COOKIE_NAME not in client.cookies

    def test_it_answers_only_get_and_head(self, client):
        assert client.post("/language/de/").status_code == 405

    def test_the_redirect_is_never_cached(self, client):
        assert "no-cache" in client.get("/language/de/")["Cache-Control"]


def test_the_german_catalogue_is_complete():
    po = polib.pofile(str(settings.BASE_DIR / "locale/de/LC_MESSAGES/django.po"))
    assert po.percent_translated() == 100, [e.msgid for e in po.untranslated_entries()]
    assert not po.fuzzy_entries(), [e.msgid for e in po.fuzzy_entries()]


def _msgids(po: polib.POFile) -> set[tuple[str | None, str, str]]:
    return {(e.msgctxt, e.msgid, e.msgid_plural) for e in po if e.msgid and not e.obsolete}


def test_the_german_catalogue_covers_every_string_in_the_code(tmp_path):
    """makemessages, run on a copy of the sources, finds no string that the committed catalogue lacks:
    a string added to a template or to Python must be extracted and translated in the same change."""
    for name in ("trustcenter", "templates", "locale"):
        shutil.copytree(
            settings.BASE_DIR / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo")
        )
    shutil.copy(settings.BASE_DIR / "manage.py", tmp_path)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TEST_"))}
    env.update(DEBUG="1", DJANGO_SETTINGS_MODULE="trustcenter.settings", VAR_DIR=str(tmp_path / "var"))
    # The command in the catalogue's header; the ignores matter only if more is copied here one day.
    command = [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "--no-location"]
    for pattern in (".venv/*", "var/*", "tests/*", "bench/*", "tools/*"):
        command += ["-i", pattern]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr

    committed = _msgids(polib.pofile(str(settings.BASE_DIR / "locale/de/LC_MESSAGES/django.po")))
    in_code = _msgids(polib.pofile(str(tmp_path / "locale/de/LC_MESSAGES/django.po")))
    missing = sorted(in_code - committed, key=lambda key: (key[1], key[0] or "", key[2]))
    described = [
        repr(msgid) + (f" (context {context!r})" if context else "") + (f" (plural {plural!r})" if plural else "")
        for context, msgid, plural in missing
    ]
    assert not missing, (
        f"{len(missing)} translatable string(s) in the code are not in locale/de/LC_MESSAGES/django.po; run "
        "`DEBUG=1 .venv/bin/python manage.py makemessages -l de --no-obsolete --no-location "
        '-i ".venv/*" -i "var/*" -i "tests/*" -i "bench/*" -i "tools/*"`, translate them and remove '
        "the fuzzy flags:\n" + "\n".join(described)
    )


def test_a_bad_content_language_in_company_yaml_is_reported_with_its_line(content_dir):
    from trustcenter.core.company import parse_company
    from trustcenter.lib.contentfiles import ContentErrors

    text = (content_dir / "company.yaml").read_text().replace("language: en\n", "language: English please\n")
    with pytest.raises(ContentErrors) as excinfo:
        parse_company(text, path="company.yaml")
    message = str(excinfo.value.errors[0])
    assert message.startswith("company.yaml:18:") and "`language` must be a language tag like en or de" in message


def test_pdf_exports_are_in_the_readers_language_even_when_cached(client):
    from tests.pdfs import page_texts

    german = client.get("/policies/data-protection/pdf/", **GERMAN)
    english = client.get("/policies/data-protection/pdf/", HTTP_ACCEPT_LANGUAGE="en")
    german_text, english_text = " ".join(page_texts(german.content)), " ".join(page_texts(english.content))
    assert "Exportiert" in german_text
    assert "Exported" in english_text and "Exportiert" not in english_text


def test_account_pages_address_german_readers_formally_like_the_rest_of_the_site(client):
    # allauth's own German says "du"; trustcenter/core/allauth_messages.py re-translates it.
    html = client.get("/accounts/signup/", **GERMAN).content.decode()
    assert "Sie haben bereits ein Konto?" in html
    assert "Du hast" not in html
    html = client.get("/accounts/login/", **GERMAN).content.decode()
    assert "Sie haben noch kein Konto?" in html


# Account pages a reader passes through (sign-up, sign-in, reset, email, password, MFA, sessions).
ACCOUNT_PAGES_SIGNED_OUT = [
    "/accounts/login/",
    "/accounts/signup/",
    "/accounts/password/reset/",
    "/accounts/confirm-email/",
]
ACCOUNT_PAGES_SIGNED_IN = [
    "/accounts/email/",
    "/accounts/password/change/",
    "/accounts/reauthenticate/",
    "/accounts/2fa/",
    "/accounts/2fa/recovery-codes/generate/",
    "/accounts/sessions/",
    "/accounts/logout/",
]
# Words that keep their capital inside an English heading.
PROPER = {"NDA", "IP", "TOTP", "MFA"}


def _headings_and_buttons(html: str) -> list[str]:
    texts = re.findall(r"<(h1|h2|h3|button)\b[^>]*>(.*?)</\1>", html, re.S)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text)).strip() for _, text in texts]


def _title_cased(text: str) -> bool:
    words = text.replace("-", " ").split()[1:]
    return any(word[:1].isupper() and word not in PROPER and not word.isupper() for word in words)


def test_account_pages_use_sentence_case_headings_like_the_rest_of_the_site(client, prospect):
    from tests.conftest import sign_in

    pages = {path: client.get(path).content.decode() for path in ACCOUNT_PAGES_SIGNED_OUT}
    sign_in(client, prospect)
    pages |= {path: client.get(path).content.decode() for path in ACCOUNT_PAGES_SIGNED_IN}
    company = {"Kestrel", "Analytics"}
    offenders = {
        path: [
            t for t in _headings_and_buttons(html) if _title_cased(" ".join(w for w in t.split() if w not in company))
        ]
        for path, html in pages.items()
    }
    assert not any(offenders.values()), offenders
    assert "Confirm access" in pages["/accounts/reauthenticate/"]


def test_german_account_pages_keep_their_own_headings(client, prospect):
    from tests.conftest import sign_in

    html = client.get("/accounts/login/", **GERMAN).content.decode()
    assert "Anmeldung" in _headings_and_buttons(html)
    sign_in(client, prospect)
    html = client.get("/accounts/reauthenticate/", **GERMAN).content.decode()
    assert "Zugriff bestätigen" in _headings_and_buttons(html)
    assert not any("access" in text for text in _headings_and_buttons(html))


def test_the_english_catalogue_only_changes_the_letter_case_of_allauths_own_strings():
    import allauth

    po = polib.pofile(str(settings.BASE_DIR / "locale/en/LC_MESSAGES/django.po"))
    sources = "".join(
        path.read_text(encoding="utf-8", errors="replace")
        for path in Path(allauth.__file__).parent.rglob("*")
        if path.suffix in {".html", ".py"}
    )
    assert len(po) > 10
    for entry in po:
        assert entry.msgstr.lower() == entry.msgid.lower(), entry.msgid
        assert f'"{entry.msgid}"' in sources or f"'{entry.msgid}'" in sources, f"allauth has no {entry.msgid!r}"
