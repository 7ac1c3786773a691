"""Benchmarks for the trust center (issue 9); `make bench` runs this and writes bench/RESULTS.md.

Under gunicorn as configured for production (gunicorn.conf.py when the repository has one),
each public page is measured with `wrk -t2 -c32 -d10s --latency` side by side, in the same
run, with (a) the same app returning the same bytes from memory (bench/urls.py: the
framework's ceiling) and (b) nginx serving the same bytes as a static file. Rounds alternate
between the three, so a burst of load from elsewhere hits all of them alike; the report
gives the median of the rounds. Then, with the servers stopped: watermarking a 100-page
PDF, publishing 500 generated pages (time and peak memory), PDF rendering where the exports
app exists, and the questionnaire benchmark (bench/questionnaire/) where it exists.

Everything lives under var/bench/ and is removed at the start of the next run. PostgreSQL
and Redis are used when their Python drivers are installed and the servers answer on
127.0.0.1 (as in production); otherwise SQLite and the per-process cache, and the report
says which.
"""

import argparse
import datetime
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "var" / "bench"
RESULTS = ROOT / "bench" / "RESULTS.md"
WRK = ["wrk", "-t2", "-c32", "-d10s", "--latency"]
PROTO = {"X-Forwarded-Proto": "https"}
PG_DB = "trustcenter_bench"
REDIS_DB = 14

PAGES = [
    ("`/` (overview)", "overview", "/"),
    ("policy page", "policy", "/policies/data-protection/"),
    ("search", "search", "/search/?q=encryption"),
]
PDF_URL = "/policies/data-protection/pdf/"


# --- small helpers ---------------------------------------------------------------------------


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def reachable(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def importable(module: str) -> bool:
    return subprocess.run([sys.executable, "-c", f"import {module}"], capture_output=True).returncode == 0  # noqa: S603


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers={**PROTO, **(headers or {})})  # noqa: S310 - loopback only
    try:
        with urllib.request.urlopen(request, timeout=120) as response:  # noqa: S310
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def manage(env: dict, *args: str, timeout: int = 600) -> str:
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise SystemExit(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def git_commit() -> str:
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)  # noqa: S607
    return result.stdout.strip() or "unknown"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


# --- the environment -------------------------------------------------------------------------


