"""`make scan`: serve the app over TLS on loopback and grade it like an outside scanner would.

1. Picks a free loopback address 127.a.b.c (ports 80 and 443 there; the Observatory always
   uses the default ports) and makes a throw-away self-signed certificate for it.
2. Prepares a fresh production-mode site in a temporary folder (DEBUG off, migrate,
   collectstatic, publish the demo content) and starts two gunicorn servers: HTTPS on 443
   (TLS settings in gunicorn_tls.py) and plain HTTP on 80, where Django redirects to HTTPS.
3. Runs the MDN HTTP Observatory (npm, installed by `make scan` with --ignore-scripts),
   trusting only this certificate, and requires grade A+ (score >= 100).
4. Runs sslscan on the same port and fails on any protocol below TLS 1.2, any cipher that
   is not a forward-secret AEAD suite or is under 128 bits, compression, insecure
   renegotiation, Heartbleed or a weak certificate key or signature.
5. Checks over real HTTP that errors show the site's pages and no traceback.

Needs root (or CAP_NET_BIND_SERVICE) for ports 80/443, openssl, sslscan and Node >= 20.
Prints a summary and exits non-zero on any failure.
"""

import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from xml.etree import ElementTree  # noqa: S405 - parses sslscan's output from this machine, not untrusted input

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
OBSERVATORY = HERE / "node_modules" / "@mdn" / "mdn-http-observatory"
REPORTS = ROOT / "var" / "scan"  # the raw Observatory JSON and sslscan XML of the last run
MIN_SCORE = 100
# Key-exchange groups must give at least 112 bits of security (NIST SP 800-57: ffdhe2048, like RSA-2048).
MIN_GROUP_BITS = 112
WEAK_CIPHER_RE = re.compile(r"NULL|EXP|RC4|DES|MD5|anon|ADH|AECDH|PSK|SRP|CBC|IDEA|SEED|CAMELLIA|ARIA", re.I)
OLD_PROTOCOLS = {"SSLv2", "SSLv3", "TLSv1.0", "TLSv1.1"}


def tool(name: str) -> str:
    """The full path of a program, so a process is never started from a name looked up later."""
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} is missing: run `make scan`, which installs it, or install it yourself")
    return path


def log(message: str) -> None:
    print(f"[scan] {message}", flush=True)


def free_loopback_address() -> str:
    for _ in range(50):
        address = f"127.{random.randint(1, 254)}.{random.randint(1, 254)}.{random.randint(1, 254)}"  # noqa: S311 - not crypto
        try:
            for port in (80, 443):
                with socket.socket() as probe:
                    probe.bind((address, port))
        except PermissionError:
            sys.exit("make scan needs root (or CAP_NET_BIND_SERVICE): the Observatory only scans ports 80 and 443.")
        except OSError:
            continue
        return address
    sys.exit("no free loopback address for ports 80/443")


