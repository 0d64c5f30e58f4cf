"""The "Module authors" group: staff who write modules and quizzes, and nothing else.

They add and change series, competencies, modules, objectives, transcript lines, quizzes,
questions and choices. They may delete only the rows edited inside a module or a question
(objectives, questions, choices), since removing one from a form is a delete. No users,
attempts, completions or certificates. Superusers keep every permission.

Permissions are normally made after `migrate` (post_migrate); they are made here first so
the group is complete on a new, empty database too.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Module authors"
MODELS = {
    "modules": ["series", "competency", "module", "learningobjective", "cue"],
    "quizzes": ["quiz", "question", "choice"],
}
DELETABLE = {"learningobjective", "question", "choice"}


def codenames(model: str) -> list[str]:
    actions = ["view", "add", "change"] + (["delete"] if model in DELETABLE else [])
    return [f"{action}_{model}" for action in actions]


def _make_permissions(apps) -> None:
    for label in MODELS:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # historical app configs have none; permissions need it
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None


def create_group(apps, schema_editor) -> None:
    _make_permissions(apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    wanted = [
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, models in MODELS.items()
        for model in models
        for codename in codenames(model)
    ]
    group.permissions.set(wanted)


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
