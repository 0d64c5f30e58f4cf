from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        from modules.extensions import (
            register_catalog_notes,
            register_publish_check,
        )
        from quizzes import panels, publishing

        register_catalog_notes(panels.catalog_progress)
        register_publish_check(
            publishing.quiz_coverage_check,
            key="questions",
            label="Every objective has a question",
        )
        register_publish_check(
            publishing.quiz_answerable_check,
            key="answerable",
            label="Every question can be answered",
        )
