"""The "Module authors" group: staff who write modules and quizzes, and nothing else.

They add and change series, competencies, modules, objectives, transcript lines, quizzes,
questions and choices. They may delete only the rows edited inside a module or a question
(objectives, questions, choices), since removing one from a form is a delete. No users,
attempts, completions or certificates. Superusers keep every permission.
"""

from django.db import migrations

from coachlearn.migrations import _groups

GROUP = "Module authors"
MODELS = {
    "modules": ["series", "competency", "module", "learningobjective", "cue"],
    "quizzes": ["quiz", "question", "choice"],
}
DELETABLE = {"learningobjective", "question", "choice"}


def codenames(model: str) -> list[str]:
    actions = ["view", "add", "change"] + (["delete"] if model in DELETABLE else [])
    return [f"{action}_{model}" for action in actions]


def create_group(apps, schema_editor) -> None:
    _groups.make_group(
        apps,
        GROUP,
        {label: [c for m in models for c in codenames(m)] for label, models in MODELS.items()},
    )


def delete_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("modules", "0001_initial"),
        ("quizzes", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
