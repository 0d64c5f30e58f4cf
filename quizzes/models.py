import uuid
from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from modules.models import LearningObjective, Module


def uncovered_objectives(objectives: Iterable[LearningObjective], objective_ids) -> list:
    """The objectives no question asks about, given the questions' objective ids: the one
    place of the rule "every learning objective has a question"."""
    covered = set(objective_ids)
    return [objective for objective in objectives if objective.pk not in covered]


class Quiz(models.Model):
    module = models.OneToOneField(Module, on_delete=models.PROTECT, related_name="quiz")
    pass_mark = models.PositiveSmallIntegerField(
        default=80,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text="Percent needed to pass.",
    )
    max_attempts = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Empty for unlimited attempts."
    )
    shuffle = models.BooleanField(
        default=False, help_text="Shuffle questions and choices for each attempt."
    )
    required_watch_percent = models.PositiveSmallIntegerField(
        default=0,
        validators=[MaxValueValidator(100)],
        help_text="Share of the video a learner must have watched before taking the quiz.",
    )
    show_missed_objectives = models.BooleanField(
        default=False,
        help_text=(
            "After a failed attempt, show only which learning objectives were missed and the"
            " moments of the video to review, not the right answers (for credit-bearing"
            " programmes whose questions are reused)."
        ),
    )

    class Meta:
        verbose_name_plural = "quizzes"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark__gte=1, pass_mark__lte=100), name="quiz_pass_mark"
            ),
            models.CheckConstraint(
                condition=models.Q(required_watch_percent__lte=100), name="quiz_watch_percent"
            ),
        ]

    UNCOVERED_OBJECTIVES = "uncovered_objectives"  # the error code of clean() below

    def __str__(self) -> str:
        return f"Quiz: {self.module.title}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:take", args=[self.module.slug])

    def watch_requirement_met(self, watched_percent: int) -> bool:
        """Enough of the video watched to take this quiz (the panel says so, the quiz checks)."""
        return watched_percent >= self.required_watch_percent

    def objectives_without_questions(self) -> list[LearningObjective]:
        return uncovered_objectives(
            self.module.objectives.all(), self.questions.values_list("objective_id", flat=True)
        )

    def clean(self) -> None:
        if self.pk is None:
            return
        missing = self.objectives_without_questions()
        if missing:
            raise ValidationError(
                "Every learning objective needs at least one question; none for: "
                + "; ".join(f"“{objective.text}”" for objective in missing),
                code=self.UNCOVERED_OBJECTIVES,
            )


