"""PDFs: watermarking a 100-page PDF, and rendering a policy and the whole trust center cold and
cached against WeasyPrint alone on the same HTML. The watermarked download under load is a row of
bench/pages.py; `inner_download` finds the demo customer and document it uses."""

import datetime
import secrets
import statistics
import time

from bench.common import Context, Section, log, ratio, run_inner

TITLE = "PDFs: watermarking and rendering"


def measure(ctx: Context) -> dict:
    log("watermarking a 100-page PDF")
    watermark = run_inner(ctx.env, "bench.pdfs:inner_watermark")
    log("PDF rendering")
    return {"watermark": watermark, "pdf": run_inner(ctx.env, "bench.pdfs:inner_pdf")}


def report(result: dict) -> Section:
    section = Section()
    targets, other = section.targets, section.lines
    watermark, pdf = result["watermark"], result["pdf"]
    if "times" in watermark:
        wall, cpu = statistics.median(watermark["times"]), statistics.median(watermark["cpu"])
        following = statistics.median(watermark["next_times"]) * 1000
        other.append(
            f"- Watermarking a 100-page PDF ({watermark['size_kb']} KB, made with WeasyPrint) "
            "with `trustcenter/watermark.py`, a new reader each run so the stamp is drawn and the document "
            f"prepared each time: {', '.join(f'{t:.2f}' for t in watermark['times'])} s wall "
            f"(median {wall:.2f} s; CPU time {cpu:.2f} s); the same reader's next download (a new id): "
            f"median {following:.1f} ms."
        )
        targets.append(("watermark 100 pages < 1 s", f"{wall:.2f} s (CPU {cpu:.2f} s)", wall < 1))
    else:
        other.append(f"- Watermarking failed: `{watermark.get('error', '')[-300:]}`")
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
                f"{ratio(cold, alone)} wall, {ratio(cold_cpu, alone_cpu)} CPU (best of 2)."
                + (f" Rendered through `{item['via']}`." if "via" in item else "")
            )
            if key == "bundle":
                targets.append(
                    (
                        "bundle cold render <= 1.2x WeasyPrint alone",
                        f"{ratio(cold, alone)} wall, {ratio(cold_cpu, alone_cpu)} CPU",
                        cold <= 1.2 * alone,
                    )
                )
            else:
                targets.append(
                    (
                        "(one policy) cold render vs WeasyPrint alone",
                        f"{ratio(cold, alone)} wall, {ratio(cold_cpu, alone_cpu)} CPU",
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
    return section


# --- in a child process with Django set up (bench.common.run_inner) ------------------------------


def inner_download() -> dict:
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


def inner_watermark() -> dict:
    import io

    from pypdf import PdfReader
    from weasyprint import HTML

    from trustcenter.lib.watermark import watermark_pdf

    paragraph = "Access to production systems is reviewed every quarter by the system owner. " * 12
    pages = "".join(f'<section class="p"><h1>Page {i}</h1><p>{paragraph}</p></section>' for i in range(1, 101))
    html = f"<style>@page {{ size: A4; margin: 2cm }} .p {{ break-after: page }}</style>{pages}"
    data = HTML(string=html).write_pdf()
    assert len(PdfReader(io.BytesIO(data)).pages) == 100
    times, cpu, next_times, next_cpu = [], [], [], []
    for run in range(3):
        # A new reader each run, so the stamp is drawn and the document prepared anew (the cost
        # of a reader's first download in a process), then that reader's next download.
        lines = [f"Bench Reader {run} <reader{secrets.token_hex(4)}@example.com>", "Example Corp", "2026-11-29"]
        for kind in ("first", "next"):
            mark = f"Download {secrets.token_hex(4)}"
            started, started_cpu = time.perf_counter(), time.process_time()
            stamped = watermark_pdf(data, lines=lines, mark=mark)
            (times if kind == "first" else next_times).append(time.perf_counter() - started)
            (cpu if kind == "first" else next_cpu).append(time.process_time() - started_cpu)
            reader = PdfReader(io.BytesIO(stamped))
            assert len(reader.pages) == 100 and mark in reader.pages[99].extract_text()
    return {"times": times, "cpu": cpu, "next_times": next_times, "next_cpu": next_cpu, "size_kb": len(data) // 1024}


def _timed(func) -> tuple[float, float, object]:
    started, started_cpu = time.perf_counter(), time.process_time()
    result = func()
    return time.perf_counter() - started, time.process_time() - started_cpu, result


def inner_pdf() -> dict:
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
