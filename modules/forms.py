"""Admin forms for authoring modules: the video and the transcript are checked before saving.

Everything is validated in the form's clean(), so a refused file leaves nothing behind: the
module is not saved, its video is not written to storage and its cues are not replaced.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.files.uploadedfile import UploadedFile

from modules.media_files import MediaFileError, MediaRole, check_media, format_size
from modules.models import Module
from modules.transcripts import ParsedCue, TranscriptError, parse_transcript

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt")
# A transcript of several hours is well under 1 MB; this bounds what the parser must read.
MAX_TRANSCRIPT_BYTES = 5 * 10**6


def transcript_error_message(name: str, error: TranscriptError) -> str:
    """transcript.txt, line 12: timestamp [01:75] has 75 seconds"""
    where = f"{name}, line {error.line}" if error.line is not None else name
    return f"{where}: {error.message}"


def read_transcript(upload: UploadedFile) -> list[ParsedCue]:
    """Cues from an uploaded transcript, or forms.ValidationError naming the file."""
    name = upload.name or "transcript"
    if not name.lower().endswith(TRANSCRIPT_SUFFIXES):
        raise forms.ValidationError(
            f"{name}: upload the transcript as plain text (.txt), WebVTT (.vtt) or SRT (.srt)."
        )
    if upload.size > MAX_TRANSCRIPT_BYTES:
        raise forms.ValidationError(
            f"{name} is {format_size(upload.size)}; transcripts up to "
            f"{format_size(MAX_TRANSCRIPT_BYTES)} are accepted."
        )
    upload.seek(0)
    try:
        return parse_transcript(upload.read(), filename=name)
    except TranscriptError as error:
        raise forms.ValidationError(transcript_error_message(name, error)) from None


class ModuleAdminForm(forms.ModelForm):
    transcript_file = forms.FileField(
        label="Transcript",
        required=False,
        help_text=(
            "Plain text (.txt, e.g. “Coach: [06:41] Are you familiar…”), WebVTT (.vtt) or "
            "SRT (.srt). Uploading one replaces all of the module's transcript lines."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(TRANSCRIPT_SUFFIXES)}),
    )

    class Meta:
        model = Module
        fields = [
            "title",
            "slug",
            "activity_code",
            "series",
            "position",
            "video",
            "poster",
            "duration_seconds",
            "summary",
            "description",
            "credit",
            "competencies",
            "disclosure_statement",
            "participation_statement",
            "is_published",
            "published_at",
        ]
        widgets = {
            "video": forms.ClearableFileInput(attrs={"accept": "video/mp4,video/webm"}),
            "poster": forms.ClearableFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.new_cues: list[ParsedCue] | None = None
        if "published_at" in self.fields:
            # The admin's split date and time inputs stand under the field's legend with a
            # bare "Date:" and "Time:" text, not labels: name them for screen readers.
            widget = self.fields["published_at"].widget
            for part, name in zip(getattr(widget, "widgets", []), ("date", "time"), strict=False):
                part.attrs.setdefault("aria-label", f"Published at: {name}")
        limit = settings.MAX_VIDEO_UPLOAD_BYTES
        if "video" in self.fields:
            self.fields["video"].widget.attrs["data-max-bytes"] = str(limit)
            self.fields[
                "video"
            ].help_text = f"MP4 or WebM, up to {format_size(limit)}. The file's content is checked."

    def clean_video(self):
        return self._checked_media("video")

    def clean_poster(self):
        return self._checked_media("poster")

    def _checked_media(self, role: MediaRole):
        """A new upload is checked by its content and renamed to a name of ours."""
        upload = self.cleaned_data.get(role)
        if isinstance(upload, UploadedFile):
            try:
                kind = check_media(upload, role=role, name=upload.name, size=upload.size)
            except MediaFileError as error:
                raise forms.ValidationError(str(error)) from None
            upload.name = kind.stored_name()
        return upload

    def clean_transcript_file(self):
        upload = self.cleaned_data.get("transcript_file")
        if upload:
            self.new_cues = read_transcript(upload)
        return upload