def bench_env(*, reset: bool = True) -> tuple[dict, dict]:
    """Environment for every process of the run, and a description of it for the report."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "AUDIT_HMAC_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SITE_URL": "https://127.0.0.1",
        "BEHIND_TLS_PROXY": "1",
        "VAR_DIR": str(WORK / "var"),
        "PRIVATE_ROOT": str(WORK / "var" / "private"),
        "BENCH_BYTES_DIR": str(WORK / "bytes"),
        # wrk comes from one address: the per-IP limits would turn the run into 429s.
        "RATE_LIMIT_SEARCH": "1000000000/m",
        "RATE_LIMIT_PDF_EXPORT": "1000000000/m",
        "RATE_LIMIT_DOWNLOAD_USER": "1000000000/m",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    about = {"database": "SQLite (var/bench)", "cache": "local memory, per process"}
    if importable("psycopg") and reachable(5432):
        if reset:
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", _PG_RESET.format(db=PG_DB)], check=True, env=env, timeout=60
            )
        env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{PG_DB}"
        env["DATABASE_CONN_MAX_AGE"] = os.environ.get("DATABASE_CONN_MAX_AGE", "60")
        about["database"] = f"PostgreSQL 127.0.0.1:5432/{PG_DB}"
    if importable("redis") and reachable(6379):
        env["REDIS_URL"] = f"redis://127.0.0.1:6379/{REDIS_DB}"
        if reset:
            subprocess.run(  # noqa: S603
                [sys.executable, "-c", f"import redis; redis.Redis(db={REDIS_DB}).flushdb()"], check=True, timeout=60
            )
        about["cache"] = f"Redis 127.0.0.1:6379/{REDIS_DB}, shared by all workers"
    return env, about


_PG_RESET = """
import psycopg
with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
    conn.execute("DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    conn.execute("CREATE DATABASE {db}")
"""


# --- servers ---------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env: dict):
        self.env = env
        self.port = free_port()
        self.proc = None
        conf = ROOT / "gunicorn.conf.py"
        self.args = [sys.executable, "-m", "gunicorn"]
        if conf.exists():
            self.args += ["-c", str(conf)]
            self.config = "gunicorn.conf.py from the repository"
        else:
            self.args += ["--workers", "2"]
            self.config = "no gunicorn.conf.py on main: `--workers 2` (sync)"
        self.args += ["--bind", f"127.0.0.1:{self.port}", "trustcenter.wsgi:application"]
        self.url = f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        logfile = open(WORK / "gunicorn.log", "ab")  # noqa: SIM115 - closed with the process
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=logfile, stderr=logfile)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {WORK / 'gunicorn.log'}")
            try:
                if fetch(self.url + "/healthz")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit("gunicorn did not answer /healthz within 60 s")

    def settings(self) -> str:
        """The effective gunicorn settings that shape throughput, as gunicorn itself reports them."""
        args = [a for a in self.args if a not in ("trustcenter.wsgi:application",)]
        result = subprocess.run(  # noqa: S603
            [*args, "--print-config", "trustcenter.wsgi:application"],
            cwd=ROOT,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        wanted = ("worker_class", "workers", "threads", "max_requests", "max_requests_jitter", "accesslog")
        found = dict(re.findall(r"^(\w+)\s+= (.*)$", result.stdout, re.MULTILINE))
        described = [f"{k} = {found[k].strip()}" for k in wanted if k in found]
        if "gunicorn.conf.py" in " ".join(self.args) and "post_request" in found:
            limit = self.env.get("GUNICORN_MAX_WORKER_MEMORY_MB", "512")
            described.append(f"workers replaced above {limit} MB resident memory (post_request hook)")
        return ", ".join(described)

    def workers(self) -> int:
        out = subprocess.run(["pgrep", "-P", str(self.proc.pid)], capture_output=True, text=True).stdout  # noqa: S603,S607
        return len(out.split())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


class Nginx:
    def __init__(self, roots: dict[str, Path]):
        self.dir = WORK / "nginx"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.ports = {name: free_port() for name in roots}
        servers = "\n".join(
            f"  server {{ listen 127.0.0.1:{self.ports[name]}; root {root}; index index.html; gzip_static on; }}"
            for name, root in roots.items()
        )
        user = "user root root;\n" if os.geteuid() == 0 else ""
        d = self.dir
        (d / "nginx.conf").write_text(
            f"""{user}worker_processes auto;
daemon off;
pid {d}/nginx.pid;
error_log {d}/error.log warn;
events {{ worker_connections 4096; }}
http {{
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 1000000;
  client_body_temp_path {d}/body;
  proxy_temp_path {d}/proxy;
  fastcgi_temp_path {d}/fastcgi;
  uwsgi_temp_path {d}/uwsgi;
  scgi_temp_path {d}/scgi;
{servers}
}}
"""
        )
        self.proc = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            ["nginx", "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir)],  # noqa: S607
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "ab"),  # noqa: SIM115
        )
        for _ in range(100):
            if all(reachable(port) for port in self.ports.values()):
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"nginx exited; see {self.dir / 'error.log'}")
            time.sleep(0.1)
        raise SystemExit("nginx did not start")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


# --- wrk -------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s|m)$", text)
    if not match:
        raise ValueError(f"unexpected wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def wrk(url: str, duration: str = "10s", headers: dict | None = None) -> dict:
    args = [*WRK[:-2], f"-d{duration}", "--latency", "-H", "X-Forwarded-Proto: https"]
    for name, value in (headers or {}).items():
        args += ["-H", f"{name}: {value}"]
    args.append(url)
    result = subprocess.run(args, capture_output=True, text=True, timeout=120)  # noqa: S603
    return parse_wrk(result.stdout, url, result.stderr)


def parse_wrk(out: str, url: str = "", stderr: str = "") -> dict:
    if "Requests/sec" not in out or "Latency Distribution" not in out:
        raise SystemExit(f"wrk {url} failed:\n{out}\n{stderr}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", out, re.MULTILINE).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", out, re.MULTILINE).group(1))
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {
        "rps": rps,
        "p50": p50,
        "p99": p99,
        "non2xx": int(bad.group(1)) if bad else 0,
        "timeouts": int(errors.group(4)) if errors else 0,
        "raw": out,
    }


def median_result(results: list[dict]) -> dict:
    # A round in which not one request completed (every worker restarting at once) has no
    # latency to speak of: it is counted, shown, and left out of the medians.
    valid = [r for r in results if r["rps"] > 0] or results
    return {
        "rps": statistics.median(r["rps"] for r in valid),
        "p50": statistics.median(r["p50"] for r in valid),
        "p99": statistics.median(r["p99"] for r in valid),
        "empty_rounds": len(results) - len([r for r in results if r["rps"] > 0]),
        "non2xx": sum(r["non2xx"] for r in results),
        "timeouts": sum(r["timeouts"] for r in results),
        "rounds": [round(r["rps"]) for r in results],
    }


# --- in-process measurements (run in a child with Django set up) ------------------------------


def inner(name: str) -> dict:
    import django

    django.setup()
    return {"watermark": _inner_watermark, "pdf": _inner_pdf, "download": _inner_download}[name]()


def _inner_download() -> dict:
    """A signed-in customer with access to a gated document (the demo's Northwind customer)."""
    try:
        from trustcenter.access.rules import decide
        from trustcenter.documents.models import Document
    except ImportError as exc:
        return {"available": False, "why": f"no gated documents on main ({exc})"}
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.test import Client

    user = get_user_model().objects.filter(email="customer@northwind.example").first()
    if user is None:
        return {"available": False, "why": "no demo customer (demo_setup)"}
    # The newest SOC 2 report or the like, as the customer sees it in the list (older ones are not offered).
    listed = Document.objects.visible_to(user).order_by("-page_count", "pk")
    documents = [d for d in listed if not d.is_public and decide(user, d).allowed]
    if not documents:
        return {"available": False, "why": "the demo customer may download no gated document (demo_access)"}
    client = Client()
    client.force_login(user)
    cookie = client.cookies[settings.SESSION_COOKIE_NAME].value
    return {
        "available": True,
        "cookie": f"{settings.SESSION_COOKIE_NAME}={cookie}",
        "path": f"/documents/{documents[0].pk}/download/",
        "title": documents[0].title,
    }


def _inner_watermark() -> dict:
    import io

    from pypdf import PdfReader
    from weasyprint import HTML

    from trustcenter.watermark import watermark_pdf

    paragraph = "Access to production systems is reviewed every quarter by the system owner. " * 12
    pages = "".join(f'<section class="p"><h1>Page {i}</h1><p>{paragraph}</p></section>' for i in range(1, 101))
    html = f"<style>@page {{ size: A4; margin: 2cm }} .p {{ break-after: page }}</style>{pages}"
    data = HTML(string=html).write_pdf()
    assert len(PdfReader(io.BytesIO(data)).pages) == 100
    times, cpu = [], []
    for run in range(3):
        # New lines each time, as for a real download (a new download id): the stamp is drawn anew.
        lines = [
            f"Bench Reader {run}",
            "reader@example.com",
            "Example Corp",
            "2026-11-29",
            f"id {secrets.token_hex(4)}",
        ]
        started, started_cpu = time.perf_counter(), time.process_time()
        stamped = watermark_pdf(data, lines=lines)
        times.append(time.perf_counter() - started)
        cpu.append(time.process_time() - started_cpu)
        reader = PdfReader(io.BytesIO(stamped))
        assert len(reader.pages) == 100 and lines[-1] in reader.pages[99].extract_text()
    return {"times": times, "cpu": cpu, "size_kb": len(data) // 1024}


def _timed(func) -> tuple[float, float, object]:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - started, time.process_time() - started_cpu, result


def _inner_pdf() -> dict:
    """Cold and cached PDF time against WeasyPrint alone for the same HTML (the exports app)."""
    try:
        from trustcenter.exports import render, services
    except ImportError:
        return {"available": False, "why": "the exports app is not on main"}
    from weasyprint import CSS, HTML
    from weasyprint.text.fonts import FontConfiguration

    from trustcenter.core.company import load_company
    from trustcenter.policies.models import Policy

    def weasyprint_alone(html: str) -> bytes:
        # The same HTML, base URL, fetcher, fonts and PDF options the app uses; nothing else.
        fetcher = render.ExportURLFetcher()
        fonts_config = FontConfiguration()
        fonts = CSS(
            string=render.fonts_css(), base_url=render.base_url(), url_fetcher=fetcher, font_config=fonts_config
        )
        brand = CSS(string=f":root {{ --brand: {load_company().primary_color}; }}", font_config=fonts_config)
        return HTML(string=html, base_url=render.base_url(), url_fetcher=fetcher).write_pdf(
            pdf_variant=render.PDF_VARIANT, pdf_tags=True, stylesheets=[fonts, brand], font_config=fonts_config
        )

    policy = Policy.objects.public().select_related("current_version").get(slug="data-protection")
    version = policy.current_version
    version.policy = policy
    out: dict = {"available": True}
    # A day no earlier run used: nothing cached, a real cold render through the app's path.
    base_day = datetime.date(2000, 1, 1) + datetime.timedelta(days=secrets.randbelow(3000))
    cold, cached, alone = [], [], []
    for run in range(2):
        day = base_day + datetime.timedelta(days=run)
        wall, cpu, exported = _timed(lambda day=day: services.policy_export(version=version, day=day))
        assert exported.rendered, "the cold export came from storage"
        cold.append((wall, cpu))
        wall, cpu, again = _timed(lambda day=day: services.policy_export(version=version, day=day))
        assert not again.rendered and again.data == exported.data
        cached.append((wall, cpu))
        html = render.policy_html(version, day=day)
        wall, cpu, _ = _timed(lambda html=html: weasyprint_alone(html))
        alone.append((wall, cpu))
    out["policy"] = {
        "cold": [min(x) for x in zip(*cold, strict=True)],
        "cached": [min(x) for x in zip(*cached, strict=True)],
        "weasyprint": [min(x) for x in zip(*alone, strict=True)],
        "kb": len(exported.data) // 1024,
    }
    bundle = getattr(services, "bundle_export", None)
    from django.template import TemplateDoesNotExist
    from django.template.loader import get_template

    try:
        get_template("exports/bundle.html")
    except TemplateDoesNotExist:
        out["bundle_missing"] = "the bundle (exports/bundle.html) is not on main"
        return out
    if hasattr(render, "bundle_html"):
        versions = render.bundle_versions()
        cold, cached, alone = [], [], []
        for run in range(2):
            day = base_day + datetime.timedelta(days=10 + run)
            if bundle is not None:
                wall, cpu, exported = _timed(lambda day=day: bundle(day=day))
                cold.append((wall, cpu))
                wall, cpu, _ = _timed(lambda day=day: bundle(day=day))
                cached.append((wall, cpu))
                pdf_bytes = exported.data
            else:
                wall, cpu, pdf_bytes = _timed(
                    lambda day=day: render.render_pdf(render.bundle_html(versions, day=day), identifier=str(day))
                )
                cold.append((wall, cpu))
            html = render.bundle_html(versions, day=day)
            wall, cpu, _ = _timed(lambda html=html: weasyprint_alone(html))
            alone.append((wall, cpu))
        out["bundle"] = {
            "cold": [min(x) for x in zip(*cold, strict=True)],
            "weasyprint": [min(x) for x in zip(*alone, strict=True)],
            "kb": len(pdf_bytes) // 1024,
            "via": "services.bundle_export" if bundle is not None else "render.render_pdf(render.bundle_html(...))",
        }
        if cached:
            out["bundle"]["cached"] = [min(x) for x in zip(*cached, strict=True)]
    return out


def run_inner(env: dict, name: str, timeout: int = 900) -> dict:
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(Path(__file__)), "--inner", name],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if result.returncode != 0:
        return {"error": (result.stderr or result.stdout)[-2000:]}
    return json.loads(result.stdout.strip().splitlines()[-1])


# --- publishing 500 pages --------------------------------------------------------------------

_SECTION = """## {title}

{sentence} {sentence}

- Owners review the controls in this section at least once a year.
- Exceptions are approved by the security team, recorded and time-limited.
- Evidence is kept for three years and shown to auditors on request.

| control | frequency | evidence |
|---|---|---|
| access review | quarterly | signed review record |
| backup restore test | monthly | restore log |

"""


def generate_content(target: Path, count: int) -> None:
    (target / "policies").mkdir(parents=True)
    shutil.copy(ROOT / "content" / "company.yaml", target / "company.yaml")
    if (ROOT / "content" / "nda.md").exists():
        shutil.copy(ROOT / "content" / "nda.md", target / "nda.md")
    company = (ROOT / "content" / "company.yaml").read_text()
    categories = re.findall(r"^\s+- slug: ([a-z0-9-]+)", company, re.MULTILINE)
    for n in range(count):
        sentence = f"Policy {n} sets out how Kestrel protects customer data with encryption, logging and reviews."
        body = "".join(_SECTION.format(title=f"Section {s}", sentence=sentence) for s in range(1, 7))
        (target / "policies" / f"generated-policy-{n:03d}.md").write_text(
            f"---\ntitle: Generated policy {n}\ncategory: {categories[n % len(categories)]}\n"
            f"summary: Generated policy number {n} for the publishing benchmark.\nversion: 1\n"
            f"effective: 2026-01-01\nreviewed: 2026-02-01\nowner: Benchmark\nvisibility: public\n---\n{body}"
        )


def measure_publish(env: dict, count: int = 500) -> dict:
    folder = WORK / "publish"
    shutil.rmtree(folder, ignore_errors=True)
    content = folder / "content"
    generate_content(content, count)
    env = {**env, "VAR_DIR": str(folder / "var"), "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}"}
    manage(env, "migrate", "--noinput")
    results = {}
    for label in ("first", "again"):
        started = time.perf_counter()
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", "publish", str(content)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - started
        out = proc.stdout.read().decode()
        err = proc.stderr.read().decode()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"publish failed:\n{out}\n{err}")
        results[label] = {
            "seconds": elapsed,
            "cpu_seconds": usage.ru_utime + usage.ru_stime,
            "peak_mb": usage.ru_maxrss / 1024,
            "summary": out.strip().splitlines()[-1],
        }
    return results


# --- the run ---------------------------------------------------------------------------------


def prepare(env: dict) -> None:
    log("migrating, publishing content/, creating demo users, collecting static files")
    manage(env, "migrate", "--noinput")
    manage(env, "publish")
    manage(env, "demo_setup")
    commands = manage(env, "help", "--commands").split()
    for command in ("demo_documents", "demo_access"):
        if command in commands:
            manage(env, command)
    manage(env, "collectstatic", "--noinput")


def capture(app: Gunicorn, download: dict) -> dict[str, bytes]:
    """The bytes each measured URL serves, checked, for the ceiling view and nginx."""
    bodies = {}
    if download.get("available"):
        status, headers, body = fetch(app.url + download["path"], {"Cookie": download["cookie"]})
        if status == 200 and headers.get("Content-Type", "").startswith("application/pdf"):
            bodies["download.pdf"] = body
        else:
            download.update(available=False, why=f"the download answered {status} {headers.get('Content-Type')}")
    for _label, name, path in PAGES:
        status, headers, body = fetch(app.url + path)
        if status != 200 or not headers.get("Content-Type", "").startswith("text/html"):
            raise SystemExit(f"{path} answered {status} {headers.get('Content-Type')}; fix that before benchmarking")
        bodies[f"{name}.html"] = body
    status, headers, body = fetch(app.url + PDF_URL)
    if status == 200 and headers.get("Content-Type", "").startswith("application/pdf"):
        bodies["policy.pdf"] = body
    return bodies


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS", "3")))
    parser.add_argument("--duration", default="10s", help="wrk duration per measurement (default 10s)")
    parser.add_argument("--inner", help=argparse.SUPPRESS)
    parser.add_argument(
        "--finish", action="store_true", help="only the steps after the load tests, from var/bench of the last run"
    )
    args = parser.parse_args()
    if args.inner:
        print(json.dumps(inner(args.inner)))
        return 0
    if args.finish:
        env, _ = bench_env(reset=False)
        return finish(env, Gunicorn(env))
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is not installed; run `make bench` (it installs wrk and nginx with apt-get)")

    started_at = datetime.datetime.now(datetime.UTC)
    load_before = load_average()
    if WORK.exists():
        shutil.rmtree(WORK)
    (WORK / "bytes").mkdir(parents=True)
    (WORK / "var").mkdir()
    env, about = bench_env()
    prepare(env)

    download = run_inner(env, "download")
    app = Gunicorn(env)
    app.start()
    try:
        bodies = capture(app, download)
    finally:
        app.stop()
    for name, body in bodies.items():
        (WORK / "bytes" / name).write_bytes(body)
    # The same bytes as static files: for nginx, and (the PDF) for WhiteNoise inside the app.
    html_root = WORK / "html"
    shutil.copytree(WORK / "bytes", html_root)
    static_root = WORK / "var" / "static" / "bench"
    static_root.mkdir(parents=True, exist_ok=True)
    if "policy.pdf" in bodies:
        (static_root / "policy.pdf").write_bytes(bodies["policy.pdf"])
    log("exporting the static site")
    manage(env, "export_static", str(WORK / "export"), "--base-url", "https://127.0.0.1")

    nginx = Nginx({"html": html_root, "export": WORK / "export"})
    app = Gunicorn(env)
    app.start()
    nginx.start()
    rows = []
    try:
        workers = app.workers()
        targets = []
        for label, name, path in PAGES:
            targets.append(
                (
                    label,
                    {
                        "app": app.url + path,
                        "ceiling": f"{app.url}/__bench__/bytes/{name}.html",
                        "nginx": f"{nginx.url('html')}/{name}.html",
                    },
                )
            )
        if "policy.pdf" in bodies:
            targets.append(
                (
                    "cached PDF",
                    {
                        "app": app.url + PDF_URL,
                        "ceiling": f"{app.url}/__bench__/bytes/policy.pdf",
                        "whitenoise": f"{app.url}/static/bench/policy.pdf",
                        "nginx": f"{nginx.url('html')}/policy.pdf",
                    },
                )
            )
        if "download.pdf" in bodies:
            targets.append(
                (
                    "watermarked download",
                    {
                        "app": app.url + download["path"],
                        "ceiling": f"{app.url}/__bench__/bytes/download.pdf",
                        "nginx": f"{nginx.url('html')}/download.pdf",
                    },
                )
            )
        targets.append(
            (
                "static export (nginx)",
                {"export": f"{nginx.url('export')}/", "nginx": f"{nginx.url('html')}/overview.html"},
            )
        )
        signed_in = {"Cookie": download["cookie"]} if download.get("available") else {}

        def headers_for(label: str, kind: str) -> dict:
            return signed_in if label == "watermarked download" and kind == "app" else {}

        for label, urls in targets:
            for kind, url in urls.items():
                status = fetch(url, headers_for(label, kind))[0]
                if status != 200:
                    raise SystemExit(f"{kind} {url} answered {status}")
                wrk(url, "2s", headers_for(label, kind))  # warm up: caches filled in every worker
        results = {label: {kind: [] for kind in urls} for label, urls in targets}
        for round_number in range(1, args.rounds + 1):
            for label, urls in targets:
                for kind, url in urls.items():
                    log(f"round {round_number}/{args.rounds}: {label}: {kind}")
                    results[label][kind].append(wrk(url, args.duration, headers_for(label, kind)))
        for label, urls in targets:
            rows.append((label, {kind: median_result(results[label][kind]) for kind in urls}))
        (WORK / "wrk-raw.json").write_text(json.dumps(results, indent=1))
        meta = {
            "started_at": started_at.isoformat(),
            "about": about,
            "workers": workers,
            "load_before": load_before,
            "download": download,
            "rounds": args.rounds,
            "duration": args.duration,
            "order": [[label, list(urls)] for label, urls in targets],
        }
        (WORK / "meta.json").write_text(json.dumps(meta, indent=1))
    finally:
        nginx.stop()
        app.stop()
    return finish(env, app)


def finish(env: dict, app: "Gunicorn") -> int:
    """The measurements without servers, and the report (also `--finish` after a run that stopped here)."""
    meta = json.loads((WORK / "meta.json").read_text())
    results = json.loads((WORK / "wrk-raw.json").read_text())
    rows = [(label, {kind: median_result(results[label][kind]) for kind in kinds}) for label, kinds in meta["order"]]
    started_at = datetime.datetime.fromisoformat(meta["started_at"])
    about, workers, load_before, download = meta["about"], meta["workers"], meta["load_before"], meta["download"]

    log("watermarking a 100-page PDF")
    watermark = run_inner(env, "watermark")
    log("PDF rendering")
    pdf = run_inner(env, "pdf")
    log("publishing 500 generated pages")
    publish = measure_publish(env)
    questionnaire = run_questionnaire()
    load_after = load_average()
    write_results(
        started_at=started_at,
        about=about,
        app=app,
        workers=workers,
        rounds=meta["rounds"],
        duration=meta["duration"],
        rows=rows,
        watermark=watermark,
        pdf=pdf,
        publish=publish,
        questionnaire=questionnaire,
        load=(load_before, load_after),
        download=download,
    )
    log(f"wrote {RESULTS.relative_to(ROOT)}")
    return 0


def run_questionnaire() -> dict:
    script = ROOT / "bench" / "questionnaire" / "run.py"
    if not script.exists():
        return {"available": False}
    log("questionnaire benchmark")
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(script)], cwd=ROOT, capture_output=True, text=True, timeout=900, env={**os.environ}
    )
    return {"available": True, "ok": result.returncode == 0, "output": (result.stdout or result.stderr)[-3000:]}


