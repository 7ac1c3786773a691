"""Reading uploaded questionnaires (CSV and XLSX) into rows, with errors a person can act on.

Nothing here trusts the file name: the bytes decide what a file is. Refused with a reason:
empty files, files over the size limit, encrypted or password-protected workbooks, macro-
enabled workbooks, old binary Excel files, other kinds of files renamed to .csv or .xlsx,
zip bombs, and sheets with more questions than the limit.

Two stages, so that no upload can hold a web worker: `identify` decides what a file is from
its first bytes and its zip directory, without unpacking anything (the upload request runs
it); `read_questionnaire` then reads the rows in a background job under `Limits` (unpacked
size, rows, columns, cells, time), checked while streaming, before anything is built in memory.
"""

import csv
import datetime
import io
import re
import time
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from trustcenter.questionnaires.reading import (
    NUMBERING,
    expert_reason,
    is_follow_up,
    is_yes_no_options,
    opens_as_follow_up,
    split_options,
)

MAX_CELL_CHARS = 32_767  # Excel's own limit for a cell
MAX_ZIP_ENTRIES = 5_000
MAX_CONTENT_TYPES_BYTES = 1024 * 1024  # [Content_Types].xml is read in the request: a few KB in practice
HEADER_SCAN_ROWS = 30
PROGRESS_EVERY = 500  # rows between progress reports and time checks

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ENCRYPTION_INFO = "EncryptionInfo".encode("utf-16-le")

_QUESTION_WORDS = re.compile(
    r"^(do|does|did|is|are|was|were|has|have|had|can|could|will|would|shall|should|may|might|must|how|what|"
    r"when|where|who|whom|whose|which|why|describe|provide|explain|list|please|state|confirm|indicate|specify|"
    r"outline|detail|identify|attach|upload|share|name|summarise|summarize|define|give)\b",
    re.IGNORECASE,
)
_HEADER_NAMES = [
    (re.compile(r"\bquestions?\b", re.I), 10),
    (re.compile(r"\b(requirement|query|ask|control question)s?\b", re.I), 8),
    (re.compile(r"\b(description|control|item|text|criteria|criterion)\b", re.I), 5),
]


class ImportError_(Exception):
    """A questionnaire that cannot be read, with a message for the person who uploaded it."""


@dataclass(frozen=True)
class Limits:
    """What a questionnaire may hold (settings QUESTIONNAIRE_MAX_*; docs/jobs.md says why)."""

    unpacked_bytes: int
    rows: int
    columns: int
    cells: int
    seconds: float

    @classmethod
    def from_settings(cls) -> "Limits":
        return cls(
            unpacked_bytes=settings.QUESTIONNAIRE_MAX_UNPACKED_BYTES,
            rows=settings.QUESTIONNAIRE_MAX_ROWS,
            columns=settings.QUESTIONNAIRE_MAX_COLUMNS,
            cells=settings.QUESTIONNAIRE_MAX_CELLS,
            seconds=settings.QUESTIONNAIRE_IMPORT_SECONDS,
        )


def _number(n: int) -> str:
    """12000 -> "12,000"; 2400000 -> "2.4 million"."""
    return f"{n / 1_000_000:.1f} million" if n >= 1_000_000 else f"{n:,}"


def _megabytes(n: int) -> str:
    return f"{n / 1_048_576:.0f} MB" if n >= 10 * 1_048_576 else f"{n / 1_048_576:.1f} MB"


@dataclass
class Sheet:
    name: str
    rows: list[list]
    header_row: int | None = None
    question_column: int | None = None
    score: int = 0
    # Drop-down lists (XLSX data validation): [first row, first column, last row, last column,
    # options], 0-based and inclusive.
    validations: list = field(default_factory=list)

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    def column_names(self) -> list[str]:
        header = self.rows[self.header_row] if self.header_row is not None else []
        names = []
        for index in range(self.width):
            value = header[index] if index < len(header) else None
            names.append(str(value).strip() if value not in (None, "") else _column_letter(index))
        return names


@dataclass
class Workbook:
    kind: str  # "csv" or "xlsx"
    sheets: list[Sheet] = field(default_factory=list)

    def guessed_sheet(self) -> Sheet:
        return max(self.sheets, key=lambda s: s.score)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return _("Column %(letter)s") % {"letter": letters}


