"""The benchmark's own parts that can be checked without load: parsing wrk, generated content, the bare
WSGI app, the shipped micro-cache directives, the list of modules."""

import pytest

from bench import common, publish, run, servers
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
    result = common.parse_wrk(WRK_OUTPUT)
    assert result["rps"] == 3917.34
    assert result["p50"] == pytest.approx(0.712)
    assert result["p99"] == pytest.approx(1020.0)
    assert result["non2xx"] == 12 and result["timeouts"] == 3


def test_a_failed_wrk_run_stops_the_benchmark_with_its_output():
    with pytest.raises(SystemExit, match="Connection refused"):
        common.parse_wrk("", "http://127.0.0.1:1/", "unable to connect to 127.0.0.1:1 Connection refused")


def test_the_generated_content_publishes(db, tmp_path, settings):
    publish.generate_content(tmp_path / "content", 12)
    settings.CONTENT_DIR = tmp_path / "content"
    report = content_publish(root=tmp_path / "content")
    created = [line for line in report.lines if line.startswith("created: generated-policy-")]
    assert len(created) == 12, report.lines
    assert Policy.objects.filter(slug__startswith="generated-policy-").count() == 12


def test_the_bare_app_serves_the_same_bytes(tmp_path, monkeypatch):
    import importlib

    from bench import bare

    (tmp_path / "page.html").write_bytes(b"<p>same bytes</p>")
    monkeypatch.setenv("BENCH_BYTES_DIR", str(tmp_path))
    bare = importlib.reload(bare)
    started = []
    body = b"".join(bare.application({"PATH_INFO": "/page.html"}, lambda *a: started.append(a)))
    assert body == b"<p>same bytes</p>"
    assert started[0][0] == "200 OK" and ("Content-Length", "17") in started[0][1]
    bare.application({"PATH_INFO": "/other.html"}, lambda *a: started.append(a))
    assert started[1][0] == "404 Not Found"


def test_the_micro_cache_directives_come_from_deploy_nginx_conf(tmp_path):
    http, location = servers.microcache(tmp_path / "cache")
    assert f"proxy_cache_path {tmp_path / 'cache'} " in http
    assert "proxy_cache trustcenter;" in location and "proxy_no_cache $trustcenter_personal" in location


def test_every_benchmark_module_can_measure_and_report():
    import importlib

    for name in run.MODULES:
        module = importlib.import_module(name)
        assert module.TITLE and callable(module.measure) and callable(module.report), name
