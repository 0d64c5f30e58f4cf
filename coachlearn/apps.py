from django.apps import AppConfig


class CoachLearnConfig(AppConfig):
    name = "coachlearn"
    verbose_name = "CoachLearn"
