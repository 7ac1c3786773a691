"""Fill a questionnaire with suggested answers, without a browser (for automation)."""

import re
import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from trustcenter.questionnaires.exporting import build_table, one_table, plain_text, write_csv, write_xlsx
from trustcenter.questionnaires.importing import (
    QUESTION,
    ImportError_,
    holds_questions,
    read_questionnaire,
    read_sheets,
)
from trustcenter.questionnaires.models import ExpertReason
from trustcenter.questionnaires.services import library_index, question_in_context

CLI_COLUMNS = ["Answer", "Detail", "Confidence", "Source URL", "Policy version", "Needs an expert"]


def _column_index(sheet, wanted: str) -> int:
    names = sheet.column_names()
    for index, name in enumerate(names):
        if name.strip().lower() == wanted.strip().lower():
            return index
    if re.fullmatch(r"[A-Za-z]{1,3}", wanted):
        index = 0
        for letter in wanted.upper():
            index = index * 26 + ord(letter) - 64
        if index - 1 < sheet.width:
            return index - 1
    raise CommandError(f"No column '{wanted}' in sheet '{sheet.name}'. Its columns are: {', '.join(names)}.")


class Command(BaseCommand):
    help = (
        "Answer a questionnaire (CSV or XLSX) with the best approved library answer or policy section for each "
        "question, with its confidence and source URL. Questions below the confidence threshold are marked "
        "'needs an expert' and left unanswered. Every original row and column is kept."
    )

    def add_arguments(self, parser):
        parser.add_argument("input", type=Path, help="the questionnaire, .csv or .xlsx")
        parser.add_argument("--out", type=Path, required=True, help="where to write the answered copy, .csv or .xlsx")
        parser.add_argument("--column", help="the question column: its title or letter (default: guessed)")
        parser.add_argument(
            "--sheet",
            help="answer only this sheet (default: the guessed one and every other sheet with questions, "
            "as the upload page and the API do)",
        )

    def handle(self, *args, input, out, column, sheet, **options):
        if out.suffix.lower() not in (".csv", ".xlsx"):
            raise CommandError(f"{out}: the output must end in .csv or .xlsx")
        try:
            data = input.read_bytes()
        except OSError as exc:
            raise CommandError(f"{input}: {exc.strerror}") from None
        try:
            workbook = read_questionnaire(data, input.name)
        except ImportError_ as exc:
            raise CommandError(f"{input}: {exc}") from None
        if sheet:
            chosen = next((s for s in workbook.sheets if s.name == sheet), None)
            if chosen is None:
                names = ", ".join(s.name for s in workbook.sheets)
                raise CommandError(f"{input}: no sheet '{sheet}'. Its sheets are: {names}.")
        else:
            chosen = workbook.guessed_sheet()
        question_column = _column_index(chosen, column) if column else chosen.question_column
        if question_column is None:
            raise CommandError(f"{input}: could not tell which column holds the questions; name it with --column.")
        chosen.question_column = question_column
        # The other sheets with questions too, each in its guessed column, in workbook order.
        answered_sheets = [s for s in workbook.sheets if s is chosen or (not sheet and holds_questions(s))]
        # Read as on the upload page (with the section, the question above and the sheet's
        # options; a sheet's name as the heading above its own when several are answered).
        read = dict(zip((s.name for s in answered_sheets), read_sheets(answered_sheets), strict=True))
        if not any(kind == QUESTION for kind, _text in read[chosen.name][0]):
            raise CommandError(f"{input}: no questions in column '{chosen.column_names()[question_column]}'.")
        count = sum(kind == QUESTION for kinds, _contexts in read.values() for kind, _text in kinds)
        if count > settings.QUESTIONNAIRE_MAX_QUESTIONS:
            raise CommandError(
                f"{input}: {count} questions; at most {settings.QUESTIONNAIRE_MAX_QUESTIONS} at once. Split the file."
            )
        started = time.perf_counter()
        index = library_index()
        # Ranked together: the sentence vectors are computed in batches.
        questions = [
            question_in_context(text, context)
            for kinds, contexts in read.values()
            for (kind, text), context in zip(kinds, contexts, strict=True)
            if kind == QUESTION
        ]
        ranked_all = iter(index.rank_many(questions))
        answered = expert = 0

        def rows(each):
            nonlocal answered, expert
            for cells, (kind, _text) in zip(each.rows, read[each.name][0], strict=True):
                if kind != QUESTION:
                    yield cells, None
                    continue
                ranked = next(ranked_all)
                top = ranked.suggestions[0] if ranked.suggestions else None
                confidence = top.confidence if top else 0
                if ranked.needs_expert or top is None:
                    expert += 1
                    why = f"yes: {ExpertReason(ranked.reason).label}" if ranked.reason else "yes"
                    yield cells, ["", "", confidence, "", "", why]
                    continue
                answered += 1
                suggestion = top.as_dict()  # the short answer and quote made for this question
                source = suggestion["source"] or {}
                version = f"{source['policy_title']} v{source['version']} § {source['heading']}" if source else ""
                yield (
                    cells,
                    [
                        suggestion["short_answer"],
                        plain_text(suggestion["detail"]),
                        confidence,
                        source.get("url", ""),
                        version,
                        "no",
                    ],
                )

        tables = [
            (
                each.name,
                build_table(
                    columns=each.column_names(),
                    header_row=each.header_row,
                    rows=rows(each),
                    extra_columns=CLI_COLUMNS,
                ),
            )
            for each in answered_sheets
        ]
        out.write_bytes(write_xlsx(tables) if out.suffix.lower() == ".xlsx" else write_csv(one_table(tables)))
        elapsed = time.perf_counter() - started
        others = [s.name for s in answered_sheets if s is not chosen]
        also = f" (and {len(others)} more: {', '.join(others)})" if others else ""
        self.stdout.write(
            f"{out}: {count} questions from sheet '{chosen.name}', column "
            f"'{chosen.column_names()[question_column]}'{also}: {answered} answered, {expert} need an expert "
            f"({elapsed:.1f} s)."
        )
