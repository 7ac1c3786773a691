"""The benchmark's own parts that can be checked without load: parsing wrk, generated content, the ceiling view."""

import pytest

from bench import run
from trustcenter.policies.models import Policy
from trustcenter.policies.services import content_publish

WRK_OUTPUT = """Running 10s test @ http://127.0.0.1:8000/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     8.16ms    2.31ms  36.63ms   80.49%
    Req/Sec     1.97k   170.51     2.29k    73.00%
  Latency Distribution
     50%  712.00us
     75%    8.83ms
     90%   10.37ms
     99%    1.02s
  39209 requests in 10.01s, 1.46GB read
  Non-2xx or 3xx responses: 12
  Socket errors: connect 0, read 0, write 0, timeout 3
Requests/sec:   3917.34
Transfer/sec:    148.84MB
"""


def test_wrk_output_is_read_with_its_units():
    result = run.parse_wrk(WRK_OUTPUT)
    assert result["rps"] == 3917.34
    assert result["p50"] == pytest.approx(0.712)
    assert result["p99"] == pytest.approx(1020.0)
    assert result["non2xx"] == 12 and result["timeouts"] == 3


def test_a_failed_wrk_run_stops_the_benchmark_with_its_output():
    with pytest.raises(SystemExit, match="Connection refused"):
        run.parse_wrk("", "http://127.0.0.1:1/", "unable to connect to 127.0.0.1:1 Connection refused")


def test_the_generated_content_publishes(db, tmp_path, settings):
    run.generate_content(tmp_path / "content", 12)
    settings.CONTENT_DIR = tmp_path / "content"
    report = content_publish(root=tmp_path / "content")
    created = [line for line in report.lines if line.startswith("created: generated-policy-")]
    assert len(created) == 12, report.lines
    assert Policy.objects.filter(slug__startswith="generated-policy-").count() == 12


def test_the_ceiling_view_serves_bytes_from_memory(client, settings, monkeypatch):
    from bench import urls

    monkeypatch.setattr(urls, "_BODIES", {"page.html": (b"<p>same bytes</p>", "text/html; charset=utf-8")})
    settings.ROOT_URLCONF = "bench.urls"
    response = client.get("/__bench__/bytes/page.html")
    assert response.status_code == 200 and response.content == b"<p>same bytes</p>"
    assert client.get("/__bench__/bytes/other.html").status_code == 404