def _cell(value):
    """A JSON-safe copy of a cell value."""
    if value is None or isinstance(value, bool | int | str):
        return value[:MAX_CELL_CHARS] if isinstance(value, str) else value
    if isinstance(value, float):
        return value if value == value and value not in (float("inf"), float("-inf")) else str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    return str(value)[:MAX_CELL_CHARS]


def _trim(rows: list[list]) -> list[list]:
    """Drop empty cells at the end of each row and empty rows at the end of the sheet."""
    trimmed = []
    for row in rows:
        row = list(row)
        while row and (row[-1] is None or row[-1] == ""):
            row.pop()
        trimmed.append(row)
    while trimmed and not trimmed[-1]:
        trimmed.pop()
    return trimmed


def text_of(value) -> str:
    return "" if value is None else str(value).strip()


# Reading ------------------------------------------------------------------------------


def identify(data: bytes, filename: str) -> str:
    """What the file is, "xlsx" or "csv", from its first bytes and its zip directory (nothing
    is unpacked, so this is quick on any upload); raises ImportError_ with the reason."""
    name = filename.lower()
    limit = settings.QUESTIONNAIRE_MAX_UPLOAD_BYTES
    if not data:
        raise ImportError_(_("The file is empty. Export the questionnaire again and upload the new file."))
    if len(data) > limit:
        raise ImportError_(
            _("The file is %(size).1f MB; the limit is %(limit).0f MB. Remove other sheets or split it.")
            % {"size": len(data) / 1_048_576, "limit": limit / 1_048_576}
        )
    if name.endswith((".xlsm", ".xltm", ".xlam")):
        raise _macro_error()
    if data.startswith(OLE_MAGIC):
        if ENCRYPTION_INFO in data:
            raise ImportError_(
                _(
                    "The workbook is encrypted with a password. Open it in Excel, remove the password "
                    "(File > Info > Protect Workbook > Encrypt with Password, then clear it), save and upload again."
                )
            )
        raise ImportError_(
            _("This is an old binary Office file (.xls or .doc). Open it in Excel and save it as .xlsx, or export CSV.")
        )
    if data.startswith(ZIP_MAGIC):
        _check_archive(_open_archive(data))
        return "xlsx"
    if name.endswith((".xlsx", ".xltx")):
        raise ImportError_(_("This file is not a real Excel workbook, although its name ends in .xlsx."))
    if data.startswith(b"%PDF"):
        raise ImportError_(_("This is a PDF. Upload the questionnaire as an Excel workbook (.xlsx) or CSV."))
    if not name.endswith((".csv", ".txt", ".tsv")):
        raise ImportError_(_("Upload the questionnaire as an Excel workbook (.xlsx) or a CSV file."))
    if b"\x00" in data[:8192]:
        raise ImportError_(_("This is not a text CSV file. Upload the questionnaire as .xlsx or CSV."))
    return "csv"


def read_questionnaire(
    data: bytes,
    filename: str,
    *,
    limits: Limits | None = None,
    progress: Callable[[int], None] | None = None,
) -> Workbook:
    """Read an uploaded file; raises ImportError_ with a message a person can act on.

    Every limit is checked while reading, before the sheet is built: the unpacked size from
    the zip directory (zipfile never yields more than a member's declared size), the size of
    each sheet from its dimension record, and rows, columns, cells and time as rows stream in.
    `progress(rows_read)` is called every few hundred rows."""
    limits = limits or Limits.from_settings()
    kind = identify(data, filename)
    deadline = time.monotonic() + limits.seconds
    if kind == "xlsx":
        return _read_xlsx(data, limits=limits, deadline=deadline, progress=progress)
    return _read_csv(data, limits=limits, deadline=deadline, progress=progress)


def _macro_error() -> ImportError_:
    return ImportError_(
        _(
            "This workbook contains macros (.xlsm), which are not accepted. In Excel choose "
            "File > Save As > Excel Workbook (.xlsx) and upload that copy."
        )
    )


