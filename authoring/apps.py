from django.apps import AppConfig


class AuthoringConfig(AppConfig):
    """The top layer: a module's one authoring page in the admin, with its quiz and its
    evaluation (it may import modules, quizzes and certificates; none of them imports it)."""

    name = "authoring"
    verbose_name = "Authoring"
