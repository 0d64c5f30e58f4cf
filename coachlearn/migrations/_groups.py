"""Groups of permissions made by data migrations, complete on a new, empty database too.

Permissions are normally made after `migrate` (post_migrate); they are made here first.
"""

from django.contrib.auth.management import create_permissions


def make_group(apps, name: str, permissions: dict[str, list[str]]):
    """The group `name` holding exactly `permissions` ({app label: [codename, …]})."""
    for label in permissions:
        app_config = apps.get_app_config(label)
        app_config.models_module = True  # historical app configs have none; permissions need it
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=name)
    group.permissions.set(
        Permission.objects.get(content_type__app_label=label, codename=codename)
        for label, codenames in permissions.items()
        for codename in codenames
    )
    return group