# --- the report ------------------------------------------------------------------------------


def _ratio(a: float, b: float) -> str:
    return f"{a / b:.2f}x" if b else "n/a"


def _load_remark(load: str, cpus: int) -> str:
    """Whether the run had the machine to itself, judged from the 1-minute load average before it."""
    try:
        busy = float(load.split()[0]) > cpus * 0.75  # the last minute of earlier work decays slowly
    except (ValueError, IndexError):
        return ""
    if busy:
        return (
            "Other work was running: absolute numbers are noisy and low; the ratios compare runs made "
            "minutes apart under the same load, alternating, and are the figures to read."
        )
    return "Nothing else was running (the load before is this script's own set-up)."


def _holds(ok: bool) -> str:
    return "**holds**" if ok else "**misses**"


def write_results(
    *, started_at, about, app, workers, rounds, duration, rows, watermark, pdf, publish, questionnaire, load, download
):
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) on {started_at:%Y-%m-%d %H:%M} UTC at commit `{git_commit()}`.",
        "",
        "## Conditions",
        "",
        f"- Machine: {os.cpu_count()} CPUs ({cpu_model()}); load average {load[0]} before and {load[1]} after "
        "(1, 5, 15 min). " + _load_remark(load[0], os.cpu_count() or 1),
        f"- App: gunicorn, {app.config} ({app.settings()}), {workers} workers running; `DEBUG=0`, "
        "production settings "
        f"(`bench/settings.py` adds only the ceiling URL), `BEHIND_TLS_PROXY=1` and wrk sending "
        "`X-Forwarded-Proto: https` as the TLS proxy would. Search, PDF and download rate limits raised "
        "for the run (wrk is one IP address); everything else as in production.",
        f"- Database: {about['database']}. Cache: {about['cache']}.",
        f"- Load: `wrk -t2 -c32 -d{duration} --latency` on loopback; {rounds} rounds, each round measuring "
        "every URL once in turn; the tables give the median of the rounds (req/s of each round in the last column).",
        "- nginx 1.22 (Debian), `worker_processes auto`, sendfile, no access log, keep-alive; gunicorn's "
        "sync workers close the connection after each response (as in production).",
        "",
    ]
    targets = []
    empty = sum(m.get("empty_rounds", 0) for _, result in rows for m in result.values())
    if empty:
        lines += [
            f"**{empty} measurement(s) completed no request in {duration}** (0 in the rounds column) and are left "
            "out of the medians: no worker was serving (see var/bench/gunicorn.log for worker boots). The ratios "
            "below rest on the remaining rounds and are only indicative.",
            "",
        ]
    table = [
        "## Pages under load",
        "",
        "| page | app req/s | p50 ms | p99 ms | ceiling req/s | app / ceiling | nginx req/s | app / nginx "
        "| rounds (app req/s) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, result in rows:
        if "app" not in result:
            continue
        a, c, n = result["app"], result["ceiling"], result["nginx"]
        bad = f" ({a['non2xx']} non-2xx!)" if a["non2xx"] else ""
        table.append(
            f"| {label}{bad} | {a['rps']:.0f} | {a['p50']:.1f} | {a['p99']:.1f} | {c['rps']:.0f} | "
            f"{_ratio(a['rps'], c['rps'])} | {n['rps']:.0f} | {_ratio(a['rps'], n['rps'])} | "
            f"{', '.join(map(str, a['rounds']))} |"
        )
        if label == "watermarked download":
            targets.append(
                (
                    "watermarked download (no target; signed in, stamped per request, audited)",
                    f"{a['rps']:.0f} req/s, p99 {a['p99']:.0f} ms, {_ratio(a['rps'], c['rps'])} of the ceiling",
                    None,
                )
            )
        elif label == "cached PDF":
            w = result["whitenoise"]
            table.append(
                f"| same PDF as a static file via WhiteNoise | {w['rps']:.0f} | {w['p50']:.1f} | {w['p99']:.1f} "
                "| | | | | "
                f"{', '.join(map(str, w['rounds']))} |"
            )
            targets.append(
                (
                    "cached PDF >= 0.8x a static file served by WhiteNoise",
                    f"{_ratio(a['rps'], w['rps'])} ({a['rps']:.0f} vs {w['rps']:.0f} req/s)",
                    a["rps"] >= 0.8 * w["rps"],
                )
            )
        else:
            targets.append(
                (
                    f"{label}: >= 0.8x the framework ceiling, p99 <= 50 ms",
                    f"{_ratio(a['rps'], c['rps'])}, p99 {a['p99']:.1f} ms",
                    a["rps"] >= 0.8 * c["rps"] and a["p99"] <= 50,
                )
            )
    if not any(label == "cached PDF" for label, _ in rows):
        targets.append(
            ("cached PDF >= 0.8x a static file served by WhiteNoise", "not measured: no PDF export on main", None)
        )
    if not any(label == "watermarked download" for label, _ in rows):
        why = download.get("why", "no watermarked download on main")
        targets.append(("watermarked download", f"not measured: {why}", None))
    for _label, result in rows:
        if "export" in result:
            e, n = result["export"], result["nginx"]
            table += [
                "",
                "Static export (`manage.py export_static`) served by nginx against plain nginx serving "
                "the app's own HTML:",
                "",
                "| | req/s | p50 ms | p99 ms |",
                "|---|---|---|---|",
                f"| export's `index.html` | {e['rps']:.0f} | {e['p50']:.2f} | {e['p99']:.2f} |",
                f"| app's `/` as a file | {n['rps']:.0f} | {n['p50']:.2f} | {n['p99']:.2f} |",
                f"| ratio | {_ratio(e['rps'], n['rps'])} | | |",
            ]
            targets.append(("static export served by nginx vs plain nginx", _ratio(e["rps"], n["rps"]), None))

    other = ["", "## Rendering, watermarking, publishing", ""]
    if "times" in watermark:
        wall, cpu = statistics.median(watermark["times"]), statistics.median(watermark["cpu"])
        other.append(
            f"- Watermarking a 100-page PDF ({watermark['size_kb']} KB, made with WeasyPrint) "
            "with `trustcenter/watermark.py`, new recipient lines each run so the stamp is drawn each time: "
            f"{', '.join(f'{t:.2f}' for t in watermark['times'])} s wall "
            f"(median {wall:.2f} s; CPU time {cpu:.2f} s)."
        )
        targets.append(("watermark 100 pages < 1 s", f"{wall:.2f} s (CPU {cpu:.2f} s)", wall < 1))
    else:
        other.append(f"- Watermarking failed: `{watermark.get('error', '')[-300:]}`")
    first, again = publish["first"], publish["again"]
    other.append(
        "- Publishing 500 generated policies (6 sections, lists and a table each) into an empty SQLite database "
        f"with `manage.py publish`: {first['seconds']:.1f} s wall, {first['cpu_seconds']:.1f} s of CPU time "
        f"(process start and Django set-up included), peak memory {first['peak_mb']:.0f} MB (the whole process); "
        f"the same folder again (nothing to do): {again['seconds']:.1f} s. Output: `{first['summary']}`. "
        "Where wall time is far above CPU time, the process was waiting for a core."
    )
    targets.append(
        (
            "publish 500 pages < 15 s",
            f"{first['seconds']:.1f} s wall, {first['cpu_seconds']:.1f} s CPU, {first['peak_mb']:.0f} MB peak",
            first["seconds"] < 15,
        )
    )
    if pdf.get("available") and "policy" in pdf:
        for key, label in (("policy", "one policy (data-protection)"), ("bundle", "the whole trust center")):
            if key not in pdf:
                continue
            item = pdf[key]
            (cold, cold_cpu), (alone, alone_cpu) = item["cold"], item["weasyprint"]
            cached = item.get("cached")
            cached_text = f"cached {cached[0] * 1000:.0f} ms; " if cached else ""
            other.append(
                f"- PDF of {label} ({item['kb']} KB): cold {cold:.2f} s wall / {cold_cpu:.2f} s CPU; {cached_text}"
                f"WeasyPrint alone on the same HTML with the same options {alone:.2f} s wall / {alone_cpu:.2f} s CPU: "
                f"{_ratio(cold, alone)} wall, {_ratio(cold_cpu, alone_cpu)} CPU (best of 2)."
                + (f" Rendered through `{item['via']}`." if "via" in item else "")
            )
            if key == "bundle":
                targets.append(
                    (
                        "bundle cold render <= 1.2x WeasyPrint alone",
                        f"{_ratio(cold, alone)} wall, {_ratio(cold_cpu, alone_cpu)} CPU",
                        cold <= 1.2 * alone,
                    )
                )
            else:
                targets.append(
                    (
                        "(one policy) cold render vs WeasyPrint alone",
                        f"{_ratio(cold, alone)} wall, {_ratio(cold_cpu, alone_cpu)} CPU",
                        None,
                    )
                )
        if "bundle" not in pdf:
            why = pdf.get("bundle_missing", "no bundle on main")
            targets.append(("bundle cold render <= 1.2x WeasyPrint alone", f"not measured: {why}", None))
    else:
        why = pdf.get("why") or pdf.get("error", "")[-300:] or "the exports app is not on main"
        other.append(f"- PDF cold/cached render against WeasyPrint alone: not measured, {why}.")
        targets.append(("bundle cold render <= 1.2x WeasyPrint alone", "not measured", None))
    if questionnaire.get("available"):
        other += [
            "",
            "## Questionnaire benchmark",
            "",
            "`bench/questionnaire/run.py` (see bench/questionnaire/README.md), output of this run:",
            "",
            "```",
            textwrap.dedent(questionnaire["output"]).strip(),
            "```",
        ]
    else:
        other.append("- Questionnaire benchmark: bench/questionnaire/ is not on main.")

    summary = ["## Targets", "", "| target | measured | |", "|---|---|---|"]
    for label, measured, ok in targets:
        summary.append(f"| {label} | {measured} | {'' if ok is None else _holds(ok)} |")
    RESULTS.write_text("\n".join(lines + summary + [""] + table + other) + "\n")


if __name__ == "__main__":
    sys.exit(main())
