"""Stamp every page of a PDF with who downloaded it, so a leaked copy can be traced.

The stamp is drawn by WeasyPrint once per page size (a footer band and a faint
diagonal line) and merged onto each page with pypdf. The original bytes are never
changed; a new PDF is returned. Text stays extractable, so the stamp can be read back.

Downloads under load: parsing and rewriting a 50-page report with pypdf, and drawing the
stamp with WeasyPrint, cost far more than the rest of a download. So both are done once
per process for a document and a reader (their name, company and the date): the result
is kept, with every page already drawing a small form that holds the line that is new
for each download (its id). A download then appends the new version of that one form to
the kept bytes, as a PDF incremental update (ISO 32000-1, 7.5.6): the file as written
once, one object, a cross-reference entry for it and a trailer pointing back at the
previous one. The line is plain PDF text in Helvetica, a font every PDF reader has, so
nothing is embedded; characters outside its encoding become "?" (the reader's name, in
the kept stamp, keeps every letter).
"""

import io
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache

from django.utils.html import escape
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

_MARK_SIZE = 6.5
_MARK_COLOR = "0.478 0.122 0.122 rg"  # #7a1f1f, as the band's text
_HELVETICA = b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
_PREPARED_MAX = 8
_prepared: "OrderedDict[tuple[bytes, tuple[str, ...]], _Prepared]" = OrderedDict()
_prepared_lock = threading.Lock()


def _stamp_html(width_pt: float, height_pt: float, lines: tuple[str, ...], room_for_mark: bool) -> str:
    footer = " · ".join(escape(line) for line in lines)
    if room_for_mark:
        footer += "<br>&#160;"  # an empty second line in the band, where the download's line goes
    diagonal = escape(lines[0]) if lines else ""
    return f"""<!doctype html><html><head><style>
@page {{ size: {width_pt:.2f}pt {height_pt:.2f}pt; margin: 0; }}
html, body {{ margin: 0; padding: 0; font-family: "DejaVu Sans", sans-serif; }}
.band {{ position: absolute; left: 0; right: 0; bottom: 0; padding: 3pt 10pt;
  font-size: 6.5pt; color: #7a1f1f; background: rgba(255,255,255,0.85);
  border-top: 0.5pt solid #7a1f1f; text-align: center; }}
.diag {{ position: absolute; left: 0; right: 0; top: 45%; text-align: center;
  font-size: {max(14.0, min(width_pt, height_pt) / 22):.1f}pt; color: rgba(160, 30, 30, 0.12);
  transform: rotate(-35deg); white-space: nowrap; }}
</style></head><body><div class="diag">{diagonal}</div><div class="band">{footer}</div></body></html>"""


@lru_cache(maxsize=64)
def _stamp_page_pdf(width_pt: float, height_pt: float, lines: tuple[str, ...], room_for_mark: bool) -> bytes:
    from weasyprint import HTML

    return HTML(string=_stamp_html(width_pt, height_pt, lines, room_for_mark)).write_pdf()


def _pdf_string(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _form_xobject(writer: PdfWriter, stamp_pdf: bytes, width: float, height: float):
    """Turn the one-page stamp into a Form XObject stored once in the output file."""
    page = PdfReader(io.BytesIO(stamp_pdf)).pages[0]
    form = DecodedStreamObject()
    form.set_data(page.get_contents().get_data())
    form[NameObject("/Type")] = NameObject("/XObject")
    form[NameObject("/Subtype")] = NameObject("/Form")
    form[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)])
    form[NameObject("/Resources")] = page["/Resources"].clone(writer)
    return writer._add_object(form)


def _stream(writer: PdfWriter, data: bytes):
    stream = DecodedStreamObject()
    stream.set_data(data)
    return writer._add_object(stream)


def _mark_form(text: bytes) -> bytes:
    """The body of the form holding the per-download line, drawn at the page's bottom left."""
    stream = f"BT /TcMark {_MARK_SIZE} Tf {_MARK_COLOR} 10 4.2 Td ".encode() + text + b" Tj ET"
    return (
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 14400 14400] /Resources << /Font << /TcMark "
        + _HELVETICA
        + b" >> >> /Length "
        + str(len(stream)).encode()
        + b" >>\nstream\n"
        + stream
        + b"\nendstream"
    )


