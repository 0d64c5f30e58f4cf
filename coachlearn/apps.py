from django.apps import AppConfig


class CoachLearnConfig(AppConfig):
    name = "coachlearn"
    verbose_name = "CoachLearn"

    def ready(self) -> None:
        from coachlearn import checks  # noqa: F401 - checks registers itself
