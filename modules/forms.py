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
from modules.transcripts import (
    ParsedCue,
    TranscriptError,
    TranscriptReading,
    encoding_name,
    read_transcript,
)

TRANSCRIPT_SUFFIXES = (".txt", ".vtt", ".srt")
# A transcript of several hours is well under 1 MB; this bounds what the parser must read.
MAX_TRANSCRIPT_BYTES = 5 * 10**6
# Repairs listed one by one; a badly broken file gets a count for the rest.
REPAIRS_SHOWN = 20


def transcript_error_message(name: str, error: TranscriptError) -> str:
    """transcript.txt, line 12: timestamp [01:75] has 75 seconds"""
    where = f"{name}, line {error.line}" if error.line is not None else name
    return f"{where}: {error.message}"


def read_transcript_upload(
    upload: UploadedFile, *, speaker_labels: bool | None = None
) -> TranscriptReading:
    """An uploaded transcript read, or forms.ValidationError naming the file."""
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
        return read_transcript(upload.read(), filename=name, speaker_labels=speaker_labels)
    except TranscriptError as error:
        raise forms.ValidationError(transcript_error_message(name, error)) from None


def transcript_report(name: str, reading: TranscriptReading) -> tuple[str, list[str]]:
    """What the admin is told of a transcript that was read: a summary (lines, format,
    speakers) and warnings (the encoding when not UTF-8, each repair with its line)."""
    count = len(reading.cues)
    summary = f"{name} was read ({reading.format}): {count} line{'' if count == 1 else 's'}. "
    if reading.speakers:
        summary += f"Speakers: {', '.join(reading.speakers)} (from {reading.speaker_rule})."
    else:
        summary += "No speakers: the file marks none."
    warnings = []
    if not reading.is_utf8:
        warnings.append(
            f"{name} is not UTF-8; it was read as {encoding_name(reading.encoding)}. "
            "Check that its accented letters look right."
        )
    for repair in reading.repairs[:REPAIRS_SHOWN]:
        where = f"{name}, line {repair.line}" if repair.line is not None else name
        warnings.append(f"{where}: {repair.message}")
    if len(reading.repairs) > REPAIRS_SHOWN:
        warnings.append(f"{name}: … and {len(reading.repairs) - REPAIRS_SHOWN} more repairs")
    return summary, warnings


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
    transcript_names_speakers = forms.BooleanField(
        label="Lines start with the speaker's name",
        required=False,
        help_text=(
            "For SRT and WebVTT files whose lines begin with who speaks (“COACH: …”). "
            "Unticked, such names are speakers only where the file writes its speakers so "
            "throughout; WebVTT voices always are. Plain text transcripts always use their "
            "labels."
        ),
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
        # The model's own message ("letters, a dash and digits") fits "CL-902" too.
        error_messages = {
            "activity_code": {
                "invalid": (
                    "Write 2 to 5 capital letters, a dash and 4 to 6 digits, such as CL-0001."
                )
            }
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.transcript_reading: TranscriptReading | None = None
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

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("transcript_file")
        if upload:
            # Here rather than in clean_transcript_file: it needs the checkbox's answer.
            labels = True if cleaned.get("transcript_names_speakers") else None
            try:
                self.transcript_reading = read_transcript_upload(upload, speaker_labels=labels)
            except forms.ValidationError as error:
                self.add_error("transcript_file", error)
        return cleaned

    @property
    def new_cues(self) -> list[ParsedCue] | None:
        return self.transcript_reading.cues if self.transcript_reading else None

    def transcript_report(self) -> tuple[str, list[str]]:
        upload = self.cleaned_data["transcript_file"]
        assert self.transcript_reading is not None
        return transcript_report(upload.name or "transcript", self.transcript_reading)
