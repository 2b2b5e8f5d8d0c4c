"""The respondent part of an invitation now lives in capacity.RespondentInvitation."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_apitoken_invitation_keep_existing_role"),
        # The rows are copied there first.
        ("capacity", "0003_respondent_invitation"),
    ]

    operations = [
        migrations.RemoveField(model_name="invitation", name="assessment"),
        migrations.RemoveField(model_name="invitation", name="role_group"),
    ]