def _stream_rows(
    rows: Iterable,
    *,
    sheet: str,
    limits: Limits,
    deadline: float,
    progress: Callable[[int], None] | None,
    done_before: int = 0,
) -> list[list]:
    """Take rows one at a time, refusing the sheet as soon as it passes a limit."""
    kept, cells = [], 0
    for row in rows:
        values = list(row)
        while values and (values[-1] is None or values[-1] == ""):
            values.pop()
        if len(kept) >= limits.rows:
            raise ImportError_(
                _("Sheet '%(sheet)s' has more rows than the limit of %(limit)s. Split it into parts.")
                % {"sheet": sheet, "limit": _number(limits.rows)}
            )
        if len(values) > limits.columns:
            raise ImportError_(
                _(
                    "Row %(row)s of sheet '%(sheet)s' fills %(columns)s columns; the limit is %(limit)s. "
                    "Delete the unused columns and upload it again."
                )
                % {"row": _number(len(kept) + 1), "sheet": sheet, "columns": _number(len(values)),
                   "limit": _number(limits.columns)}
            )  # fmt: skip
        cells += len(values)
        if cells > limits.cells:
            raise ImportError_(
                _("Sheet '%(sheet)s' has more filled cells than the limit of %(limit)s. Split it into parts.")
                % {"sheet": sheet, "limit": _number(limits.cells)}
            )
        kept.append([_cell(v) for v in values])
        if len(kept) % PROGRESS_EVERY == 0:
            _check_time(deadline, limits, rows=done_before + len(kept))
            if progress:
                progress(done_before + len(kept))
    return kept


def _check_time(deadline: float, limits: Limits, *, rows: int) -> None:
    if time.monotonic() > deadline:
        raise ImportError_(
            _(
                "Reading the file took longer than %(seconds)s seconds (stopped after %(rows)s rows). "
                "Save it as CSV, or split it, and upload it again."
            )
            % {"seconds": _number(int(limits.seconds)), "rows": _number(rows)}
        )


def _read_csv(data: bytes, *, limits: Limits, deadline: float, progress) -> Workbook:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - cp1252 decodes almost anything
        raise ImportError_(_("The CSV file is not in a text encoding we can read; save it as CSV UTF-8."))
    delimiter = _delimiter(text[:50_000])
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
        rows = _stream_rows(
            ([v if v != "" else None for v in row] for row in reader),
            sheet="CSV",
            limits=limits,
            deadline=deadline,
            progress=progress,
        )
    except csv.Error as exc:
        raise ImportError_(_("The CSV file is malformed: %(error)s.") % {"error": exc}) from None
    rows = _trim(rows)
    if not any(rows):
        raise ImportError_(_("The file has no text in it."))
    sheet = Sheet(name="CSV", rows=rows)
    _guess(sheet)
    return Workbook(kind="csv", sheets=[sheet])


def _delimiter(sample: str) -> str:
    """The separator that splits the most of the first lines into the same number of
    fields (Excel writes ; in much of Europe, , elsewhere)."""
    lines = [line for line in sample.splitlines()[:50] if line.strip()]
    best, best_score = ",", (0, 0)
    for candidate in (",", ";", "\t", "|"):
        try:
            widths = [len(r) for r in csv.reader(lines, delimiter=candidate)]
        except csv.Error:
            continue
        split = [w for w in widths if w > 1]
        score = (len(split), max((split.count(w) for w in set(split)), default=0))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _open_archive(data: bytes) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportError_(
            _("The workbook is damaged (not a valid .xlsx archive). Save it again from Excel.")
        ) from None


def _check_archive(archive: zipfile.ZipFile) -> None:
    """The zip directory says what the file is: a workbook, not encrypted, without macros."""
    infos = archive.infolist()
    names = {info.filename for info in infos}
    if any(info.flag_bits & 0x1 for info in infos):
        raise ImportError_(_("The archive is encrypted with a password. Upload an unencrypted .xlsx file."))
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ImportError_(
            _("The workbook holds %(count)s files; a workbook has a few dozen. Save it again from Excel.")
            % {"count": _number(len(infos))}
        )
    if "[Content_Types].xml" not in names:
        raise ImportError_(_("This is a zip archive, not an Excel workbook. Upload the .xlsx or CSV file itself."))
    if archive.getinfo("[Content_Types].xml").file_size > MAX_CONTENT_TYPES_BYTES:
        raise ImportError_(_("The workbook is damaged (not a valid .xlsx archive). Save it again from Excel."))
    content_types = archive.read("[Content_Types].xml")
    if any(n.lower().endswith("vbaproject.bin") for n in names) or b"macroEnabled" in content_types:
        raise _macro_error()
    if not any(n.startswith("xl/") for n in names):
        if any(n.startswith("word/") for n in names):
            raise ImportError_(_("This is a Word document. Upload the questionnaire as .xlsx or CSV."))
        if any(n.startswith("ppt/") for n in names):
            raise ImportError_(_("This is a PowerPoint file. Upload the questionnaire as .xlsx or CSV."))
        raise ImportError_(_("This archive is not an Excel workbook. Upload the questionnaire as .xlsx or CSV."))