def make_certificate(folder: Path, address: str) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(  # noqa: S603 - fixed arguments
        [
            tool("openssl"),
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-sha256",
            "-days",
            "2",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-subj",
            f"/CN={address}",
            "-addext",
            f"subjectAltName=IP:{address}",
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return cert, key


def site_environment(folder: Path, address: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DEBUG"))}
    env.update(
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS=address,
        VAR_DIR=str(folder / "var"),
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        SITE_URL=f"https://{address}",
        DJANGO_SETTINGS_MODULE="trustcenter.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True)  # noqa: S603 - our own manage.py


def start_servers(env, address, cert, key, folder) -> list[subprocess.Popen]:
    gunicorn = [
        sys.executable,
        "-m",
        "gunicorn",
        "trustcenter.wsgi:application",
        "--workers",
        "2",
        "--chdir",
        str(ROOT),
    ]
    logs = folder / "gunicorn.log"
    out = logs.open("ab")
    https = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*gunicorn, "--bind", f"{address}:443", "--config", str(HERE / "gunicorn_tls.py"),
         "--certfile", str(cert), "--keyfile", str(key)],  # fmt: skip
        env=env, stdout=out, stderr=out, start_new_session=True,
    )  # fmt: skip
    http = subprocess.Popen(  # noqa: S603 - fixed arguments
        [*gunicorn, "--bind", f"{address}:80"], env=env, stdout=out, stderr=out, start_new_session=True
    )
    servers = [https, http]
    context = ssl.create_default_context(cafile=str(cert))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"https://{address}/healthz", context=context, timeout=5)  # noqa: S310 - https only
            socket.create_connection((address, 80), timeout=5).close()
            return servers
        except (OSError, urllib.error.URLError):
            if any(s.poll() is not None for s in servers):
                break
            time.sleep(0.5)
    stop(servers)
    sys.exit(f"the servers did not start; see {logs}:\n{logs.read_text()[-3000:]}")


def stop(servers: list[subprocess.Popen]) -> None:
    for server in servers:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
    for server in servers:
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


def run_observatory(address: str, cert: Path) -> tuple[list[str], dict]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(cert)}
    result = subprocess.run(  # noqa: S603 - fixed arguments
        [tool("node"), str(OBSERVATORY / "src" / "scan.js"), address],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    (REPORTS / "observatory.json").write_text(result.stdout)
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        return [
            f"Observatory gave no JSON (exit {result.returncode}): {result.stdout[-500:]} {result.stderr[-1500:]}"
        ], {}
    if "error" in report:
        return [f"Observatory error: {report['error']}"], report
    scan = report["scan"]
    log(
        f"Observatory: grade {scan['grade']}, score {scan['score']}, "
        f"{scan['testsPassed']}/{scan['testsQuantity']} tests passed"
    )
    for name, test in sorted(report["tests"].items()):
        mark = "pass" if test["pass"] else "FAIL"
        log(f"  {mark} {name:32} {test['result']} ({test['scoreModifier']:+d})")
    failures = []
    if scan["score"] < MIN_SCORE or scan["grade"] != "A+":
        failures.append(f"Observatory grade {scan['grade']} / score {scan['score']}; A+ (>= {MIN_SCORE}) is required")
    failures += [
        f"Observatory test {name} failed: {t['result']}" for name, t in report["tests"].items() if not t["pass"]
    ]
    return failures, report


def run_sslscan(address: str, folder: Path) -> tuple[list[str], list[str]]:
    xml_path = REPORTS / "sslscan.xml"
    subprocess.run(  # noqa: S603 - fixed arguments
        [tool("sslscan"), "--no-colour", f"--xml={xml_path}", f"{address}:443"],
        capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    return judge_sslscan(xml_path.read_text())


def forward_secret_aead(version: str, name: str) -> bool:
    """TLS 1.3 suites all are; in TLS 1.2 only (EC)DHE key exchange with GCM or ChaCha20-Poly1305.

    OpenSSL names CBC suites without saying so (ECDHE-RSA-AES256-SHA384), hence an allowlist.
    """
    if version == "TLSv1.3":
        return name.startswith("TLS_") and not name.endswith("CCM_8_SHA256")
    return name.startswith(("ECDHE-", "DHE-")) and ("-GCM-" in name or "CHACHA20-POLY1305" in name)


def judge_sslscan(xml_text: str) -> tuple[list[str], list[str]]:
    """Failures and a summary from sslscan's XML report."""
    test = ElementTree.fromstring(xml_text).find("ssltest")  # noqa: S314 - sslscan's own output
    failures, summary = [], []
    enabled = []
    for protocol in test.findall("protocol"):
        name = f"{'SSL' if protocol.get('type') == 'ssl' else 'TLS'}v{protocol.get('version')}"
        if protocol.get("enabled") == "1":
            enabled.append(name)
            if name in OLD_PROTOCOLS:
                failures.append(f"{name} is enabled")
    summary.append(f"protocols enabled: {', '.join(enabled) or 'none'}")
    for cipher in test.findall("cipher"):
        name, bits, version = cipher.get("cipher"), int(cipher.get("bits")), cipher.get("sslversion")
        strength = cipher.get("strength", "")
        summary.append(f"cipher {version} {name} {bits} bits {strength}".rstrip())
        weak = bits < 128 or WEAK_CIPHER_RE.search(name) or strength in {"null", "anonymous", "weak", "medium"}
        if weak or not forward_secret_aead(version, name):
            failures.append(f"weak cipher accepted: {version} {name} ({bits} bits, {strength or 'no rating'})")
        if version in OLD_PROTOCOLS:
            failures.append(f"cipher on an old protocol: {version} {name}")
    if test.find("cipher") is None:
        failures.append("sslscan found no accepted cipher: the TLS listener did not answer")
    for node in test.findall("heartbleed"):
        if node.get("vulnerable") == "1":
            failures.append(f"Heartbleed on {node.get('sslversion')}")
    compression = test.find("compression")
    if compression is not None and compression.get("supported") == "1":
        failures.append("TLS compression is supported (CRIME)")
    renegotiation = test.find("renegotiation")
    if renegotiation is not None and renegotiation.get("supported") == "1" and renegotiation.get("secure") != "1":
        failures.append("insecure client-initiated renegotiation")
    for group in test.findall("group"):
        summary.append(f"key exchange group {group.get('sslversion')} {group.get('name')} {group.get('bits')} bits")
        if int(group.get("bits", "0")) < MIN_GROUP_BITS:
            failures.append(f"weak key exchange group {group.get('name')}")
    certificate = test.find("certificates/certificate")
    if certificate is not None:
        algorithm = (certificate.findtext("signature-algorithm") or "").strip()
        key = certificate.find("pk")
        key_type, key_bits = (key.get("type"), int(key.get("bits", "0"))) if key is not None else ("?", 0)
        summary.append(f"certificate: {key_type} {key_bits} bits, signed {algorithm}")
        if re.search(r"md5|sha1With", algorithm, re.I):
            failures.append(f"weak certificate signature {algorithm}")
        # sslscan gives RSA keys in modulus bits and EC keys in security bits (P-256 = 128).
        if (key_type == "RSA" and key_bits < 2048) or (key_type == "EC" and key_bits < 128):
            failures.append(f"weak certificate key {key_type} {key_bits}")
    return failures, summary


def check_error_pages(address: str, cert: Path) -> list[str]:
    context = ssl.create_default_context(cafile=str(cert))
    failures = []
    checks = [
        ("/no-such-page/", address, 404, "Page not found"),
        ("/", "evil.example", 400, "Bad request"),
    ]
    for path, host, status, text in checks:
        request = urllib.request.Request(f"https://{address}{path}", headers={"Host": host})  # noqa: S310 - https only
        try:
            urllib.request.urlopen(request, context=context, timeout=10)  # noqa: S310 - https only
            failures.append(f"{host}{path} answered 200, expected {status}")
            continue
        except urllib.error.HTTPError as error:
            code, body, headers = error.code, error.read().decode("utf-8", "replace"), error.headers
        if code != status or text not in body or "Traceback" in body:
            failures.append(f"{host}{path}: status {code}, expected {status} with the site's page and no traceback")
        for header in ("Content-Security-Policy", "Strict-Transport-Security", "X-Frame-Options", "Permissions-Policy"):
            if header not in headers:
                failures.append(f"{host}{path}: {status} response without {header}")
    if not failures:
        log("error pages: 404 and foreign-Host 400 show the site's pages, no traceback, full headers")
    return failures


def main() -> int:
    for name in ("openssl", "sslscan", "node"):
        tool(name)
    if not (OBSERVATORY / "conf" / "hsts-preload.json").exists():
        sys.exit("the Observatory is not installed: run `make scan`")
    address = free_loopback_address()
    REPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="tc-scan-") as tmp:
        folder = Path(tmp)
        cert, key = make_certificate(folder, address)
        env = site_environment(folder, address)
        log(f"preparing a production-mode site for https://{address}/ in {folder}")
        manage(env, "migrate", "--noinput")
        manage(env, "collectstatic", "--noinput")
        manage(env, "publish")
        servers = start_servers(env, address, cert, key, folder)
        try:
            failures, _ = run_observatory(address, cert)
            tls_failures, tls_summary = run_sslscan(address, folder)
            for line in tls_summary:
                log(f"sslscan: {line}")
            failures += tls_failures
            failures += check_error_pages(address, cert)
        finally:
            stop(servers)
    if failures:
        for failure in failures:
            log(f"FAILED: {failure}")
        return 1
    log("passed: Observatory A+, TLS 1.2/1.3 with forward-secret AEAD ciphers only, no traceback on errors")
    return 0


if __name__ == "__main__":
    sys.exit(main())