class Question(models.Model):
    class Kind(models.TextChoices):
        SINGLE = "single", "Single choice"
        MULTIPLE = "multiple", "Multiple select"
        TRUE_FALSE = "true_false", "True or false"

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveIntegerField(default=1)
    text = models.TextField()
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SINGLE)
    objective = models.ForeignKey(
        LearningObjective, on_delete=models.PROTECT, related_name="questions"
    )
    review_at_seconds = models.PositiveIntegerField(
        null=True,
        blank=True,
        help_text="The moment of the video that covers this question (seconds).",
    )

    class Meta:
        ordering = ["quiz", "position", "pk"]

    def __str__(self) -> str:
        return self.text[:80]

    NO_CHOICES = "Add the choices: learners cannot answer a question without them."
    ONE_CHOICE = "Add a second choice: with only one there is nothing to choose."
    NO_RIGHT_CHOICE = "Mark at least one choice as correct."
    ONE_RIGHT_CHOICE = (
        "This question takes one answer: mark exactly one choice as correct, or"
        " make it a multiple-select question."
    )

    def clean(self) -> None:
        if self.objective_id and self.quiz_id and self.objective.module_id != self.quiz.module_id:
            raise ValidationError({"objective": "Pick one of this module's objectives."})

    def unanswerable_reason(self, choices: Iterable["Choice"] | None = None) -> str | None:
        """Why learners could not answer this question, or None when they can.

        `choices` are the choices as they are about to be saved (default: the saved ones).
        Every question offers at least two choices. A single-choice or true/false question is
        answered with one pick, so it needs exactly one right choice; a multiple-select
        question at least one.
        """
        choices = list(self.choices.all() if choices is None else choices)
        right = sum(1 for choice in choices if choice.is_correct)
        if not choices:
            return self.NO_CHOICES
        if len(choices) == 1:
            return self.ONE_CHOICE
        if right == 0:
            return self.NO_RIGHT_CHOICE
        if right > 1 and self.kind != self.Kind.MULTIPLE:
            return self.ONE_RIGHT_CHOICE
        return None

    def add_true_false_choices(self) -> None:
        """A true/false question saved without choices gets its two, True and False (which
        one is right is the author's to mark)."""
        if self.kind == self.Kind.TRUE_FALSE and not self.choices.exists():
            Choice.objects.bulk_create(
                [
                    Choice(question=self, position=1, text="True"),
                    Choice(question=self, position=2, text="False"),
                ]
            )

    def in_published_module(self) -> bool:
        """Learners may be taking this question's quiz (its module is published)."""
        return (
            bool(self.quiz_id)
            and Module.objects.filter(quiz__pk=self.quiz_id, is_published=True).exists()
        )

    def deletion_problem(self) -> str | None:
        """Why this question may not be deleted, or None: a published module's quiz keeps a
        question for every objective (so it is never left without questions)."""
        if not self.in_published_module():
            return None
        others = Question.objects.filter(quiz_id=self.quiz_id, objective_id=self.objective_id)
        if others.exclude(pk=self.pk).exists():
            return None
        return (
            f"This is the only question on “{self.objective.text}” in a published module's"
            " quiz: add another question on it first, or unpublish the module."
        )


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveIntegerField(default=1)
    text = models.CharField(max_length=500)
    is_correct = models.BooleanField(default=False)
    explanation = models.TextField(blank=True)

    class Meta:
        ordering = ["question", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class AttemptQuerySet(models.QuerySet):
    def submitted(self):
        return self.filter(finished_at__isnull=False)

    def open(self):
        return self.filter(finished_at__isnull=True)

    def for_learner(self, user, quiz):
        return self.filter(user=user, quiz=quiz)


class Attempt(models.Model):
    """One try at a quiz. Shown questions and the graded result are kept as a snapshot,
    so a later edit of the quiz never changes what a learner was shown or scored."""

    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    quiz = models.ForeignKey(Quiz, on_delete=models.PROTECT, related_name="attempts")
    # [{"question": id, "choices": [id, …]}, …] in the order shown.
    order = models.JSONField(default=list)
    # {"<question id>": [choice id, …]}
    answers = models.JSONField(default=dict, blank=True)
    # The graded questions as they were: see quizzes.grading.
    result = models.JSONField(default=dict, blank=True)
    score_percent = models.DecimalField(max_digits=5, decimal_places=2, null=True, blank=True)
    passed = models.BooleanField(null=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = AttemptQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at"]
        constraints = [
            # One open (unsubmitted) attempt per learner and quiz: two tabs share it.
            models.UniqueConstraint(
                fields=["user", "quiz"],
                condition=models.Q(finished_at__isnull=True),
                name="attempt_one_open_per_learner",
            ),
            models.CheckConstraint(
                condition=models.Q(finished_at__isnull=True)
                | (models.Q(score_percent__isnull=False) & models.Q(passed__isnull=False)),
                name="attempt_finished_is_graded",
            ),
        ]
        indexes = [models.Index(fields=["user", "quiz", "finished_at"])]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz.module.title} · {self.started_at:%Y-%m-%d %H:%M}"

    def get_absolute_url(self) -> str:
        return reverse("quizzes:attempt", args=[self.quiz.module.slug, self.pk])

    @property
    def is_finished(self) -> bool:
        return self.finished_at is not None

    def hides_answers_from(self, user) -> bool:
        """A failed attempt at a quiz that shows missed objectives: its owner is shown those
        and the moments to review, never the right answers (so a retry tests again). Those
        reading learners' records still see the answers."""
        return self.quiz.show_missed_objectives and self.passed is False and self.user_id == user.pk


class Completion(models.Model):
    """A module completed by a learner: made once, by the first passing attempt."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="completions")
    attempt = models.OneToOneField(Attempt, on_delete=models.PROTECT)
    completed_at = models.DateTimeField()

    class Meta:
        ordering = ["-completed_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="completion_once_per_module")
        ]

    def __str__(self) -> str:
        return f"{self.user} completed {self.module.title}"


class WatchProgress(models.Model):
    """The distinct stretches of a module's video a learner has played."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="watch_progress")
    # Merged, sorted [[start, end], …] in seconds.
    intervals = models.JSONField(default=list)
    watched_seconds = models.FloatField(default=0)
    position_seconds = models.FloatField(default=0, help_text="Where to resume.")
    last_report_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "watch progress"
        constraints = [
            models.UniqueConstraint(fields=["user", "module"], name="watch_progress_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.module.title}: {self.watched_seconds:.0f} s"

    def percent_of(self, duration: float | None) -> int:
        if not duration:
            return 0
        return min(100, int(self.watched_seconds * 100 // duration))
