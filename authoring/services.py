"""Keeping the files of a refused save as drafts, and letting them go."""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.core.files import File

from authoring.models import DraftUpload
from modules.media_files import store_media
from modules.models import Module


def keep_draft_upload(*, user, module: Module | None, role: str, upload, name: str) -> DraftUpload:
    """Store an upload that was read and accepted, though its form was not saved."""
    discard_expired_drafts()
    for older in DraftUpload.objects.of(user, module).filter(role=role):
        older.discard()
    draft = DraftUpload(user=user, module=module, role=role, original_name=name, size=upload.size)
    upload.seek(0)
    if role == DraftUpload.Role.TRANSCRIPT:
        # Its suffix was checked by read_transcript_upload (.txt, .vtt or .srt).
        stored = f"{uuid.uuid4().hex}{PurePath(name).suffix.lower()}"
        draft.file.save(stored, File(upload), save=False)
    else:
        store_media(draft.file, upload, role=role, name=name)
    draft.save()
    return draft


def discard_expired_drafts() -> int:
    expired = list(DraftUpload.objects.expired())
    for draft in expired:
        draft.discard()
    return len(expired)
