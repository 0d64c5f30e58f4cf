"""The authoring page's forms: times written m:ss, and uploads kept across a refused save."""

from __future__ import annotations

from django import forms
from django.utils.html import format_html

from authoring.models import DraftUpload
from modules.forms import ModuleAdminForm
from modules.media_files import format_size
from modules.transcripts import TimestampError, format_timestamp, parse_timestamp
from quizzes.models import Question

KEPT_ROLES = [role.value for role in DraftUpload.Role]
PUBLISHED_AT_HELP = (
    "When learners first see the module once it is published with the Publish button. "
    "Empty: as soon as it is published."
)


class TimestampInput(forms.TextInput):
    """Seconds shown the way the site writes times (6:59, 1:02:03)."""

    def format_value(self, value):
        if isinstance(value, int):
            return format_timestamp(value)
        return super().format_value(value)


class TimestampField(forms.Field):
    """A moment of the video typed as m:ss or h:mm:ss, read by parse_timestamp."""

    widget = TimestampInput(attrs={"size": 8, "placeholder": "m:ss", "inputmode": "numeric"})

    def to_python(self, value) -> int | None:
        if value in (None, ""):
            return None
        if isinstance(value, int):
            return value
        try:
            return parse_timestamp(str(value))
        except TimestampError as error:
            raise forms.ValidationError(str(error)) from None


class KeptFileInput(forms.ClearableFileInput):
    """A file input that says which earlier upload is kept and sends its draft along."""

    kept: DraftUpload | None = None

    def render(self, name, value, attrs=None, renderer=None):
        html = super().render(name, value, attrs, renderer)
        if self.kept is None:
            return html
        return format_html(
            '{}<p class="kept-upload" data-kept-upload>{} ({}) is kept; choose another file '
            'to replace it.<input type="hidden" name="{}_draft" value="{}"></p>',
            html,
            self.kept.original_name,
            format_size(self.kept.size),
            name,
            self.kept.pk,
        )


class AuthoringModuleForm(ModuleAdminForm):
    """The module's fields on its authoring page; publishing has its own button, and a file
    kept from a refused save (`<field>_draft`) counts as uploaded again."""

    user = None  # set by the admin for the request (AuthoringModuleAdmin.get_form)
    duration_seconds = TimestampField(
        label="Duration",
        required=False,
        help_text="As m:ss or h:mm:ss (3:20); read from the video when one is chosen.",
    )

    class Meta(ModuleAdminForm.Meta):
        fields = [name for name in ModuleAdminForm.Meta.fields if name != "is_published"] + [
            "without_evaluation"
        ]
        widgets = {
            "video": KeptFileInput(attrs={"accept": "video/mp4,video/webm"}),
            "poster": KeptFileInput(attrs={"accept": "image/png,image/jpeg,image/webp"}),
        }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["transcript_file"].widget = KeptFileInput(
            attrs=self.fields["transcript_file"].widget.attrs
        )
        if "published_at" in self.fields:
            # Here a date alone publishes nothing: the Publish button does.
            self.fields["published_at"].help_text = PUBLISHED_AT_HELP
        self.used_drafts: dict[str, DraftUpload] = {}
        self.replaced_drafts: list[DraftUpload] = []
        self.uploaded_names: dict[str, str] = {}
        if not self.is_bound:
            return
        self.files = self.files.copy()
        module = self.instance if self.instance.pk else None
        for role in KEPT_ROLES:
            draft_id = self.data.get(f"{role}_draft", "")
            draft = (
                DraftUpload.objects.of(self.user, module).filter(pk=draft_id, role=role).first()
                if draft_id.isdigit() and self.user is not None
                else None
            )
            if role in self.files:  # a new file replaces the kept one
                self.uploaded_names[role] = self.files[role].name
                if draft is not None:
                    self.replaced_drafts.append(draft)
            elif draft is not None:
                self.used_drafts[role] = draft
                self.files[role] = draft.as_upload()


class QuestionForm(forms.ModelForm):
    review_at_seconds = TimestampField(
        label="Review moment",
        required=False,
        help_text="The moment of the video that covers this question, as m:ss (6:59).",
    )

    class Meta:
        model = Question
        fields = ["position", "text", "kind", "objective", "review_at_seconds"]
