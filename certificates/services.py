"""Issuing, reissuing and revoking certificates: the only code that writes Certificate."""

from __future__ import annotations

from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.utils import timezone

from certificates.models import (
    Certificate,
    CertificateEvent,
    EvaluationAnswer,
    EvaluationQuestion,
    EvaluationResponse,
)
from certificates.tasks import render_certificate
from quizzes.models import Completion


class CertificateError(Exception):
    """A certificate action that cannot go ahead; the message is for the person acting."""


def evaluation_problems(
    questions: list[EvaluationQuestion], answers: Mapping[int, str]
) -> dict[int, str]:
    """{question id: what is wrong} for missing or malformed evaluation answers."""
    problems: dict[int, str] = {}
    for question in questions:
        value = (answers.get(question.pk) or "").strip()
        if not value:
            if question.required:
                problems[question.pk] = "Answer this question."
            continue
        if question.kind == EvaluationQuestion.Kind.YES_NO and value not in {"yes", "no"}:
            problems[question.pk] = "Choose yes or no."
        elif question.kind == EvaluationQuestion.Kind.SCALE and value not in set("12345"):
            problems[question.pk] = "Choose a number from 1 to 5."
        elif len(value) > 5000:
            problems[question.pk] = "Keep the answer under 5,000 characters."
    return problems


def _snapshot(completion: Completion, learner_name: str) -> dict:
    module = completion.module
    return {
        "user": completion.user,
        "module": module,
        "completion": completion,
        "learner_name": learner_name,
        "module_title": module.title,
        "activity_code": module.activity_code,
        "series_title": module.series.title if module.series_id else "",
        "credit": module.credit,
        "completion_date": timezone.localdate(completion.completed_at),
    }


def _render_pdf_later(certificate: Certificate) -> None:
    """Queue the PDF: deferred in this transaction, the job exists only if the row does."""
    render_certificate.defer(certificate_id=certificate.pk)


def issue_certificate(
    *,
    completion: Completion,
    printed_name: str,
    evaluation: Mapping[int, str] | None = None,
) -> Certificate:
    """The learner's one valid certificate for a completed module, issued at most once."""
    name = " ".join((printed_name or "").split())
    if not name:
        raise CertificateError("Enter your name exactly as it should be printed.")
    if len(name) > 150:
        raise CertificateError("The name can be at most 150 characters long.")
    existing = Certificate.objects.valid().filter(user=completion.user, module=completion.module)
    if certificate := existing.first():
        return certificate
    questions = list(EvaluationQuestion.objects.filter(module=completion.module))
    answers = evaluation or {}
    if problems := evaluation_problems(questions, answers):
        raise CertificateError(
            f"{len(problems)} evaluation question{'s' if len(problems) != 1 else ''} "
            "need an answer."
        )
    try:
        with transaction.atomic():
            certificate = Certificate.objects.create(**_snapshot(completion, name))
            CertificateEvent.objects.create(
                certificate=certificate, action=CertificateEvent.Action.ISSUED
            )
            if questions:
                response = EvaluationResponse.objects.create(
                    user=completion.user, module=completion.module, certificate=certificate
                )
                EvaluationAnswer.objects.bulk_create(
                    EvaluationAnswer(
                        response=response,
                        question=question,
                        question_text=question.text,
                        value=(answers.get(question.pk) or "").strip(),
                    )
                    for question in questions
                )
            _render_pdf_later(certificate)
    except IntegrityError:
        # A simultaneous claim issued it first; that one is the learner's certificate.
        return existing.get()
    user = completion.user
    if not user.certificate_name:
        user.certificate_name = name
        user.save(update_fields=["certificate_name"])
    return certificate


@transaction.atomic
def reissue_certificate(*, certificate: Certificate, actor, reason: str) -> Certificate:
    """A new certificate with today's profile name; the old one verifies as superseded."""
    old = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if not old.is_valid:
        raise CertificateError(
            f"Only a valid certificate can be reissued; this one is {old.status}."
        )
    if not reason.strip():
        raise CertificateError("Give a reason for reissuing.")
    old.status = Certificate.Status.SUPERSEDED
    old.save(update_fields=["status"])
    name = old.user.certificate_name or old.learner_name
    new = Certificate.objects.create(**_snapshot(old.completion, name))
    old.superseded_by = new
    old.save(update_fields=["superseded_by"])
    CertificateEvent.objects.create(
        certificate=old, action=CertificateEvent.Action.REISSUED, actor=actor, reason=reason
    )
    CertificateEvent.objects.create(
        certificate=new, action=CertificateEvent.Action.ISSUED, actor=actor, reason=reason
    )
    _render_pdf_later(new)
    return new


@transaction.atomic
def revoke_certificate(*, certificate: Certificate, actor, reason: str) -> Certificate:
    certificate = Certificate.objects.select_for_update().get(pk=certificate.pk)
    if certificate.status == Certificate.Status.REVOKED:
        raise CertificateError("This certificate is already revoked.")
    if not reason.strip():
        raise CertificateError("Give a reason for revoking.")
    certificate.status = Certificate.Status.REVOKED
    certificate.revoked_at = timezone.now()
    certificate.revoked_reason = reason.strip()
    certificate.save(update_fields=["status", "revoked_at", "revoked_reason"])
    CertificateEvent.objects.create(
        certificate=certificate, action=CertificateEvent.Action.REVOKED, actor=actor, reason=reason
    )
    return certificate
