"""The audit events table (P4), append-only in the database, and the settings
history moved into it.

1. ``rewards_audit_event``: one row per staff change (``saleor_rewards.events``).
2. A trigger refuses every UPDATE and DELETE of its rows, as migration 0002 does for
   the ledger's entries. (TRUNCATE, which test databases use to reset, fires no row
   trigger.)
3. Each record of a program's settings history, until now appended to
   ``Program.settings["_changes"]``, becomes one PROGRAM_SETTINGS_CHANGED event, in
   the order it was appended; the ``_changes`` key is then removed.

Reversed, the settings events go back into ``_changes`` before the table is dropped;
the events of other types (tiers, reviews, adjustments) had no place before this
migration and are lost with the table.
"""

from datetime import datetime

import django.core.serializers.json
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

HISTORY_KEY = "_changes"
SETTINGS_CHANGED = "program_settings_changed"

FORWARD = r"""
CREATE FUNCTION rewards_forbid_audit_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'rewards audit events are append-only: % on % refused',
    TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER rewards_audit_event_append_only
  BEFORE UPDATE OR DELETE ON rewards_audit_event
  FOR EACH ROW EXECUTE FUNCTION rewards_forbid_audit_rewrite();
"""

BACKWARD = r"""
DROP TRIGGER rewards_audit_event_append_only ON rewards_audit_event;
DROP FUNCTION rewards_forbid_audit_rewrite();
"""


def move_settings_history(apps, schema_editor):
    """``Program.settings["_changes"]`` records -> PROGRAM_SETTINGS_CHANGED events.

    A record is ``{"at", "actor_type", "actor_id", "settings": [{"name", "before",
    "after", "overridden_before", "overridden_after"}, ...]}``; an event keeps, per
    setting, ``{"value", "overridden"}`` in ``before`` and ``after``.
    """
    Program = apps.get_model("saleor_rewards", "Program")
    AuditEvent = apps.get_model("saleor_rewards", "AuditEvent")
    for program in Program.objects.filter(settings__has_key=HISTORY_KEY).order_by("id"):
        history = program.settings[HISTORY_KEY] or []
        AuditEvent.objects.bulk_create(
            AuditEvent(
                created_at=datetime.fromisoformat(record["at"]),
                actor_type=record["actor_type"],
                actor_id=record.get("actor_id") or "",
                type=SETTINGS_CHANGED,
                program_id=program.id,
                subject_type="program",
                subject_id=str(program.id),
                before={
                    c["name"]: {"value": c["before"], "overridden": c["overridden_before"]}
                    for c in record["settings"]
                },
                after={
                    c["name"]: {"value": c["after"], "overridden": c["overridden_after"]}
                    for c in record["settings"]
                },
            )
            for record in history
            if record.get("settings")  # the code never wrote an empty record
        )
        settings = {k: v for k, v in program.settings.items() if k != HISTORY_KEY}
        # update(), not save(): the program's updated_at stays as the last change left it.
        Program.objects.filter(id=program.id).update(settings=settings)


def restore_settings_history(apps, schema_editor):
    """The inverse of ``move_settings_history``: the events back into ``_changes``.

    Within a record the settings come in the order the database keeps the keys
    (jsonb sorts them), not necessarily the order they were first listed in.
    """
    Program = apps.get_model("saleor_rewards", "Program")
    AuditEvent = apps.get_model("saleor_rewards", "AuditEvent")
    events = AuditEvent.objects.filter(type=SETTINGS_CHANGED, program__isnull=False)
    for program in Program.objects.filter(id__in=events.values("program_id")).order_by("id"):
        history = [
            {
                "at": event.created_at.isoformat(),
                "actor_type": event.actor_type,
                "actor_id": event.actor_id,
                "settings": [
                    {
                        "name": name,
                        "before": event.before[name]["value"],
                        "after": event.after[name]["value"],
                        "overridden_before": event.before[name]["overridden"],
                        "overridden_after": event.after[name]["overridden"],
                    }
                    for name in event.after
                ],
            }
            for event in events.filter(program_id=program.id).order_by("id")
        ]
        settings = {**program.settings, HISTORY_KEY: history}
        Program.objects.filter(id=program.id).update(settings=settings)


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0007_referral_welcome_bonus")]

    operations = [
        migrations.CreateModel(
            name="AuditEvent",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "actor_type",
                    models.CharField(
                        choices=[
                            ("system", "System"),
                            ("customer", "Customer"),
                            ("staff", "Staff"),
                            ("app", "App"),
                        ],
                        max_length=16,
                    ),
                ),
                ("actor_id", models.CharField(blank=True, default="", max_length=128)),
                (
                    "type",
                    models.CharField(
                        choices=[
                            (
                                "program_settings_changed",
                                "A channel's program settings were changed",
                            ),
                            ("tier_created", "A tier was created"),
                            ("tier_updated", "A tier was changed"),
                            ("tier_deleted", "A tier was deleted"),
                            ("review_approved", "A review was approved"),
                            ("review_rejected", "A review was rejected"),
                            ("balance_adjusted", "A member's balance was adjusted by staff"),
                        ],
                        max_length=64,
                    ),
                ),
                (
                    "subject_type",
                    models.CharField(
                        choices=[
                            ("program", "Program"),
                            ("tier", "Tier"),
                            ("review", "Review"),
                            ("account", "Account"),
                        ],
                        max_length=32,
                    ),
                ),
                ("subject_id", models.CharField(max_length=128)),
                (
                    "before",
                    models.JSONField(
                        blank=True,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        null=True,
                    ),
                ),
                (
                    "after",
                    models.JSONField(
                        blank=True,
                        encoder=django.core.serializers.json.DjangoJSONEncoder,
                        null=True,
                    ),
                ),
                (
                    "program",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="saleor_rewards.program",
                    ),
                ),
            ],
            options={
                "db_table": "rewards_audit_event",
                "indexes": [
                    models.Index(
                        fields=["program", "type", "-id"], name="rewards_audit_event_history"
                    ),
                    models.Index(
                        fields=["subject_type", "subject_id"], name="rewards_audit_event_subject"
                    ),
                ],
                "constraints": [
                    models.CheckConstraint(
                        condition=models.Q(
                            (
                                "type__in",
                                (
                                    "program_settings_changed",
                                    "tier_created",
                                    "tier_updated",
                                    "tier_deleted",
                                    "review_approved",
                                    "review_rejected",
                                    "balance_adjusted",
                                ),
                            )
                        ),
                        name="rewards_audit_event_type",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("actor_type__in", ["system", "customer", "staff", "app"])
                        ),
                        name="rewards_audit_event_actor_type",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("subject_type__in", ("program", "tier", "review", "account"))
                        ),
                        name="rewards_audit_event_subject_type",
                    ),
                    models.CheckConstraint(
                        condition=models.Q(
                            ("before__isnull", False), ("after__isnull", False), _connector="OR"
                        ),
                        name="rewards_audit_event_not_empty",
                    ),
                ],
            },
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(move_settings_history, restore_settings_history),
    ]
