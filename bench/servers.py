"""The servers a benchmark runs: gunicorn as configured for production, and nginx, either
serving files or in front of the app with the micro-cache shipped in deploy/nginx.conf."""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench.common import ROOT, WORK, fetch, free_port, reachable

DEPLOY_NGINX = ROOT / "deploy" / "nginx.conf"


class Gunicorn:
    """gunicorn with the repository's gunicorn.conf.py, serving `app` (the trust center by default)."""

    def __init__(self, env: dict, app: str = "trustcenter.wsgi:application", name: str = "gunicorn"):
        self.env = env
        self.app = app
        self.name = name
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
        self.args += ["--bind", f"127.0.0.1:{self.port}", app]
        self.url = f"http://127.0.0.1:{self.port}"
        self.ready_path = "/healthz" if app.startswith("trustcenter.") else "/"

    def start(self) -> None:
        logfile = open(WORK / f"{self.name}.log", "ab")  # noqa: SIM115 - closed with the process
        env = {**self.env, "GUNICORN_BIND": f"127.0.0.1:{self.port}"}
        self.proc = subprocess.Popen(self.args, cwd=ROOT, env=env, stdout=logfile, stderr=logfile)  # noqa: S603
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"gunicorn exited; see {WORK / (self.name + '.log')}")
            try:
                if fetch(self.url + self.ready_path)[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise SystemExit(f"gunicorn did not answer {self.ready_path} within 60 s")

    def settings(self) -> str:
        """The effective gunicorn settings that shape throughput, as gunicorn itself reports them."""
        args = [a for a in self.args if a != self.app]
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


def microcache(cache_dir: Path) -> tuple[str, str]:
    """The micro-cache directives of deploy/nginx.conf (its http part and its location part),
    exactly as shipped but for the cache folder."""
    text = DEPLOY_NGINX.read_text()
    parts = []
    for where in ("http", "location"):
        match = re.search(rf"# BEGIN micro-cache \({where}\)[^\n]*\n(.*?)# END micro-cache \({where}\)", text, re.S)
        if match is None:
            raise SystemExit(f"deploy/nginx.conf has no '# BEGIN micro-cache ({where})' ... '# END' block")
        parts.append(match.group(1))
    http = re.sub(r"proxy_cache_path \S+", f"proxy_cache_path {cache_dir}", parts[0], count=1)
    return http, parts[1]


class Nginx:
    """nginx in the foreground with its own configuration under `folder`. `files`: name -> folder
    served as static files; `proxies`: name -> upstream URL, behind the shipped micro-cache."""

    def __init__(self, folder: Path, files: dict[str, Path] | None = None, proxies: dict[str, str] | None = None):
        self.dir = folder
        self.dir.mkdir(parents=True, exist_ok=True)
        files, proxies = files or {}, proxies or {}
        self.ports = {name: free_port() for name in [*files, *proxies]}
        blocks = [
            f"  server {{ listen 127.0.0.1:{self.ports[name]}; root {root}; index index.html; gzip_static on; }}"
            for name, root in files.items()
        ]
        http_cache, location_cache = microcache(self.dir / "cache")
        for name, upstream in proxies.items():
            blocks.append(
                f"""  server {{
    listen 127.0.0.1:{self.ports[name]};
    location / {{
      proxy_pass {upstream};
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $remote_addr;
      # As the TLS proxy in front would say.
      proxy_set_header X-Forwarded-Proto https;
{location_cache}
    }}
  }}"""
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
{http_cache if proxies else ""}
{chr(10).join(blocks)}
}}
"""
        )
        self.proc = None

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.ports[name]}"

    def start(self) -> None:
        self.proc = subprocess.Popen(  # noqa: S603
            [self.binary(), "-c", str(self.dir / "nginx.conf"), "-p", str(self.dir)],
            stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "stderr.log", "ab"),  # noqa: SIM115
        )
        for _ in range(100):
            if all(reachable(port) for port in self.ports.values()):
                return
            if self.proc.poll() is not None:
                raise SystemExit(f"nginx exited; see {self.dir / 'error.log'} and {self.dir / 'stderr.log'}")
            time.sleep(0.1)
        raise SystemExit("nginx did not start")

    @staticmethod
    def binary() -> str:
        return "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "nginx"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
