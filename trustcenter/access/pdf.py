"""The signer's PDF copy of the NDA they signed, with the facts of their signature."""

import datetime

from django.template.loader import render_to_string
from django.utils import timezone

from trustcenter.core.company import load_company


def _no_fetch(url, *args, **kwargs):
    # The copy is self-contained: the renderer never reads a file or the network.
    raise ValueError(f"not fetched: {url}")


def nda_copy_pdf(signature) -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        "access/nda_copy_pdf.html",
        {
            "signature": signature,
            "nda": signature.nda,
            "company": load_company(),
            "signed_at_utc": signature.signed_at.astimezone(datetime.UTC),
            "generated_at_utc": timezone.now().astimezone(datetime.UTC),
        },
    )
    return HTML(string=html, url_fetcher=_no_fetch).write_pdf()
