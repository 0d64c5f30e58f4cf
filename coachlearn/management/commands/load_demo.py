"""Load the demo series (idempotent): `python manage.py load_demo`."""

import tomllib
from decimal import Decimal
from pathlib import Path

from django.core.files import File
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from modules.models import Competency, LearningObjective, Module, Series
from modules.services import replace_cues
from modules.transcripts import parse_transcript

DEMO_DIR = Path(__file__).resolve().parents[3] / "modules" / "demo"


class Command(BaseCommand):
    help = "Create or update the demo series, its modules, transcripts and media."

    def handle(self, *args, **options):
        catalog = tomllib.loads((DEMO_DIR / "catalog.toml").read_text())
        with transaction.atomic():
            series = self._series(catalog["series"])
            for entry in catalog["modules"]:
                module = self._module(series, entry)
                self.stdout.write(f"{module.activity_code} {module.title}: ready")
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))

    def _series(self, entry: dict) -> Series:
        series, _ = Series.objects.update_or_create(
            slug=entry["slug"],
            defaults={"title": entry["title"], "description": entry["description"].strip()},
        )
        return series

    def _module(self, series: Series, entry: dict) -> Module:
        module, created = Module.objects.get_or_create(
            slug=entry["slug"],
            defaults={"activity_code": entry["activity_code"], "title": entry["title"]},
        )
        module.series = series
        module.position = entry["position"]
        module.title = entry["title"]
        module.activity_code = entry["activity_code"]
        module.summary = entry["summary"].strip()
        module.description = entry["description"].strip()
        module.credit = Decimal(entry["credit"])
        module.duration_seconds = entry["duration_seconds"]
        module.disclosure_statement = entry["disclosure_statement"].strip()
        module.participation_statement = entry["participation_statement"].strip()
        module.is_published = True
        module.published_at = module.published_at or timezone.now()
        self._attach(module, "video", entry["video"])
        self._attach(module, "poster", entry["poster"])
        module.full_clean()
        module.save()

        self._objectives(module, entry["objectives"])
        module.competencies.set(
            Competency.objects.get_or_create(name=name)[0] for name in entry["competencies"]
        )
        self._transcript(module, DEMO_DIR / entry["transcript"])
        return module

    def _attach(self, module: Module, field: str, filename: str) -> None:
        field_file = getattr(module, field)
        if field_file and field_file.storage.exists(field_file.name):
            return
        source = DEMO_DIR / filename
        if not source.exists():
            self.stderr.write(f"{source} is missing; {module.slug} has no {field}")
            return
        with source.open("rb") as handle:
            field_file.save(filename, File(handle), save=False)

    def _objectives(self, module: Module, texts: list[str]) -> None:
        existing = {objective.position: objective for objective in module.objectives.all()}
        for position, text in enumerate(texts, start=1):
            objective = existing.pop(position, None)
            if objective is None:
                LearningObjective.objects.create(module=module, position=position, text=text)
            elif objective.text != text:
                objective.text = text
                objective.save(update_fields=["text"])
        for stale in existing.values():
            stale.delete()

    def _transcript(self, module: Module, path: Path) -> None:
        cues = parse_transcript(path.read_bytes(), filename=path.name)
        wanted = [(c.start_seconds, c.end_seconds, c.speaker, c.text) for c in cues]
        current = list(
            module.cues.order_by("position").values_list(
                "start_seconds", "end_seconds", "speaker", "text"
            )
        )
        if wanted != current:
            replace_cues(module=module, cues=cues)