def _check_unpacked_size(archive: zipfile.ZipFile, limits: Limits) -> None:
    """zipfile stops every member at its declared size (and fails its checksum beyond), so the
    directory's sizes bound what unpacking can produce."""
    unpacked = sum(info.file_size for info in archive.infolist())
    if unpacked > limits.unpacked_bytes:
        raise ImportError_(
            _(
                "The workbook unpacks to %(size)s; the limit is %(limit)s. Questionnaires are far smaller: "
                "delete other sheets, images and formatting, or save the questions as CSV, and upload again."
            )
            % {"size": _megabytes(unpacked), "limit": _megabytes(limits.unpacked_bytes)}
        )


def _check_dimensions(worksheet, limits: Limits) -> None:
    """The sheet's own record of its size (read without reading its rows); rows are counted
    again while they stream, since a file can leave the record out or lie in it."""
    rows, columns = worksheet.max_row or 0, worksheet.max_column or 0
    if rows * columns > limits.cells:
        raise ImportError_(
            _(
                "Sheet '%(sheet)s' has %(cells)s cells (%(rows)s rows x %(columns)s columns); the limit is "
                "%(limit)s. Delete unused rows and columns or split it, and upload again."
            )
            % {"sheet": worksheet.title, "cells": _number(rows * columns), "rows": _number(rows),
               "columns": _number(columns), "limit": _number(limits.cells)}
        )  # fmt: skip


def _read_xlsx(data: bytes, *, limits: Limits, deadline: float, progress) -> Workbook:
    archive = _open_archive(data)
    _check_unpacked_size(archive, limits)

    import openpyxl

    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for damaged files
        raise ImportError_(
            _("This workbook could not be read (%(error)s). Open it in Excel, save it again and upload it.")
            % {"error": exc.__class__.__name__}
        ) from None
    sheets, done = [], 0
    try:
        visible = [ws for ws in workbook.worksheets if getattr(ws, "sheet_state", "visible") == "visible"]
        for worksheet in visible:
            _check_dimensions(worksheet, limits)
        # Read once the zip directory has passed the unpacked-size limit and every sheet its
        # size record: the lists follow a sheet's rows, so finding them streams the whole
        # sheet (a 2.4-million-cell sheet took 15 s before it was refused).
        validations = _data_validations(archive)
        for worksheet in visible:
            rows = _stream_rows(
                worksheet.iter_rows(values_only=True),
                sheet=worksheet.title,
                limits=limits,
                deadline=deadline,
                progress=progress,
                done_before=done,
            )
            done += len(rows)
            rows = _trim(rows)
            if any(rows):
                sheet = Sheet(name=worksheet.title, rows=rows, validations=validations.get(worksheet.title, []))
                _guess(sheet)
                sheets.append(sheet)
    finally:
        workbook.close()
    if not sheets:
        raise ImportError_(_("The workbook has no text in any visible sheet."))
    return Workbook(kind="xlsx", sheets=sheets)


# Guessing the header row and question column -----------------------------------------------


def _looks_like_question(text: str) -> bool:
    text = NUMBERING.sub("", text).strip()
    return text.endswith("?") or bool(_QUESTION_WORDS.match(text)) or len(text.split()) > 8


def _is_prompt(text: str) -> bool:
    """A line to fill in rather than a heading: "Explain where files are stored:", "The name
    of the application", "Any other comments", "If yes, please describe."."""

    if text.endswith(":") or expert_reason(text) or opens_as_follow_up(text):
        return True
    return bool(re.match(r"^(the|your) (name|version|url|number|list|description|address|email|title)\b", text, re.I))


# A checklist statement to confirm, written in sentence case ("HSTS enabled", "Backups
# encrypted", "Password reset tokens are single-use", "Cookies set with Secure flag"): a
# lower-case participle or verb after its first word. A heading is a noun phrase ("Data
# retention", "Configuring SSL/TLS", "Sessions & Cookies").
_STATEMENT_VERB = re.compile(
    r"^\S+\s.*?\b(?!(?:need|feed|speed|seed|bleed)\b)(?:[a-z]{2,}ed|is|are|has|have|must|should|can|set|shown|"
    r"kept|held|run|sent|built|taken|given|written|driven|hidden|known|proven|forbidden)\b"
)
# Asking for a value: "Date of the last penetration test", "Legal name of the company".
_VALUE_LABEL = re.compile(
    r"^(?:\w+\s)?(?:date|number|name|version|frequency|location|owner|size)s?\b[^?]*\b(?:of|for)\b", re.I
)


