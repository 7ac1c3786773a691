"""Stamp every page of a PDF with who downloaded it, so a leaked copy can be traced.

The stamp is drawn by WeasyPrint once per page size (a footer band and a faint
diagonal line) and merged onto each page with pypdf. The original bytes are never
changed; a new PDF is returned. Text stays extractable, so the stamp can be read back.

Downloads under load: what is the same for many downloads is prepared once per process.
The stamp for a reader's lines (name, company, date) is drawn by WeasyPrint once and
kept; the line that differs for every download (its id) is written onto the page as
plain PDF text in a standard font, which costs nothing to draw. The parsed original is
kept too, so a download clones it instead of parsing the file again.
"""

import hashlib
import io
import threading
from collections import OrderedDict
from functools import lru_cache

from django.utils.html import escape
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, FloatObject, NameObject

# The per-download line: Helvetica is one of the fonts every PDF reader has, so nothing is
# embedded; it is written in its usual single-byte encoding (characters outside it become "?").
_MARK_SIZE = 6.5
_MARK_COLOR = "0.478 0.122 0.122 rg"  # #7a1f1f, as the band's text
_PARSED_MAX = 8
_parsed: OrderedDict[str, PdfReader] = OrderedDict()
_parsed_lock = threading.Lock()


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


def _clone(data: bytes) -> PdfWriter:
    """A writer holding a copy of `data`, parsed at most once per process for the last few files."""
    key = hashlib.sha256(data).hexdigest()
    with _parsed_lock:  # a reader reads its stream lazily: one clone at a time
        reader = _parsed.pop(key, None) or PdfReader(io.BytesIO(data))
        _parsed[key] = reader
        while len(_parsed) > _PARSED_MAX:
            _parsed.popitem(last=False)
        return PdfWriter(clone_from=reader)


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


def watermark_pdf(data: bytes, *, lines: list[str], mark: str = "") -> bytes:
    """Return a copy of `data` with `lines` and `mark` stamped on every page.

    `lines` should name the recipient, their email and company and the date; the first
    line also appears diagonally across the page. `mark` is the line that is new for
    every download (its id), written in the band below the others. The stamp is one shared
    Form XObject drawn on each page, so 100 pages cost little more than one.
    """
    writer = _clone(data)
    forms: dict[tuple[float, float], object] = {}
    text = (
        f"BT /TcMark {_MARK_SIZE} Tf {_MARK_COLOR} 10 4.2 Td ".encode() + _pdf_string(mark) + b" Tj ET "
        if mark
        else b""
    )
    save_state = _stream(writer, b"q\n")
    for page in writer.pages:
        box = page.mediabox
        width, height = round(float(box.width), 2), round(float(box.height), 2)
        key = (width, height)
        if key not in forms:
            stamp = _stamp_page_pdf(width, height, tuple(lines), bool(mark))
            forms[key] = _form_xobject(writer, stamp, width, height)
        resources = page.get("/Resources")
        resources = resources.get_object() if resources is not None else DictionaryObject()
        page[NameObject("/Resources")] = resources
        xobjects = resources.get("/XObject")
        xobjects = xobjects.get_object() if xobjects is not None else DictionaryObject()
        resources[NameObject("/XObject")] = xobjects
        xobjects[NameObject("/TcStamp")] = forms[key]
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else DictionaryObject()
        resources[NameObject("/Font")] = fonts
        fonts[NameObject("/TcMark")] = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
                NameObject("/Encoding"): NameObject("/WinAnsiEncoding"),
            }
        )
        place = f"Q q 1 0 0 1 {float(box.left):.2f} {float(box.bottom):.2f} cm /TcStamp Do ".encode()
        draw = _stream(writer, place + text + b"Q\n")
        contents = page.get("/Contents")
        existing = []
        if contents is not None:
            resolved = contents.get_object()
            existing = list(resolved) if isinstance(resolved, ArrayObject) else [contents]
        # The page's own drawing is wrapped in q/Q so its graphics state cannot move the stamp.
        page[NameObject("/Contents")] = ArrayObject([save_state, *existing, draw])
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
