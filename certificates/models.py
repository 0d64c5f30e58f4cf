import secrets
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from modules.models import Module
from quizzes.models import Completion

# No 0/O, 1/I/L or U: codes are read aloud and typed from paper.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 15  # 15 × log2(30) ≈ 73.6 bits
CODE_GROUP = 5


def new_verification_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(value: str) -> str:
    """What a person typed, as stored: case, spaces and dashes forgiven."""
    return "".join(ch for ch in (value or "").upper() if ch.isascii() and ch.isalnum())[:40]


def display_code(code: str) -> str:
    return "-".join(code[i : i + CODE_GROUP] for i in range(0, len(code), CODE_GROUP))


class EvaluationQuestion(models.Model):
    """A question of a module's short activity evaluation, answered when claiming."""

    class Kind(models.TextChoices):
        YES_NO = "yes_no", "Yes or no"
        SCALE = "scale", "Scale of 1 to 5"
        TEXT = "text", "Free text"

    module = models.ForeignKey(
        Module, on_delete=models.PROTECT, related_name="evaluation_questions"
    )
    position = models.PositiveIntegerField(default=1)
    text = models.CharField(max_length=300)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.YES_NO)
    required = models.BooleanField(default=True)

    class Meta:
        ordering = ["module", "position", "pk"]

    def __str__(self) -> str:
        return self.text


NO_EVALUATION = (
    "The activity evaluation has no questions: add them, or tick “no activity evaluation, "
    "on purpose”."
)


def evaluation_publish_check(module, objectives) -> list[str]:
    """Certificates ask the module's evaluation questions, unless it has none on purpose."""
    if module.without_evaluation:
        return []
    if module.pk and EvaluationQuestion.objects.filter(module_id=module.pk).exists():
        return []
    return [NO_EVALUATION]


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(status=Certificate.Status.VALID)

    def owned_by(self, user):
        return self.filter(user=user)

    def issued_between(self, start=None, end=None):
        queryset = self
        if start:
            queryset = queryset.filter(completion_date__gte=start)
        if end:
            queryset = queryset.filter(completion_date__lte=end)
        return queryset

    def credit_total(self) -> Decimal:
        return self.aggregate(total=models.Sum("credit"))["total"] or Decimal("0")

    def credit_totals(self, year: int) -> tuple[Decimal, Decimal]:
        """(all time, in `year`) from one query."""
        totals = self.aggregate(
            all_time=models.Sum("credit"),
            year=models.Sum("credit", filter=models.Q(completion_date__year=year)),
        )
        return totals["all_time"] or Decimal("0"), totals["year"] or Decimal("0")


class Certificate(models.Model):
    """A participation certificate. What it certifies is a snapshot taken when issued."""

    class Status(models.TextChoices):
        VALID = "valid", "Valid"
        SUPERSEDED = "superseded", "Superseded by a reissued certificate"
        REVOKED = "revoked", "Revoked"

    code = models.CharField(max_length=CODE_LENGTH, unique=True, default=new_verification_code)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="certificates"
    )
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="certificates")
    completion = models.ForeignKey(
        Completion, on_delete=models.PROTECT, related_name="certificates"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.VALID)

    learner_name = models.CharField(max_length=150)
    module_title = models.CharField(max_length=200)
    activity_code = models.CharField(max_length=12)
    series_title = models.CharField(max_length=200, blank=True)
    credit = models.DecimalField(max_digits=5, decimal_places=2)
    completion_date = models.DateField()
    issued_at = models.DateTimeField(default=timezone.now)

    superseded_by = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="supersedes"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.TextField(blank=True)

    pdf = models.FileField(upload_to="certificates/", blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["-completion_date", "-issued_at"]
        # Checked by accounts.roles for every view of other learners' records.
        permissions = [
            (
                "view_learner_records",
                "Can see learners' records: attempts, certificates, reports, evaluations",
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "module"],
                condition=models.Q(status="valid"),
                name="certificate_one_valid_per_module",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["valid", "superseded", "revoked"]),
                name="certificate_status_known",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="revoked") | models.Q(revoked_at__isnull=False),
                name="certificate_revoked_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.display_code} · {self.learner_name} · {self.module_title}"

    def get_absolute_url(self) -> str:
        return reverse("certificates:pdf", args=[self.code])

    def get_verify_url(self) -> str:
        return reverse("certificates:verify", args=[self.code])

    @property
    def display_code(self) -> str:
        return display_code(self.code)

    @property
    def is_valid(self) -> bool:
        return self.status == self.Status.VALID

    @property
    def download_name(self) -> str:
        return f"CoachLearn certificate {self.activity_code} {self.display_code}.pdf"


class EvaluationResponse(models.Model):
    """A learner's answers to a module's evaluation, kept with the certificate they claimed."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    module = models.ForeignKey(Module, on_delete=models.PROTECT, related_name="evaluations")
    certificate = models.OneToOneField(
        Certificate, on_delete=models.PROTECT, related_name="evaluation"
    )
    submitted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Evaluation of {self.module} by {self.user}"


class EvaluationAnswer(models.Model):
    response = models.ForeignKey(
        EvaluationResponse, on_delete=models.PROTECT, related_name="answers"
    )
    question = models.ForeignKey(EvaluationQuestion, on_delete=models.PROTECT)
    question_text = models.CharField(max_length=300)
    value = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="evaluation_answer_once")
        ]

    def __str__(self) -> str:
        return f"{self.question_text}: {self.value[:40]}"


class CertificateEvent(models.Model):
    """The audit trail of issue, reissue and revocation. Written only by the services."""

    class Action(models.TextChoices):
        ISSUED = "issued", "Issued"
        REISSUED = "reissued", "Reissued"
        REVOKED = "revoked", "Revoked"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    action = models.CharField(max_length=10, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True
    )
    reason = models.TextField(blank=True)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.certificate.display_code} at {self.at:%Y-%m-%d}"