def _is_statement(text: str) -> bool:
    """A short unnumbered row that is a control to confirm or a value to give, not a heading."""
    return bool(_STATEMENT_VERB.match(text) or _VALUE_LABEL.match(text))


def _guess(sheet: Sheet) -> None:
    best_header, best_column, best_score = None, None, 0
    for index, row in enumerate(sheet.rows[:HEADER_SCAN_ROWS]):
        # Column titles are short labels in a row of several ("Please answer every
        # question." above the table is not one).
        filled = sum(1 for v in row if text_of(v))
        for column, value in enumerate(row):
            text = text_of(value)
            if not text or len(text) > 40 or text.endswith((".", "?", ":")):
                continue
            for pattern, score in _HEADER_NAMES:
                adjusted = score + (2 if filled >= 2 else 0)
                if pattern.search(text) and adjusted > best_score:
                    best_header, best_column, best_score = index, column, adjusted
    if best_column is None:
        # No telling header: the column with the most question-like cells.
        counts: dict[int, int] = {}
        for row in sheet.rows:
            for column, value in enumerate(row):
                text = text_of(value)
                if text and _looks_like_question(text) and len(text) > 15:
                    counts[column] = counts.get(column, 0) + 1
        if counts:
            best_column = max(counts, key=lambda c: (counts[c], -c))
            best_score = min(counts[best_column], 9)
            first = next(i for i, r in enumerate(sheet.rows) if any(text_of(v) for v in r))
            # A first row of short labels above the questions is the header.
            first_row = sheet.rows[first]
            if all(len(text_of(v)) <= 40 and not text_of(v).endswith("?") for v in first_row if text_of(v)):
                best_header = first
    sheet.header_row, sheet.question_column = best_header, best_column
    question_cells = sum(
        1
        for row in sheet.rows
        if best_column is not None and best_column < len(row) and text_of(row[best_column]).endswith("?")
    )
    sheet.score = best_score * 10 + question_cells + (5 if re.search(r"question", sheet.name, re.I) else 0)


# Classifying rows -----------------------------------------------------------------------

QUESTION, SECTION, BLANK, HEADER, OTHER = "question", "section", "blank", "header", "other"
_OUTLINE_CODE = re.compile(r"^\d+(?:\.\d+)*$")


def classify_rows(sheet: Sheet, *, header_row: int | None, column: int) -> list[tuple[str, str]]:
    """(kind, question text) for every row: rows above and at the header are kept as they
    are, blank rows stay blank, short label rows are section headers, the rest are questions."""
    result = []
    for index, row in enumerate(sheet.rows):
        cells = [text_of(v) for v in row]
        if header_row is not None and index < header_row:
            result.append((OTHER if any(cells) else BLANK, ""))
            continue
        if index == header_row:
            result.append((HEADER, ""))
            continue
        if not any(cells):
            result.append((BLANK, ""))
            continue
        text = cells[column] if column < len(cells) else ""
        others = [c for i, c in enumerate(cells) if c and i != column]
        if not text:
            result.append((SECTION if len(others) == 1 and len(others[0]) <= 80 else OTHER, ""))
            continue
        bare = NUMBERING.sub("", text).strip()
        words = len(re.findall(r"[^\W\d_]{2,}", bare))
        if _looks_like_question(text) or _is_prompt(bare) or _is_statement(bare):
            result.append((QUESTION, text))
        elif words and len(bare.split()) <= 8 and all(len(o) <= 20 for o in others):
            result.append((SECTION, ""))
        elif words >= 3:
            # A statement to confirm ("Encryption of backups at rest") is a question too.
            result.append((QUESTION, text))
        else:
            result.append((OTHER, ""))
    return _outline_leaves(sheet, result, column)


def _outline_leaves(sheet: Sheet, kinds: list[tuple[str, str]], column: int) -> list[tuple[str, str]]:
    """In a numbered outline a short label is a heading when rows are numbered under it
    ("1.2 Configuring SSL/TLS" above "1.2.1"), and a question to confirm when it is a leaf
    at a depth where the sheet asks questions ("1.2.3 HSTS enabled" beside "1.2.1 Is TLS
    enabled on all endpoints?")."""
    codes = [_outline_code(row, column) for row in sheet.rows]
    asked = {code.count(".") for code, (kind, _t) in zip(codes, kinds, strict=True) if code and kind == QUESTION}
    result = list(kinds)
    following = ""  # the next numbered row's code, walking up from the bottom
    for index in range(len(kinds) - 1, -1, -1):
        kind, code = kinds[index][0], codes[index]
        if kind == SECTION and code and code.count(".") in asked and not following.startswith(code + "."):
            row = sheet.rows[index]
            text = text_of(row[column]) if column < len(row) else ""
            if text:
                result[index] = (QUESTION, text)
        following = code or following
    return result


