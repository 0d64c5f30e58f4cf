import hashlib
import re
from decimal import Decimal
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone

from accounts.roles import may_preview
from modules.transcripts import format_timestamp

ACTIVITY_CODE_PATTERN = r"^[A-Z]{2,5}-\d{4,6}$"
CREDIT_STEP = Decimal("0.25")


def normalise_activity_code(value: str) -> str:
    """`cl 0001`, ` CL-0001 ` and `cl-0001` all name CL-0001."""
    compact = re.sub(r"\s+", "", value or "").upper()
    match = re.fullmatch(r"([A-Z]{2,5})-?(\d{4,6})", compact)
    return f"{match.group(1)}-{match.group(2)}" if match else compact


class Series(models.Model):
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["title"]
        verbose_name_plural = "series"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("modules:catalog") + f"#series-{self.slug}"


class Competency(models.Model):
    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "competencies"

    def __str__(self) -> str:
        return self.name


class ModuleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True, published_at__lte=timezone.now())

    def visible_to(self, user):
        """Staff see every module (to preview); everyone else only published ones."""
        return self.all() if may_preview(user) else self.published()

    def for_catalog(self):
        return (
            self.select_related("series")
            .defer("search_vector")  # kilobytes per module, only for search
            .annotate(objective_count=models.Count("objectives", distinct=True))
            .order_by("series__title", "series_id", "position", "title")
        )


class Module(models.Model):
    series = models.ForeignKey(
        Series, on_delete=models.PROTECT, related_name="modules", null=True, blank=True
    )
    position = models.PositiveIntegerField(default=1, help_text="Order within the series.")
    title = models.CharField(max_length=200)
    slug = models.SlugField(max_length=100, unique=True)
    activity_code = models.CharField(
        max_length=12,
        unique=True,
        validators=[RegexValidator(ACTIVITY_CODE_PATTERN, "Use letters, a dash and digits.")],
        help_text="Short unique code such as CL-0001, used to look the activity up.",
    )
    summary = models.CharField(max_length=300, blank=True)
    description = models.TextField(blank=True)
    credit = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=CREDIT_STEP,
        help_text="A positive multiple of 0.25.",
    )
    competencies = models.ManyToManyField(Competency, blank=True, related_name="modules")
    video = models.FileField(upload_to="videos/", blank=True)
    poster = models.FileField(upload_to="posters/", blank=True)
    duration_seconds = models.PositiveIntegerField(null=True, blank=True)
    disclosure_statement = models.TextField(blank=True)
    participation_statement = models.TextField(blank=True)
    # The publishing checklist asks for an activity evaluation; this is the admin's explicit
    # "none, on purpose".
    without_evaluation = models.BooleanField(
        "no activity evaluation, on purpose",
        default=False,
        help_text="Tick to issue certificates without asking the evaluation questions.",
    )
    is_published = models.BooleanField(default=False)
    published_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Title (A), objectives (B), summary, description and competencies (C), transcript (D),
    # written only by modules.search.refresh_search_vectors(): see modules/search.py.
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ModuleQuerySet.as_manager()

    class Meta:
        ordering = ["series__title", "position", "title"]
        indexes = [
            # fastupdate stays on (the default): author edits land in the pending list and
            # are merged by autovacuum; bulk rebuilds clean it at once (refresh_search).
            GinIndex(fields=["search_vector"], name="module_search_vector_gin"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(credit__gt=0), name="module_credit_positive"),
            models.CheckConstraint(
                condition=models.Q(is_published=False) | models.Q(published_at__isnull=False),
                name="module_published_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_code} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("module_page", args=[self.slug])

    def clean(self) -> None:
        self.activity_code = normalise_activity_code(self.activity_code)
        if self.credit is not None and (self.credit <= 0 or self.credit % CREDIT_STEP):
            raise ValidationError({"credit": "Credit must be a positive multiple of 0.25."})
        if self.is_published and self.published_at is None:
            self.published_at = timezone.now()

    @property
    def is_live(self) -> bool:
        return bool(self.is_published and self.published_at and self.published_at <= timezone.now())

    @property
    def duration_display(self) -> str:
        return format_timestamp(self.duration_seconds) if self.duration_seconds else ""

    def touch(self) -> None:
        """Move the module's version: every cached page and caption file of it is rebuilt
        (modules.page_cache). Writers call modules.services.module_changed, which calls this."""
        self.updated_at = timezone.now()
        Module.objects.filter(pk=self.pk).update(updated_at=self.updated_at)

    def ready_processing(self) -> "VideoProcessing | None":
        """The server's versions of the current video, once all are made; kept on this
        instance (a finished run touches the module, so a cached instance is never stale)."""
        if not hasattr(self, "_ready_processing"):
            self._ready_processing = (
                VideoProcessing.objects.filter(
                    module=self, source=self.video.name, status=VideoProcessing.Status.READY
                ).first()
                if self.video
                else None
            )
        return self._ready_processing

    def video_version(self) -> str:
        """Changes whenever what /video serves changes: part of its address, so a browser
        never mixes cached ranges of two different files."""
        processing = self.ready_processing()
        if processing is not None and processing.has_web_video:
            return processing.run
        return hashlib.sha256(self.video.name.encode()).hexdigest()[:12]

    def poster_version(self) -> str:
        return hashlib.sha256(self.poster.name.encode()).hexdigest()[:12]

    def series_position(self):
        """(number, total, previous, next) among the series' published modules, or None."""
        if self.series_id is None:
            return None
        siblings = list(
            Module.objects.published()
            .filter(series_id=self.series_id)
            .order_by("position", "title")
            .only("slug", "title", "position")
        )
        index = next((i for i, m in enumerate(siblings) if m.pk == self.pk), None)
        if index is None:
            return None
        previous = siblings[index - 1] if index > 0 else None
        following = siblings[index + 1] if index + 1 < len(siblings) else None
        return index + 1, len(siblings), previous, following


class LearningObjective(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="objectives")
    position = models.PositiveIntegerField(default=1)
    text = models.CharField(max_length=400)

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class Cue(models.Model):
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="cues")
    position = models.PositiveIntegerField()
    start_seconds = models.FloatField(null=True, blank=True, help_text="Empty for untimed lines.")
    end_seconds = models.FloatField(null=True, blank=True)
    speaker = models.CharField(max_length=100, blank=True)
    text = models.TextField()

    class Meta:
        ordering = ["module", "position"]
        indexes = [
            # Finds the matching lines of a page of search results (modules.search
            # attach_snippets, whose SQL repeats this expression exactly so the planner can
            # use it): bench/search.py measured about 1 ms against 13 ms without, for 31 MB.
            GinIndex(SearchVector("text", config="english"), name="cue_text_search_gin"),
        ]
        constraints = [
            models.UniqueConstraint(fields=["module", "position"], name="cue_position_unique"),
            models.CheckConstraint(
                condition=models.Q(start_seconds__isnull=True) | models.Q(start_seconds__gte=0),
                name="cue_start_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(end_seconds__isnull=True)
                | models.Q(start_seconds__isnull=True)
                | models.Q(end_seconds__gte=models.F("start_seconds")),
                name="cue_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.timestamp or '—'} {self.speaker}: {self.text[:60]}"

    def get_absolute_url(self) -> str:
        url = self.module.get_absolute_url()
        if self.start_seconds is None:
            return url
        return f"{url}?t={int(self.start_seconds)}"

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start_seconds)


def search_params(
    query: str = "", *, series: Series | None = None, competency: Competency | None = None
) -> str:
    """The query string of a search (`q=…&series=…&competency=…`), empty parts left out."""
    params = {
        "q": query,
        "series": series.slug if series else "",
        "competency": competency.pk if competency else "",
    }
    return urlencode({key: value for key, value in params.items() if value})


def search_url(
    query: str = "", *, series: Series | None = None, competency: Competency | None = None
) -> str:
    params = search_params(query, series=series, competency=competency)
    return reverse("modules:search") + (f"?{params}" if params else "")


class SearchWord(models.Model):
    """A word seen in module text, for "did you mean" (trigram similarity, pg_trgm).

    Filled by modules.search (words added with each module refresh; the whole list rebuilt,
    dropping words no longer used, by `manage.py refresh_search`).
    """

    word = models.CharField(max_length=40)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["word"], name="search_word_unique")]
        indexes = [GinIndex(fields=["word"], opclasses=["gin_trgm_ops"], name="search_word_trgm")]

    def __str__(self) -> str:
        return self.word


