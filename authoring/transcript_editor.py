"""The transcript editor: a module's video beside its lines, each corrected in place.

A staff page inside the admin (its URL is the module admin's, wrapped in admin_view, so the
admin's sign-in and two-factor rules apply), for those who may change modules. Every change
is a form posted here and a workflow of modules.services; static/js/transcript_editor.js
plays the video from a line and saves a line without leaving the page. A corrected file is
compared with the lines first and replaces them only when the author confirms; between the
two steps the file travels in a signed form field, refused if altered or stale.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.defaultfilters import pluralize
from django.urls import reverse

from modules.forms import read_transcript_upload, transcript_report
from modules.models import Cue, Module
from modules.page_cache import version_of
from modules.services import (
    ModuleError,
    edit_cue,
    merge_with_next,
    rename_speaker,
    replace_cues,
    shift_times,
    split_cue,
)
from modules.transcripts import format_timestamp, read_transcript
from modules.transcripts.compare import compare_cues

SIGNING_SALT = "authoring.transcript_editor.replace"
# The preview is an hour old at most when confirmed.
PREVIEW_MAX_AGE = 3600
# Changes listed one by one in the preview, per kind; the rest are counted.
CHANGES_SHOWN = 100


def editable_module(request: HttpRequest, *, pk: int) -> Module:
    """The module, 404 when there is none; 403 for staff who may not change modules."""
    module = get_object_or_404(Module.objects.defer("search_vector"), pk=pk)
    if not request.user.has_perm("modules.change_module"):
        raise PermissionDenied
    return module


def transcript_editor(request: HttpRequest, pk: int) -> HttpResponse:
    module = editable_module(request, pk=pk)
    if request.method != "POST":
        return _page(request, module)
    action = request.POST.get("action", "")
    if action == "preview":
        return _preview(request, module)
    change = ACTIONS.get(action)
    if change is None:
        messages.error(
            request, "Nothing was changed. The form did not say what to do; reload the page."
        )
        return redirect("admin:modules_module_transcript", module.pk)
    try:
        done, line = change(module, request.POST)
    except ModuleError as error:
        return _answer(request, module, error=str(error), line=_posted_position(request.POST))
    return _answer(request, module, done=done, line=line)


def _page(request: HttpRequest, module: Module, **extra) -> HttpResponse:
    cues = list(module.cues.order_by("position"))
    speakers = (
        module.cues.exclude(speaker="")
        .values("speaker")
        .annotate(lines=Count("pk"))
        .order_by("-lines", "speaker")
    )
    context = {
        **admin.site.each_context(request),
        "title": f"Transcript of {module.title}",
        "module": module,
        "opts": Module._meta,
        "lines": [(cue, format_timestamp(cue.start_seconds)) for cue in cues],
        "last_position": cues[-1].position if cues else 0,
        "speakers": speakers,
        "upload_form": CorrectedFileForm(),
        **extra,
    }
    return render(request, "authoring/transcript_editor.html", context)


def _answer(request, module: Module, *, done: str = "", error: str = "", line: int | None = None):
    """JSON for the page's script (a line saved in place), else a message and the page."""
    if request.headers.get("Accept") == "application/json":
        if error:
            return JsonResponse({"error": error}, status=400)
        cue = module.cues.filter(position=line).first() if line else None
        return JsonResponse({"message": done, "line": _line_json(cue) if cue else None})
    if error:
        messages.error(request, f"Nothing was changed. {error}")
    else:
        messages.success(request, done)
    url = reverse("admin:modules_module_transcript", args=[module.pk])
    return redirect(f"{url}#line-{line}" if line else url)


def _line_json(cue: Cue) -> dict:
    return {
        "position": cue.position,
        "time": format_timestamp(cue.start_seconds),
        "start": cue.start_seconds,
        "speaker": cue.speaker,
        "text": cue.text,
        "url": cue.get_absolute_url(),
    }


def _posted_position(post) -> int | None:
    try:
        return int(post.get("position", ""))
    except ValueError:
        return None


def _position(post) -> int:
    position = _posted_position(post)
    if position is None or position < 1:
        raise ModuleError("Line: the form did not say which line; reload the page.")
    return position


# --- the changes: each returns what was done and the line to show -----------------------------


def _edit(module: Module, post) -> tuple[str, int]:
    position = _position(post)
    edit_cue(
        module=module,
        position=position,
        speaker=post.get("speaker", ""),
        text=post.get("text", ""),
        time=post.get("time", ""),
    )
    return f"Line {position} was saved.", position


def _rename(module: Module, post) -> tuple[str, None]:
    speaker, new_name = post.get("speaker", ""), post.get("new_name", "")
    count = rename_speaker(module=module, speaker=speaker, new_name=new_name)
    name = " ".join(new_name.split())
    return f'{speaker} is now "{name}" on {count} line{pluralize(count)}.', None