def _outline_code(row: list, column: int) -> str:
    """ "1.2.3" from a reference cell before the question, or from the question's own
    numbering; "" when the row has none."""
    for index, value in enumerate(row[: column + 1]):
        text = text_of(value)
        if not text:
            continue
        if index == column:
            match = NUMBERING.match(text)
            text = match.group(0).strip() if match else ""
        text = text.rstrip(".")
        return text if _OUTLINE_CODE.match(text) else ""
    return ""


# What the sheet says around a question ---------------------------------------------------

_SECTION_COLUMN = re.compile(
    r"^(section|category|domain|area|topic|control (family|domain|area)|family|chapter)$", re.I
)
_OPTIONS_COLUMN = re.compile(
    r"^((possible|allowed|valid|answer|response) (answers|options|values|choices)|options|choices|answer choices)$",
    re.I,
)
_CHOICE_HEADER = re.compile(r"^(yes|no|n/?a|not applicable|partial(ly)?)$", re.I)
MAX_OPTIONS = 30
# Where the sheet wants its answers: a column titled for the answer ("Vendor response") and
# one for the explanation ("Comments").
_ANSWER_COLUMN = re.compile(
    r"^((vendor|supplier|provider|company|your|our)(['’]s)? )?(answer|response|reply)s?( \(.*\))?:?$", re.I
)
_COMMENT_COLUMN = re.compile(
    r"^((vendor|supplier|provider|additional|your|our) )?(comments?|notes?|remarks?|details?|explanation|"
    r"justification|evidence|additional information|supporting (information|details|evidence))( \(.*\))?:?$",
    re.I,
)


def _header_texts(sheet: Sheet, header_row: int | None) -> list[str]:
    header = sheet.rows[header_row] if header_row is not None and header_row < len(sheet.rows) else []
    return [text_of(v) for v in header]


# Another sheet of a workbook is answered with the chosen one when its guessed question
# column holds at least this many questions (a cover or instructions tab has fewer).
OTHER_SHEET_QUESTIONS = 3


def holds_questions(sheet: Sheet, minimum: int = OTHER_SHEET_QUESTIONS) -> bool:
    """Whether the sheet's guessed question column holds at least `minimum` questions."""
    if sheet.question_column is None:
        return False
    kinds = classify_rows(sheet, header_row=sheet.header_row, column=sheet.question_column)
    return sum(kind == QUESTION for kind, _text in kinds) >= minimum


def answer_columns(sheet: Sheet, *, header_row: int | None, column: int) -> dict:
    """The sheet's own columns for an answer, by their titles: {"answer_column": index or
    None, "comment_column": index or None, "choice_columns": {index: title}} (choice
    columns are Yes / No / N/A columns, one to mark per question)."""
    headers = _header_texts(sheet, header_row)
    answer = next((i for i, h in enumerate(headers) if i != column and _ANSWER_COLUMN.match(h)), None)
    comment = next((i for i, h in enumerate(headers) if i not in (column, answer) and _COMMENT_COLUMN.match(h)), None)
    choices = {str(i): h for i, h in enumerate(headers) if i != column and _CHOICE_HEADER.match(h)}
    return {"answer_column": answer, "comment_column": comment, "choice_columns": choices}


_HEADER_OPTIONS = re.compile(r"\(([^()]*)\)\s*$")