class SavedSearch(models.Model):
    """A search a learner named to run again: the query and the filters, as typed."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    query = models.CharField(max_length=200, blank=True)
    # A deleted series or competency widens the search rather than deleting it.
    series = models.ForeignKey(Series, on_delete=models.SET_NULL, null=True, blank=True)
    competency = models.ForeignKey(Competency, on_delete=models.SET_NULL, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = [Lower("name"), "pk"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint("user", Lower("name"), name="saved_search_name_unique_per_user")
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        """The search itself, to run it again."""
        return search_url(self.query, series=self.series, competency=self.competency)


class SavedCourse(models.Model):
    """A module a learner keeps in "My courses"."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_courses"
    )
    module = models.ForeignKey(Module, on_delete=models.CASCADE, related_name="saved_by")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="saved_course_once_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user} saved {self.module}"

    def get_absolute_url(self) -> str:
        return self.module.get_absolute_url()


class VideoProcessing(models.Model):
    """What the server made of a module's uploaded video (modules/video_pipeline.py).

    `source` is the stored name of the upload it was made from: when the module's video is
    replaced, the outputs of the old one no longer apply. The outputs live under `prefix`
    in storage: `web.mp4` when the upload was not web-safe, and HLS renditions under
    `hls/` (master.m3u8).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "processing"
        READY = "ready", "ready"
        FAILED = "failed", "failed"

    module = models.OneToOneField(Module, on_delete=models.CASCADE, related_name="processing")
    source = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    step = models.CharField(max_length=200, blank=True)  # what it is doing, in words
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    probe = models.JSONField(default=dict, blank=True)
    prefix = models.CharField(max_length=255, blank=True)
    has_web_video = models.BooleanField(default=False)
    has_hls = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "video processing"

    def __str__(self) -> str:
        return f"{self.module}: {self.get_status_display()}"

    @property
    def is_current(self) -> bool:
        return self.source == self.module.video.name

    def output_name(self, relative: str) -> str:
        return f"{self.prefix}/{relative}"

    @property
    def run(self) -> str:
        """The name of the run that made the outputs (the last part of the prefix)."""
        return self.prefix.rsplit("/", 1)[-1]


class TranscriptTiming(models.Model):
    """Start times proposed for a module's transcript lines by aligning the text to the
    video's speech (modules/alignment.py), for staff to review and accept."""

    class Status(models.TextChoices):
        QUEUED = "queued", "waiting for a worker"
        RUNNING = "running", "listening to the video"
        READY = "ready", "ready for review"
        FAILED = "failed", "failed"

    module = models.OneToOneField(Module, on_delete=models.CASCADE, related_name="timing")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    error = models.TextField(blank=True)
    # [{"position": cue position, "start": seconds or null}], in transcript order
    proposals = models.JSONField(default=list, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.module}: {self.get_status_display()}"

    def proposed_starts(self) -> dict[int, float | None]:
        return {item["position"]: item["start"] for item in self.proposals}
