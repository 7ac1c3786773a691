"""bench/RESULTS.md from the modules' results: the conditions of the run, one Targets table
gathered from every module, then each module's own section."""

import datetime

from bench.common import RESULTS, ROOT, cpu_count, cpu_model, git_commit


def load_remark(load: str, cpus: int) -> str:
    """Whether the run had the machine to itself, judged from the 1-minute load average before it."""
    try:
        busy = float(load.split()[0]) > cpus * 0.75  # the last minute of earlier work decays slowly
    except (ValueError, IndexError):
        return ""
    if busy:
        return (
            "Other work was running: absolute numbers are noisy and low; the ratios compare servers measured "
            "seconds apart under the same load, alternating, and are the figures to read."
        )
    return "Nothing else was running (the load before is this script's own set-up)."


def _holds(ok: bool | None) -> str:
    return "" if ok is None else ("**holds**" if ok else "**misses**")


def write_results(*, started_at: datetime.datetime, about: dict, load: tuple[str, str], sections: list) -> None:
    """`sections`: (title, Section) in the order of bench/run.py's MODULES."""
    lines = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (bench/run.py) on {started_at:%Y-%m-%d %H:%M} UTC at commit `{git_commit()}`.",
        "",
        "## Conditions",
        "",
        f"- Machine: {cpu_count()} CPUs ({cpu_model()}); load average {load[0]} before and {load[1]} after "
        "(1, 5, 15 min). " + load_remark(load[0], cpu_count()),
        "- App: gunicorn with the repository's gunicorn.conf.py; `DEBUG=0`, production settings, "
        "`BEHIND_TLS_PROXY=1` and wrk sending `X-Forwarded-Proto: https` as the TLS proxy would. Search, PDF "
        "and download rate limits raised for the run (wrk is one IP address); everything else as in production.",
        f"- Database: {about['database']}. Cache: {about['cache']}.",
        "- nginx (Debian), `worker_processes auto`, sendfile, no access log, keep-alive; gunicorn's sync workers "
        "close the connection after each response (as in production).",
        "",
        "## Targets",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    for _title, section in sections:
        lines += [f"| {label} | {measured} | {_holds(ok)} |" for label, measured, ok in section.targets]
    for title, section in sections:
        if section.lines:
            lines += ["", f"## {title}", "", *section.lines]
    RESULTS.write_text("\n".join(lines) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")
