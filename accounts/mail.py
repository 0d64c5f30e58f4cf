"""Mail: sent by a background job, never while the person waits.

`QueuedEmailBackend` is the site's EMAIL_BACKEND: it keeps each message in OutgoingMail and
defers the job `accounts.tasks.send_mail`, which hands it to MAIL_DELIVERY_BACKEND (SMTP in
production, the console and var/mail/ in development). A sign-up for a new address and one
for a taken address then answer in the same time (both only queue a message), so the
response does not tell which addresses have accounts.

Delivery is at least once: a worker killed after the SMTP server took the message but
before the job finished sends it again on retry.
"""

from __future__ import annotations

import sys

from django.core.mail import EmailMessage, EmailMultiAlternatives, get_connection
from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.filebased import EmailBackend as FileBackend


class ConsoleAndFileBackend(FileBackend):
    """Development mail: printed to the console and kept as files under var/mail/."""

    def write_message(self, message):
        super().write_message(message)
        text = message.message().as_bytes().decode(errors="replace")
        sys.stdout.write(f"{text}\n{'-' * 79}\n")
        sys.stdout.flush()


class QueuedEmailBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        from accounts.models import OutgoingMail
        from accounts.tasks import send_mail

        for message in email_messages:
            queued = OutgoingMail.objects.create(message=message_to_json(message))
            send_mail.defer(mail_id=queued.pk)
        return len(email_messages)


def message_to_json(message: EmailMessage) -> dict:
    if message.attachments:
        raise ValueError("queued mail carries no attachments")
    return {
        "subject": str(message.subject),
        "body": str(message.body),
        "from_email": message.from_email,
        "to": list(message.to),
        "cc": list(message.cc),
        "bcc": list(message.bcc),
        "reply_to": list(message.reply_to),
        "headers": dict(message.extra_headers),
        "alternatives": [
            [str(content), mimetype] for content, mimetype in getattr(message, "alternatives", [])
        ],
    }


def message_from_json(data: dict) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=data["subject"],
        body=data["body"],
        from_email=data["from_email"],
        to=data["to"],
        cc=data["cc"],
        bcc=data["bcc"],
        reply_to=data["reply_to"],
        headers=data["headers"],
    )
    for content, mimetype in data["alternatives"]:
        message.attach_alternative(content, mimetype)
    return message


def deliver(data: dict) -> None:
    """Send one queued message through the real backend."""
    from django.conf import settings

    connection = get_connection(settings.MAIL_DELIVERY_BACKEND)
    connection.send_messages([message_from_json(data)])
