from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"
    verbose_name = "Quizzes"

    def ready(self) -> None:
        from modules.extensions import register_catalog_notes, register_module_panel
        from quizzes import panels

        register_module_panel(panels.quiz_panel, order=10)
        register_catalog_notes(panels.catalog_progress)
