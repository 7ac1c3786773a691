"""Pages under load, the four-way comparison: the app's cache hit, a bare WSGI app returning the
same bytes under the same gunicorn settings, nginx serving them as a file, and the app behind the
micro-cache shipped in deploy/nginx.conf. Also the cached PDF (against WhiteNoise), the
watermarked download (8 at a time) and the static export.

Rounds alternate between every server and URL, so a burst of load from elsewhere hits all of
them alike; the report gives the median of the rounds."""

import json
import shutil

from bench.common import WORK, Context, Section, fetch, log, manage, median_result, ratio, run_inner, wrk
from bench.servers import Gunicorn, Nginx

TITLE = "Pages under load"
PAGES = [
    ("`/` (overview)", "overview", "/"),
    ("policy page", "policy", "/policies/data-protection/"),
    ("search", "search", "/search/?q=encryption"),
]
PDF_URL = "/policies/data-protection/pdf/"
DOWNLOAD_CONNECTIONS = 8


def capture(app: Gunicorn, download: dict) -> dict[str, bytes]:
    """The bytes each measured URL serves, checked, for the bare app and nginx."""
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


def _targets(app: Gunicorn, bare: Gunicorn, nginx: Nginx, bodies: dict, download: dict) -> list:
    """(label, {kind: (url, headers, connections)}) in the order each round measures them."""
    targets = []
    for label, name, path in PAGES:
        targets.append(
            (
                label,
                {
                    "app": (app.url + path, {}, 32),
                    "bare": (f"{bare.url}/{name}.html", {}, 32),
                    "nginx": (f"{nginx.url('html')}/{name}.html", {}, 32),
                    "cached": (nginx.url("cached") + path, {}, 32),
                },
            )
        )
    if "policy.pdf" in bodies:
        targets.append(
            (
                "cached PDF",
                {
                    "app": (app.url + PDF_URL, {}, 32),
                    "bare": (f"{bare.url}/policy.pdf", {}, 32),
                    "whitenoise": (f"{app.url}/static/bench/policy.pdf", {}, 32),
                    "nginx": (f"{nginx.url('html')}/policy.pdf", {}, 32),
                },
            )
        )
    if "download.pdf" in bodies:
        cookie = {"Cookie": download["cookie"]}
        targets.append(("watermarked download", {"app": (app.url + download["path"], cookie, DOWNLOAD_CONNECTIONS)}))
    targets.append(
        (
            "static export (nginx)",
            {"export": (f"{nginx.url('export')}/", {}, 32), "nginx": (f"{nginx.url('html')}/overview.html", {}, 32)},
        )
    )
    return targets


def measure(ctx: Context) -> dict:
    download = run_inner(ctx.env, "bench.pdfs:inner_download")
    app = Gunicorn(ctx.env)
    app.start()
    try:
        bodies = capture(app, download)
    finally:
        app.stop()
    shutil.rmtree(WORK / "bytes", ignore_errors=True)
    (WORK / "bytes").mkdir(parents=True)
    for name, body in bodies.items():
        (WORK / "bytes" / name).write_bytes(body)
    # The same bytes as static files: for nginx, and (the PDF) for WhiteNoise inside the app.
    html_root = WORK / "html"
    shutil.rmtree(html_root, ignore_errors=True)
    shutil.copytree(WORK / "bytes", html_root)
    static_root = WORK / "var" / "static" / "bench"
    static_root.mkdir(parents=True, exist_ok=True)
    if "policy.pdf" in bodies:
        (static_root / "policy.pdf").write_bytes(bodies["policy.pdf"])
    log("exporting the static site")
    shutil.rmtree(WORK / "export", ignore_errors=True)
    manage(ctx.env, "export_static", str(WORK / "export"), "--base-url", "https://127.0.0.1")

    app = Gunicorn(ctx.env)
    bare = Gunicorn({**ctx.env, "BENCH_BYTES_DIR": str(WORK / "bytes")}, "bench.bare:application", "bare")
    nginx = Nginx(WORK / "nginx", files={"html": html_root, "export": WORK / "export"}, proxies={"cached": app.url})
    servers = [app, bare, nginx]
    try:
        for server in servers:
            server.start()
        targets = _targets(app, bare, nginx, bodies, download)
        for label, urls in targets:
            for kind, (url, headers, connections) in urls.items():
                status = fetch(url, headers)[0]
                if status != 200:
                    raise SystemExit(f"{label}: {kind} {url} answered {status}")
                wrk(url, "2s", headers, connections)  # warm up: caches filled in every worker
        results = {label: {kind: [] for kind in urls} for label, urls in targets}
        for round_number in range(1, ctx.rounds + 1):
            for label, urls in targets:
                for kind, (url, headers, connections) in urls.items():
                    log(f"round {round_number}/{ctx.rounds}: {label}: {kind}")
                    result = wrk(url, ctx.duration, headers, connections)
                    results[label][kind].append({k: v for k, v in result.items() if k != "raw"})
        (WORK / "wrk-raw.json").write_text(json.dumps(results, indent=1))
        return {
            "results": results,
            "order": [[label, list(urls)] for label, urls in targets],
            "workers": app.workers(),
            "gunicorn": f"{app.config} ({app.settings()})",
            "download": download,
            "duration": ctx.duration,
            "rounds": ctx.rounds,
        }
    finally:
        for server in reversed(servers):
            server.stop()


