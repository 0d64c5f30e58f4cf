"""The "Programme staff" group: staff who look after learners' records and credit.

They read learners' records (`certificates.view_learner_records`: other learners' attempts
and certificate PDFs, the credit report, the evaluation summary), see those records in the
admin read-only, reissue or revoke certificates (change_certificate) and write the activity
evaluation questions. Module authors hold none of this. Superusers keep every permission.
"""

from django.db import migrations

from coachlearn.migrations import _groups

GROUP = "Programme staff"
PERMISSIONS = {
    "certificates": [
        "view_learner_records",
        "view_certificate",
        "change_certificate",
        "view_certificateevent",
        "view_evaluationresponse",
        "view_evaluationanswer",
        "view_evaluationquestion",
        "add_evaluationquestion",
        "change_evaluationquestion",
        "delete_evaluationquestion",
    ],
    "quizzes": ["view_attempt", "view_completion", "view_watchprogress"],
    "accounts": ["view_user"],
}


def create_group(apps, schema_editor) -> None:
    _groups.make_group(apps, GROUP, PERMISSIONS)


def delete_group(apps, schema_editor) -> None:
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("coachlearn", "0001_module_authors_group"),
        ("accounts", "0001_initial"),
        ("certificates", "0002_learner_records_permission"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
