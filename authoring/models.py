"""Uploads kept from a form that did not validate, so they need not be sent again."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import models
from django.utils import timezone

from modules.models import Module

DRAFT_LIFETIME = timedelta(days=1)


class DraftUploadQuerySet(models.QuerySet):
    def expired(self):
        return self.filter(created_at__lt=timezone.now() - DRAFT_LIFETIME)

    def of(self, user, module: Module | None):
        """The drafts a user may use on the given module's page (None: a new module)."""
        return self.filter(
            user=user, module=module, created_at__gte=timezone.now() - DRAFT_LIFETIME
        )


class DraftUpload(models.Model):
    class Role(models.TextChoices):
        VIDEO = "video", "video"
        POSTER = "poster", "poster"
        TRANSCRIPT = "transcript_file", "transcript"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    module = models.ForeignKey(Module, null=True, blank=True, on_delete=models.CASCADE)
    role = models.CharField(max_length=20, choices=Role.choices)
    # Stored under a name of ours (check_media's for media); the admin's name is only shown.
    file = models.FileField(upload_to="drafts/", max_length=200)
    original_name = models.CharField(max_length=255)
    size = models.BigIntegerField()
    created_at = models.DateTimeField(default=timezone.now)

    objects = DraftUploadQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.original_name} ({self.role})"

    def as_upload(self) -> UploadedFile:
        """The kept file as if uploaded again, under the name it was uploaded with."""
        return UploadedFile(self.file.open("rb"), name=self.original_name, size=self.size)

    def discard(self) -> None:
        self.file.delete(save=False)
        self.delete()
