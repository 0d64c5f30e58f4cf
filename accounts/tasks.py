from accounts.mail import deliver
from accounts.models import OutgoingMail
from coachlearn.jobs import job


@job(queue="mail")
def send_mail(*, mail_id: int) -> None:
    """Send a queued message; a message already sent (its row gone) is not sent again."""
    queued = OutgoingMail.objects.filter(pk=mail_id).first()
    if queued is None:
        return
    deliver(queued.message)
    queued.delete()