def question_contexts(
    sheet: Sheet, kinds: list[tuple[str, str]], *, header_row: int | None, column: int, outer: str = ""
) -> list[dict]:
    """For every row, what a reader takes from around a question: the section heading(s) it
    sits under ("Clients > Logging", from heading rows or a Section/Category column), the
    question above it in the same section (for follow-ups such as "If yes, describe..."), and
    the answers the sheet accepts (an Options column, Yes/No/N/A columns, or a drop-down
    list on the row). Empty for rows that are not questions. `outer`: a heading above all of
    the sheet's own (the sheet's name, in a workbook whose sheets are its sections)."""
    headers = _header_texts(sheet, header_row)
    section_column = next((i for i, h in enumerate(headers) if i != column and _SECTION_COLUMN.match(h)), None)
    options_column = next((i for i, h in enumerate(headers) if i != column and _OPTIONS_COLUMN.match(h)), None)
    choice_headers = tuple(h for h in headers if _CHOICE_HEADER.match(h))
    # "Response (Yes/No/N/A)": a column whose header lists the yes/no answers it takes.
    header_options = next(
        (
            listed
            for i, h in enumerate(headers)
            if i != column
            for bracket in [_HEADER_OPTIONS.search(h)]
            if bracket
            for listed in [split_options(bracket.group(1))]
            if is_yes_no_options(listed)
        ),
        (),
    )
    path: list[str] = []
    after_heading = False
    previous, previous_section = "", None
    contexts = []
    for index, (row, (kind, text)) in enumerate(zip(sheet.rows, kinds, strict=True)):
        if kind == SECTION:
            heading, level = _heading_text(row), _heading_level(row)
            if level:
                # Numbered headings say how they nest: "2" then "2.1".
                path = path[: level - 1] + [heading]
            elif after_heading:
                # Headings in a row nest ("Clients", then "Logging") ...
                path.append(heading)
            else:
                # ... and a heading after questions replaces the innermost one.
                path = (path[:-1] if len(path) > 1 else []) + [heading]
            after_heading = True
            contexts.append({})
            continue
        if kind != QUESTION:
            contexts.append({})
            continue
        after_heading = False
        section = " > ".join(([outer] if outer else [])[len(path) > 1 :] + path[-2:])
        if section_column is not None and section_column < len(row) and text_of(row[section_column]):
            section = text_of(row[section_column])
        if section != previous_section:
            previous = ""
        options: tuple[str, ...] = ()
        if options_column is not None and options_column < len(row):
            options = split_options(row[options_column])
        if not options:
            options = _row_validation(sheet, index, column) or choice_headers or header_options
        context = {"section": section[:300], "previous": previous[:1000], "options": list(options[:MAX_OPTIONS])}
        contexts.append({k: v for k, v in context.items() if v})
        # A follow-up passes on what it follows: after "Do you train staff?" and "If yes,
        # describe.", "If yes, how often?" is still about training.
        previous = f"{previous} {text}" if previous and is_follow_up(text, previous) else text
        previous_section = section
    return contexts


def read_sheets(sheets: list[Sheet]) -> list[tuple[list[tuple[str, str]], list[dict]]]:
    """(row kinds, question contexts) for each sheet answered together, each read in its own
    title row and question column. When there are several, a sheet's name is the heading
    above its own ("Infrastructure > Logging")."""
    read = []
    for sheet in sheets:
        kinds = classify_rows(sheet, header_row=sheet.header_row, column=sheet.question_column)
        outer = sheet.name if len(sheets) > 1 else ""
        contexts = question_contexts(
            sheet, kinds, header_row=sheet.header_row, column=sheet.question_column, outer=outer
        )
        read.append((kinds, contexts))
    return read


def _heading_text(row: list) -> str:
    """The words of a heading row, without its reference code ("B", "3.1")."""
    texts = [text_of(v) for v in row if text_of(v)]
    worded = [t for t in texts if re.search(r"[^\W\d_]{3,}", t)]
    return max(worded, key=len) if worded else " ".join(texts)


_HEADING_CODE = re.compile(r"^(?:[A-Z]{1,3}[-.]?)?\d+(?:\.\d+)*\.?$|^[A-Z]{1,2}$")


def _heading_level(row: list) -> int:
    """1 for "2" or "B", 2 for "2.1" or "B.1", ...; 0 when the heading has no code."""
    code = next((text_of(v) for v in row if text_of(v)), "")
    if not _HEADING_CODE.match(code):
        return 0
    return code.rstrip(".").count(".") + 1


def _row_validation(sheet: Sheet, index: int, question_column: int) -> tuple[str, ...]:
    for first_row, first_col, last_row, last_col, options in sheet.validations:
        if first_row <= index <= last_row and not (first_col <= question_column <= last_col):
            return tuple(options)
    return ()


