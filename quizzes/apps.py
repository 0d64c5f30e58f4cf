from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        from modules.extensions import (
            register_admin_panel,
            register_catalog_notes,
            register_publish_check,
        )
        from quizzes import admin, panels, publishing

        register_catalog_notes(panels.catalog_progress)
        register_publish_check(publishing.quiz_publish_check)
        register_admin_panel(admin.module_quiz_admin_panel)