@dataclass(frozen=True)
class _Prepared:
    """A stamped copy written once, and what an incremental update of its mark form needs."""

    data: bytes
    mark_object: int  # the object number of the form holding the per-download line
    trailer: bytes  # /Size, /Root, /Info and /ID of the written copy
    startxref: int  # where its cross-reference table starts


def _prepare(data: bytes, lines: tuple[str, ...]) -> _Prepared:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    forms: dict[tuple[float, float], object] = {}
    mark = DecodedStreamObject()  # replaced by each download; empty until then
    mark.set_data(b"")
    mark[NameObject("/Type")] = NameObject("/XObject")
    mark[NameObject("/Subtype")] = NameObject("/Form")
    mark[NameObject("/BBox")] = ArrayObject([FloatObject(0), FloatObject(0), FloatObject(14400), FloatObject(14400)])
    mark_ref = writer._add_object(mark)
    save_state = _stream(writer, b"q\n")
    for page in writer.pages:
        box = page.mediabox
        width, height = round(float(box.width), 2), round(float(box.height), 2)
        key = (width, height)
        if key not in forms:
            forms[key] = _form_xobject(writer, _stamp_page_pdf(width, height, lines, True), width, height)
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        page[NameObject("/Resources")] = resources
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
        xobjects[NameObject("/TcStamp")] = forms[key]
        xobjects[NameObject("/TcMark")] = mark_ref
        place = f"Q q 1 0 0 1 {float(box.left):.2f} {float(box.bottom):.2f} cm /TcStamp Do /TcMark Do Q\n"
        draw = _stream(writer, place.encode())
        contents = page.get("/Contents")
        existing = []
        if contents is not None:
            resolved = contents.get_object()
            existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        # The page's own drawing is wrapped in q/Q so its graphics state cannot move the stamp.
        page[NameObject("/Contents")] = ArrayObject([save_state, *existing, draw])
    out = io.BytesIO()
    writer.write(out)
    written = out.getvalue()
    trailer = PdfReader(io.BytesIO(written)).trailer
    kept = b"".join(
        name.encode() + b" " + _reference_or_value(trailer.raw_get(name))
        for name in ("/Size", "/Root", "/Info", "/ID")
        if name in trailer
    )
    startxref = int(re.findall(rb"startxref\s+(\d+)", written)[-1])
    return _Prepared(written, mark_ref.idnum, kept, startxref)


def _reference_or_value(value) -> bytes:
    out = io.BytesIO()
    value.write_to_stream(out)
    return out.getvalue()


def _prepared_for(data: bytes, lines: tuple[str, ...]) -> _Prepared:
    key = (data, lines)
    with _prepared_lock:
        prepared = _prepared.pop(key, None)
        if prepared is not None:
            _prepared[key] = prepared
            return prepared
    prepared = _prepare(data, lines)
    with _prepared_lock:
        _prepared[key] = prepared
        while len(_prepared) > _PREPARED_MAX:
            _prepared.popitem(last=False)
    return prepared


def watermark_pdf(data: bytes, *, lines: list[str], mark: str = "") -> bytes:
    """Return a copy of `data` with `lines` and `mark` stamped on every page.

    `lines` should name the recipient, their email and company and the date; the first
    line also appears diagonally across the page. `mark` is the line that is new for
    every download (its id), written in the band below the others. The stamp is one shared
    Form XObject drawn on each page, so 100 pages cost little more than one.
    """
    # Lines without a separate mark hold the download's own id: nothing to reuse, nothing kept.
    prepared = _prepared_for(bytes(data), tuple(lines)) if mark else _prepare(bytes(data), tuple(lines))
    base = prepared.data if prepared.data.endswith(b"\n") else prepared.data + b"\n"
    obj = str(prepared.mark_object).encode() + b" 0 obj\n" + _mark_form(_pdf_string(mark)) + b"\nendobj\n"
    xref_at = len(base) + len(obj)
    update = (
        obj
        + b"xref\n"
        + f"{prepared.mark_object} 1\n{len(base):010d} 00000 n \n".encode()
        + b"trailer\n<< "
        + prepared.trailer
        + f" /Prev {prepared.startxref} >>\nstartxref\n{xref_at}\n%%EOF\n".encode()
    )
    return base + update