def _data_validations(archive: zipfile.ZipFile) -> dict[str, list]:
    """Drop-down lists per sheet name, read from the workbook XML (openpyxl's read-only mode
    does not load them). Lists written in the rule ("Yes,No,N/A") and lists that point to a
    range of cells in the workbook are both read; anything unreadable is skipped."""
    from defusedxml import ElementTree

    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "rel": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return {}
    targets = {r.get("Id"): r.get("Target", "") for r in rels.findall("rel:Relationship", ns)}
    paths = {}
    for sheet in book.findall("m:sheets/m:sheet", ns):
        target = targets.get(sheet.get(f"{{{ns['r']}}}id"), "")
        target = target.lstrip("/")
        paths[sheet.get("name")] = target if target.startswith("xl/") else "xl/" + target
    found: dict[str, list] = {}
    cells_cache: dict[str, dict] = {}
    for name, path in paths.items():
        rules = []
        try:
            for rule in _stream_elements(archive, path, f"{{{ns['m']}}}dataValidation"):
                formula = rule.find("m:formula1", ns)
                if rule.get("type") != "list" or formula is None or not formula.text:
                    continue
                options = _list_options(formula.text, archive, paths, cells_cache)
                if not options:
                    continue
                for ref in (rule.get("sqref") or "").split():
                    bounds = _range_bounds(ref)
                    if bounds:
                        rules.append([*bounds, list(options[:MAX_OPTIONS])])
        except (KeyError, ElementTree.ParseError):
            continue
        if rules:
            found[name] = rules
    return found


def _stream_elements(archive: zipfile.ZipFile, path: str, tag: str):
    """The `tag` elements of one XML member, parsed as a stream: rows and cells are dropped as
    they pass, so a sheet is never held in memory whole."""
    from defusedxml import ElementTree

    row = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}row"
    with archive.open(path) as stream:
        for _event, element in ElementTree.iterparse(stream):
            if element.tag == tag:
                yield element
            if element.tag in (tag, row):
                element.clear()


_CELL = re.compile(r"^\$?([A-Z]{1,3})\$?(\d+)$")


def _cell_index(ref: str) -> tuple[int, int] | None:
    match = _CELL.match(ref.strip())
    if not match:
        return None
    column = 0
    for letter in match.group(1):
        column = column * 26 + ord(letter) - 64
    return int(match.group(2)) - 1, column - 1


def _range_bounds(ref: str) -> tuple[int, int, int, int] | None:
    first, _sep, last = ref.partition(":")
    start, end = _cell_index(first), _cell_index(last or first)
    if not start or not end:
        return None
    return start[0], start[1], end[0], end[1]


def _list_options(formula: str, archive, paths: dict, cache: dict) -> tuple[str, ...]:
    formula = formula.strip()
    if formula.startswith('"') and formula.endswith('"'):
        return tuple(o.strip() for o in formula[1:-1].split(",") if o.strip())
    # A range such as Lists!$A$1:$A$3 or 'Answer lists'!$B$2:$B$5.
    sheet_name, sep, ref = formula.lstrip("=").rpartition("!")
    bounds = _range_bounds(ref)
    sheet_name = sheet_name.strip("'").replace("''", "'")
    if not sep or not bounds or sheet_name not in paths:
        return ()
    values = cache.get(sheet_name)
    if values is None:
        values = cache[sheet_name] = _sheet_values(archive, paths[sheet_name])
    first_row, first_col, last_row, last_col = bounds
    options = []
    for row in range(first_row, min(last_row, first_row + MAX_OPTIONS) + 1):
        for col in range(first_col, last_col + 1):
            value = values.get((row, col))
            if value:
                options.append(value)
    return tuple(options)


def _sheet_values(archive, path: str) -> dict:
    """Cell texts of one (small) sheet, for lists that point at cells."""
    from defusedxml import ElementTree

    main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    try:
        shared_root = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        shared = ["".join(t.text or "" for t in si.iter(f"{main}t")) for si in shared_root.findall(f"{main}si")]
    except (KeyError, ElementTree.ParseError):
        shared = []
    try:
        root = ElementTree.fromstring(archive.read(path))
    except (KeyError, ElementTree.ParseError):
        return {}
    values = {}
    for cell in root.iter(f"{main}c"):
        position = _cell_index(cell.get("r", ""))
        if position is None:
            continue
        if cell.get("t") == "inlineStr":
            text = "".join(t.text or "" for t in cell.iter(f"{main}t"))
        else:
            raw = cell.find(f"{main}v")
            text = raw.text if raw is not None and raw.text else ""
            if cell.get("t") == "s" and text.isdigit() and int(text) < len(shared):
                text = shared[int(text)]
        if text.strip():
            values[position] = text.strip()
    return values