def _shift(module: Module, post) -> tuple[str, int | None]:
    start = post.get("from_position", "").strip() or "1"
    if not start.isascii() or not start.isdigit() or int(start) < 1:
        raise ModuleError(f'Shift, from line: "{start}" is not a line number.')
    offset = post.get("offset", "")
    moved = shift_times(module=module, offset=offset, from_position=int(start))
    lines = f"{moved} line{pluralize(moved)}"
    return (
        f"{lines} from line {start} on {pluralize(moved, 'was,were')} moved by {offset.strip()}.",
        int(start),
    )


def _split(module: Module, post) -> tuple[str, int]:
    position = _position(post)
    at = post.get("at", "").strip()
    split_cue(
        module=module,
        position=position,
        before=post.get("before", ""),
        at=int(at) if at.isascii() and at.isdigit() else None,
    )
    return f"Line {position} was split; its second part is line {position + 1}.", position


def _merge(module: Module, post) -> tuple[str, int]:
    position = _position(post)
    merge_with_next(module=module, position=position)
    return f"Lines {position} and {position + 1} are now line {position}.", position


def _replace(module: Module, post) -> tuple[str, None]:
    upload = _signed_upload(module, post.get("upload", ""))
    reading = read_transcript(
        upload["data"], filename=upload["name"], speaker_labels=upload["labels"]
    )
    count = replace_cues(module=module, cues=reading.cues)
    return f"The transcript was replaced by {upload['name']}: {count} line{pluralize(count)}.", None


ACTIONS: dict[str, Callable] = {
    "edit": _edit,
    "rename": _rename,
    "shift": _shift,
    "split": _split,
    "merge": _merge,
    "replace": _replace,
}


# --- a corrected file: compared first, replaced when confirmed --------------------------------


class CorrectedFileForm(forms.Form):
    transcript_file = forms.FileField(
        label="Corrected transcript",
        help_text="Plain text (.txt), WebVTT (.vtt) or SRT (.srt). You see what it changes "
        "before anything is replaced.",
    )
    names_speakers = forms.BooleanField(label="Lines start with the speaker's name", required=False)

    def reading(self):
        labels = True if self.cleaned_data["names_speakers"] else None
        return read_transcript_upload(self.cleaned_data["transcript_file"], speaker_labels=labels)


def _preview(request: HttpRequest, module: Module) -> HttpResponse:
    form = CorrectedFileForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise forms.ValidationError("Corrected transcript: choose a file to upload.")
        reading = form.reading()
    except forms.ValidationError as error:
        messages.error(request, f"Nothing was changed. {' '.join(error.messages)}")
        return redirect("admin:modules_module_transcript", module.pk)
    upload = form.cleaned_data["transcript_file"]
    upload.seek(0)
    summary, warnings = transcript_report(upload.name, reading)
    comparison = compare_cues(list(module.cues.order_by("position")), reading.cues)
    signed = signing.dumps(
        {
            "module": module.pk,
            "version": version_of(module.updated_at),
            "name": upload.name,
            "labels": True if form.cleaned_data["names_speakers"] else None,
            "data": base64.b64encode(upload.read()).decode("ascii"),
        },
        salt=SIGNING_SALT,
        compress=True,
    )
    return _page(
        request,
        module,
        preview={
            "summary": summary,
            "warnings": warnings,
            "comparison": comparison,
            "sections": _sections(comparison),
            "signed": signed,
        },
    )


def _sections(comparison) -> list[dict]:
    """Each kind of change with its lines described, now and in the file."""
    sections = []
    for title, kind, changes in (
        ("Added", "added", comparison.added),
        ("Removed", "removed", comparison.removed),
        ("Changed", "changed", comparison.changed),
        ("At another time", "moved", comparison.moved),
    ):
        if changes:
            rows = [
                (_described(change.old_line, change.old), _described(change.new_line, change.new))
                for change in changes[:CHANGES_SHOWN]
            ]
            more = max(0, len(changes) - CHANGES_SHOWN)
            sections.append(
                {"title": title, "kind": kind, "rows": rows, "total": len(changes), "more": more}
            )
    return sections


def _described(line: int | None, cue) -> str:
    """line 3, 0:05, Coach: Welcome."""
    if cue is None:
        return ""
    time = format_timestamp(cue.start_seconds) or "untimed"
    speaker = f"{cue.speaker}: " if cue.speaker else ""
    return f"line {line}, {time}, {speaker}{cue.text}"


def _signed_upload(module: Module, signed: str) -> dict:
    try:
        upload = signing.loads(signed, salt=SIGNING_SALT, max_age=PREVIEW_MAX_AGE)
    except signing.SignatureExpired:
        raise ModuleError(
            "Replace: the preview is over an hour old; upload the file again."
        ) from None
    except signing.BadSignature:
        raise ModuleError(
            "Replace: the file sent is not the one previewed; upload it again."
        ) from None
    if upload["module"] != module.pk:
        raise ModuleError("Replace: that file was previewed for another module.")
    if upload["version"] != version_of(module.updated_at):
        raise ModuleError(
            "Replace: the module changed since the preview; upload the file again to see "
            "what it changes now."
        )
    upload["data"] = base64.b64decode(upload["data"])
    return upload
