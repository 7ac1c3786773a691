"""What PostgreSQL full-text search adds on top of the shared search tests (tests/test_search.py)."""

import pytest
from django.db import connection

from trustcenter.policies.search import search_policies

pytestmark = [pytest.mark.postgres_redis, pytest.mark.usefixtures("published")]


def test_word_forms_that_never_appear_still_find_the_page():
    # No policy says "encrypting"; English stemming finds "encryption" and "encrypted".
    slugs = [hit.version.policy.slug for hit in search_policies("encrypting stored data")]
    assert "data-protection" in slugs[:3]


def test_a_search_is_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        hits = search_policies("incident notification")
    assert hits and hits[0].score > 0


def test_the_search_column_is_generated_and_indexed():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT is_generated FROM information_schema.columns "
            "WHERE table_name = 'policies_policyversion' AND column_name = 'search_vector'"
        )
        assert cursor.fetchone() == ("ALWAYS",)
        cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'policies_policyversion_search_idx'")
        assert "USING gin (search_vector)" in cursor.fetchone()[0]


def test_stop_words_and_symbols_do_not_break_the_query():
    assert search_policies("the of and") == []
    slugs = [hit.version.policy.slug for hit in search_policies("AES-256 + TLS 1.2 o'clock")]
    assert "data-protection" in slugs