def report(result: dict) -> Section:
    section = Section()
    rows = [
        (label, {kind: median_result(result["results"][label][kind]) for kind in kinds})
        for label, kinds in result["order"]
    ]
    empty = sum(m["empty_rounds"] for _, measured in rows for m in measured.values())
    lines = section.lines
    lines += [
        f"gunicorn: {result['gunicorn']}, {result['workers']} workers running. `wrk -t2 -c32 -d{result['duration']} "
        f"--latency` on loopback ({DOWNLOAD_CONNECTIONS} connections for the download), {result['rounds']} rounds "
        "alternating between every server and URL; medians of the rounds. **bare WSGI**: `bench/bare.py`, five "
        "lines returning the same bytes under the same gunicorn settings. **nginx file**: the same bytes as a file. "
        "**micro-cache**: the app behind the micro-cache of deploy/nginx.conf.",
        "",
    ]
    if empty:
        lines += [
            f"**{empty} measurement(s) completed no request** and are left out of the medians (see "
            "var/bench/gunicorn.log).",
            "",
        ]
    lines += [
        "| page | app req/s | p50 ms | p99 ms | bare WSGI req/s | app / bare | nginx file req/s | micro-cache req/s "
        "| micro-cache p99 ms | micro-cache / nginx | rounds (app req/s) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for label, m in rows:
        if "app" not in m:
            continue
        a = m["app"]
        bad = f" ({a['non2xx']} non-2xx!)" if a["non2xx"] else ""
        b, n, c = m.get("bare"), m.get("nginx"), m.get("cached")
        cells = [
            f"{label}{bad}",
            f"{a['rps']:.0f}",
            f"{a['p50']:.1f}",
            f"{a['p99']:.1f}",
            f"{b['rps']:.0f}" if b else "",
            ratio(a["rps"], b["rps"]) if b else "",
            f"{n['rps']:.0f}" if n else "",
            f"{c['rps']:.0f}" if c else "",
            f"{c['p99']:.1f}" if c else "",
            ratio(c["rps"], n["rps"]) if c and n else "",
            ", ".join(map(str, a["rounds"])),
        ]
        lines.append("| " + " | ".join(cells) + " |")
        if label == "watermarked download":
            section.targets.append(
                (
                    f"watermarked 50-page download, {DOWNLOAD_CONNECTIONS} at a time: p99 < 500 ms",
                    f"{a['rps']:.0f} req/s, p50 {a['p50']:.0f} ms, p99 {a['p99']:.0f} ms",
                    a["p99"] < 500,
                )
            )
        elif label == "cached PDF":
            w = m["whitenoise"]
            lines.append(
                f"| same PDF as a static file via WhiteNoise | {w['rps']:.0f} | {w['p50']:.1f} | {w['p99']:.1f} "
                f"| | | | | | | {', '.join(map(str, w['rounds']))} |"
            )
            section.targets.append(
                (
                    "cached PDF >= 0.8x a static file served by WhiteNoise",
                    f"{ratio(a['rps'], w['rps'])} ({a['rps']:.0f} vs {w['rps']:.0f} req/s)",
                    a["rps"] >= 0.8 * w["rps"],
                )
            )
        else:
            section.targets.append(
                (
                    f"{label}: the app's cache hit >= 0.7x the bare WSGI app, p99 <= 50 ms",
                    f"{ratio(a['rps'], b['rps'])} ({a['rps']:.0f} vs {b['rps']:.0f} req/s), p99 {a['p99']:.1f} ms",
                    a["rps"] >= 0.7 * b["rps"] and a["p99"] <= 50,
                )
            )
            section.targets.append(
                (
                    f"{label}: behind the shipped nginx micro-cache >= 0.8x nginx serving the file",
                    f"{ratio(c['rps'], n['rps'])} ({c['rps']:.0f} vs {n['rps']:.0f} req/s), p99 {c['p99']:.1f} ms",
                    c["rps"] >= 0.8 * n["rps"],
                )
            )
    if not any(label == "watermarked download" for label, _ in rows):
        why = result["download"].get("why", "no watermarked download")
        section.targets.append(("watermarked download", f"not measured: {why}", None))
    for _label, m in rows:
        if "export" in m:
            e, n = m["export"], m["nginx"]
            lines += [
                "",
                "Static export (`manage.py export_static`) served by nginx against plain nginx serving the app's "
                "own HTML:",
                "",
                "| | req/s | p50 ms | p99 ms |",
                "|---|---|---|---|",
                f"| export's `index.html` | {e['rps']:.0f} | {e['p50']:.2f} | {e['p99']:.2f} |",
                f"| app's `/` as a file | {n['rps']:.0f} | {n['p50']:.2f} | {n['p99']:.2f} |",
                f"| ratio | {ratio(e['rps'], n['rps'])} | | |",
            ]
            section.targets.append(("static export served by nginx vs plain nginx", ratio(e["rps"], n["rps"]), None))
    return section
