"""Privacy (SPEC P2, P3, P5, P6): restrictions, consents, invitation opt-outs, and
the end of the plain invite hashes.

Until now an invited address was kept as the unsalted SHA-256 of its canonical form;
a list of addresses hashed the same way reverses it. Those hashes cannot be turned
into keyed ones (``keyed_hash``: HMAC under the shop's secret) without the
addresses, which the shop never kept, so they are deleted here. What that costs,
once, at the upgrade: a sponsor may invite again an address they invited before,
and invitations sent in the last 24 hours no longer count toward the daily limit.
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_rewards", "0013_audit_event_types"),
    ]

    operations = [
        migrations.RunSQL(
            "DELETE FROM rewards_referral_invite", reverse_sql=migrations.RunSQL.noop
        ),
        migrations.CreateModel(
            name="InviteOptOut",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("email_hash", models.CharField(max_length=64, unique=True)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "rewards_invite_optout",
            },
        ),
        migrations.CreateModel(
            name="MemberRestriction",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("member_id", models.BigIntegerField(unique=True)),
                ("restricted", models.BooleanField(default=True)),
                ("reason", models.TextField(blank=True, default="")),
                ("changed_by", models.CharField(blank=True, default="", max_length=160)),
                ("changed_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
            options={
                "db_table": "rewards_member_restriction",
            },
        ),
        migrations.CreateModel(
            name="MemberConsent",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("member_id", models.BigIntegerField()),
                ("expiry_reminders", models.BooleanField(default=False)),
                ("updated_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="saleor_rewards.program",
                    ),
                ),
            ],
            options={
                "db_table": "rewards_member_consent",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("program", "member_id"), name="rewards_member_consent_unique"
                    )
                ],
            },
        ),
    ]
