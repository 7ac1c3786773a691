from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from trustcenter.lib.contentfiles import ContentErrors
from trustcenter.questionnaires.seed import SEED_FILE, answers_seed
from trustcenter.questionnaires.services import library_documents, library_vectors


class Command(BaseCommand):
    help = (
        "Load the seed answer library (approved answers with citations) for the demo content. "
        "Idempotent; answers edited by staff since are kept as they are. Run after `publish`."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file", type=Path, default=SEED_FILE, help="YAML file to load (default: the demo library)"
        )
        parser.add_argument("--check", action="store_true", help="validate only, write nothing")

    def handle(self, *args, file, check, **options):
        try:
            report = answers_seed(path=file, check=check)
        except ContentErrors as exc:
            raise CommandError(f"{len(exc.errors)} problem(s), nothing loaded:\n{exc}") from None
        except FileNotFoundError:
            raise CommandError(f"{file}: no such file") from None
        if check:
            self.stdout.write(self.style.SUCCESS(f"{file}: valid"))
            return
        self.stdout.write(
            f"Answer library: {len(report.created)} created, {len(report.updated)} updated, "
            f"{len(report.unchanged)} unchanged, {len(report.kept_edited)} kept as edited by staff."
        )
        # The sentence vectors of the library are computed now (once per text, kept in VAR_DIR),
        # not by the first questionnaire someone uploads.
        documents = library_documents()
        library_vectors(documents)
        self.stdout.write(f"Sentence vectors ready for {len(documents)} answers and policy sections.")
