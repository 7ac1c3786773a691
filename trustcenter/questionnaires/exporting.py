"""Writing answered questionnaires as XLSX or CSV: the original columns plus ours.

No cell can be read as a formula. In XLSX every text cell is stored as text (never as a
formula) and text that starts like a formula is also marked with Excel's quote prefix, so it
stays text even when someone edits the cell. In CSV, text that starts with = + - @, a tab
or a carriage return gets a leading apostrophe (the OWASP advice for CSV injection);
plain numbers such as -5 are left alone.
"""

import csv
import io
import re

ANSWER_COLUMNS = ["Answer", "Detail", "Source URL", "Policy version", "Reviewed by"]
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


def looks_like_formula(value: str) -> bool:
    if _NUMBER.match(value.strip()):
        return False
    return value.startswith(FORMULA_START) or value.lstrip().startswith(FORMULA_START[:4])


def csv_safe(value) -> str:
    if value is None:
        return ""
    text = str(value) if not isinstance(value, bool) else ("TRUE" if value else "FALSE")
    if isinstance(value, str) and looks_like_formula(text):
        return "'" + text
    return text


def plain_text(markdown_text: str) -> str:
    """Markdown paragraphs as plain text: wrapped lines joined, paragraphs kept apart."""
    paragraphs = re.split(r"\n\s*\n", markdown_text.strip())
    cleaned = []
    for paragraph in paragraphs:
        lines = [line.strip() for line in paragraph.splitlines()]
        if all(line.startswith(("- ", "* ")) for line in lines if line):
            cleaned.append("\n".join(lines))
        else:
            cleaned.append(" ".join(line for line in lines if line))
    text = "\n\n".join(cleaned)
    return re.sub(r"\*\*(.+?)\*\*", r"\1", text)


def write_csv(table: list[list]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    for row in table:
        writer.writerow([csv_safe(v) for v in row])
    # A byte-order mark lets Excel open UTF-8 correctly.
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def sheet_title(name: str, taken: set[str]) -> str:
    """A name Excel accepts for a sheet (at most 31 characters, none of []*?/\\:) and that
    no other sheet of the workbook has."""
    base = re.sub(r"[\[\]\*\?/\\:]", " ", name).strip()[:31] or "Questionnaire"
    title, number = base, 1
    while title.lower() in taken:
        number += 1
        title = f"{base[: 31 - len(str(number)) - 1]} {number}"
    taken.add(title.lower())
    return title


def write_xlsx(sheets: list[tuple[str, list[list]]]) -> bytes:
    """One worksheet per (name, table), in order."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    workbook = Workbook(write_only=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    taken: set[str] = set()
    for name, table in sheets:
        sheet = workbook.create_sheet(title=sheet_title(name, taken))
        for row_number, row in enumerate(table):
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # never a formula, whatever it starts with
                    if looks_like_formula(value):
                        cell.quotePrefix = True
                    if len(value) > 60:
                        cell.alignment = wrap
                if row_number == 0:
                    cell.font = Font(bold=True)
                cells.append(cell)
            sheet.append(cells)
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def one_table(sheets: list[tuple[str, list[list]]]) -> list[list]:
    """Several sheets as one table for CSV: a first column says which sheet each row is from.
    A single sheet is its table as it is."""
    if len(sheets) == 1:
        return sheets[0][1]
    width = max((len(row) for _name, table in sheets for row in table), default=0)
    return [["Sheet"] + [None] * width] + [
        [name] + list(row) + [None] * (width - len(row)) for name, table in sheets for row in table
    ]


_CHOICE = re.compile(r"^\s*(yes|no|n/?a|not applicable|partial(ly)?)\b", re.I)


def _same_choice(header: str, answer: str) -> bool:
    def norm(text: str) -> str:
        text = text.strip().lower().replace("/", "")
        return {"not applicable": "na", "partially": "partial"}.get(text, text)

    match = _CHOICE.match(answer)
    return bool(match) and norm(header) == norm(match.group(1))


def with_answer(cells: list, columns: dict, *, answer: str, detail: str) -> list:
    """A question row with a reviewed answer written into the sheet's own columns (see
    importing.answer_columns): the answer into its answer column, the detail into its
    comments column, an X under the Yes / No / N/A column that the answer starts with. Only
    empty cells are written: nothing the sheet holds is overwritten."""
    cells = list(cells)

    def put(index: int | None, value: str) -> None:
        if index is None or not value:
            return
        cells.extend([None] * (index + 1 - len(cells)))
        if cells[index] in (None, ""):
            cells[index] = value

    put(columns.get("answer_column"), answer)
    put(columns.get("comment_column"), detail)
    choices = {int(i): header for i, header in (columns.get("choice_columns") or {}).items()}
    if not any(i < len(cells) and cells[i] not in (None, "") for i in choices):
        put(next((i for i, header in sorted(choices.items()) if _same_choice(header, answer)), None), "X")
    return cells


def build_table(*, columns: list[str], header_row: int | None, rows, extra_columns: list[str]) -> list[list]:
    """`rows` yields (cells, extra values or None). The title row gets the extra column
    names; a file without a title row gets one on top. Every row is padded to the width."""
    width = len(columns)
    table = []
    if header_row is None:
        table.append(list(columns) + extra_columns)
    for index, (cells, extra) in enumerate(rows):
        padded = list(cells[:width]) + [None] * (width - min(len(cells), width))
        if header_row is not None and index == header_row:
            table.append(padded + extra_columns)
        else:
            table.append(padded + (list(extra) if extra else [None] * len(extra_columns)))
    return table
