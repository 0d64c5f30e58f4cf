from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **fields):
        fields.setdefault("is_staff", False)
        fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **fields)

    def create_superuser(self, email: str, password: str | None = None, **fields):
        fields.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **fields)


class User(AbstractUser):
    """A coach. Signs in with an email address; there are no usernames."""

    username = None
    email = models.EmailField("email address", unique=True)
    certificate_name = models.CharField(
        "name on certificates",
        max_length=150,
        blank=True,
        help_text="Your name exactly as it should be printed on certificates.",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(Lower("email"), name="user_email_unique_ignoring_case")
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        return self.certificate_name or self.get_full_name() or self.email


class OutgoingMail(models.Model):
    """A message waiting for the mail job (accounts.tasks.send_mail).

    The message itself stays out of the job's arguments, which staff can read in the admin:
    a password-reset link is a key to an account. The row is deleted once the mail is sent.
    """

    message = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name_plural = "outgoing mail"

    def __str__(self) -> str:
        return f"mail {self.pk}: {self.message.get('subject', '')}"
