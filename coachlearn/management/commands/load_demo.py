"""Load the demo series (idempotent): `python manage.py load_demo`."""

import tomllib
from decimal import Decimal
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_ACCOUNTS
from certificates.models import EvaluationQuestion
from modules.media_files import store_media
from modules.models import Competency, LearningObjective, Module, Series
from modules.services import module_changed, replace_cues, video_changed
from modules.transcripts import parse_timestamp, parse_transcript
from quizzes.models import Choice, Question, Quiz

DEMO_DIR = Path(__file__).resolve().parents[3] / "modules" / "demo"


class Command(BaseCommand):
    help = "Create or update the demo series, its modules, transcripts and media."

    def handle(self, *args, **options):
        catalog = tomllib.loads((DEMO_DIR / "catalog.toml").read_text())
        with transaction.atomic():
            series = self._series(catalog["series"])
            for entry in catalog["modules"]:
                module = self._module(series, entry)
                if "quiz" in entry:
                    self._quiz(module, entry["quiz"])
                self._evaluation(module, entry.get("evaluation", []))
                self.stdout.write(f"{module.activity_code} {module.title}: ready")
            if settings.DEBUG:
                self._accounts()
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
        old_video = module.video.name
        self._attach(module, "video", entry["video"])
        self._attach(module, "poster", entry["poster"])
        module.full_clean()
        module.save()
        if module.video.name != old_video:
            video_changed(module=module)

        self._objectives(module, entry["objectives"])
        module.competencies.set(
            Competency.objects.get_or_create(name=name)[0] for name in entry["competencies"]
        )
        self._transcript(module, DEMO_DIR / entry["transcript"])
        module_changed(module)  # objectives or competencies may have changed alone
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
            store_media(field_file, handle, role=field, name=filename)

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

    def _quiz(self, module: Module, entry: dict) -> None:
        quiz, _ = Quiz.objects.update_or_create(
            module=module,
            defaults={
                "pass_mark": entry.get("pass_mark", 80),
                "shuffle": entry.get("shuffle", False),
                "max_attempts": entry.get("max_attempts"),
            },
        )
        if quiz.attempts.exists():
            return  # learners have seen these questions; leave them as they are
        objectives = list(module.objectives.order_by("position"))
        quiz.questions.all().delete()
        for position, item in enumerate(entry["questions"], start=1):
            question = Question.objects.create(
                quiz=quiz,
                position=position,
                text=item["text"].strip(),
                kind=item["kind"],
                objective=objectives[item["objective"] - 1],
                review_at_seconds=_seconds(item.get("review_at")),
            )
            Choice.objects.bulk_create(
                Choice(
                    question=question,
                    position=number,
                    text=choice["text"].strip(),
                    is_correct=choice.get("correct", False),
                    explanation=choice.get("explanation", "").strip(),
                )
                for number, choice in enumerate(item["choices"], start=1)
            )
        quiz.full_clean()

    def _evaluation(self, module: Module, items: list[dict]) -> None:
        for position, item in enumerate(items, start=1):
            EvaluationQuestion.objects.update_or_create(
                module=module,
                position=position,
                defaults={
                    "text": item["text"].strip(),
                    "kind": item["kind"],
                    "required": item.get("required", True),
                },
            )

    def _accounts(self) -> None:
        User = get_user_model()
        self.stdout.write("Demo accounts (DEBUG only):")
        for email, password, name, is_admin in DEMO_ACCOUNTS:
            user = User.objects.filter(email=email).first()
            if user is None:
                user = User.objects.create_user(
                    email, password, certificate_name=name, is_staff=is_admin, is_superuser=is_admin
                )
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            role = "admin" if is_admin else "learner"
            self.stdout.write(f"  {role}: {email} / {password}")


def _seconds(value: str | None) -> int | None:
    return parse_timestamp(value) if value else None
