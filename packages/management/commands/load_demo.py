"""Load the demo series (idempotent): `python manage.py load_demo`."""

import tempfile
import tomllib
from pathlib import Path

from allauth.account.models import EmailAddress
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from accounts.demo import DEMO_ACCOUNTS
from certificates.models import EvaluationQuestion
from modules.models import Module
from packages.demo import DEMO_DIR, demo_packages
from packages.importer import import_package
from packages.manifest import PackageError


class Command(BaseCommand):
    help = "Create or update the demo series, its modules, transcripts and media."

    def handle(self, *args, **options):
        catalog = tomllib.loads((DEMO_DIR / "catalog.toml").read_text())
        with tempfile.TemporaryDirectory() as out, transaction.atomic():
            for package in demo_packages(catalog, out=Path(out)):
                for field in package.missing:
                    self.stderr.write(f"{package.folder.name} has no {field}: its file is missing")
                try:
                    module = import_package(path=package.folder).module
                except PackageError as error:
                    raise CommandError(f"{package.folder.name}: {error}") from None
                self._evaluation(module, package.evaluation)
                self.stdout.write(f"{module.activity_code} {module.title}: ready")
            if settings.DEBUG:
                self._accounts()
        self.stdout.write(self.style.SUCCESS("Demo content loaded."))

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
