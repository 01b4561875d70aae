"""Every program has its tiers from the start (T1); before, the default table was
created when someone first read it. Programs made that way but never read get it now.

The table is written out here, not imported: a migration replays the past even when
``DEFAULT_TIERS`` changes later.
"""

from decimal import Decimal

from django.db import migrations

DEFAULT_TIERS = (  # name, min_consumption, discount_percent, for_unverified
    ("Unverified", Decimal(0), Decimal(0), True),
    ("Regular", Decimal(0), Decimal("0.5"), False),
    ("VIP-D", Decimal(200), Decimal(1), False),
    ("VIP-C", Decimal(800), Decimal(2), False),
    ("VIP-B", Decimal(1500), Decimal(3), False),
    ("VIP-A", Decimal(3000), Decimal(4), False),
    ("Top-VIP", Decimal(5000), Decimal(5), False),
)


def create_default_tiers(apps, schema_editor):
    Program = apps.get_model("saleor_rewards", "Program")
    Tier = apps.get_model("saleor_rewards", "Tier")
    with_tiers = Tier.objects.values("program_id")
    for program in Program.objects.exclude(id__in=with_tiers).order_by("id"):
        Tier.objects.bulk_create(
            Tier(
                program=program,
                name=name,
                min_consumption=minimum,
                discount_percent=discount,
                for_unverified=unverified,
                position=position,
            )
            for position, (name, minimum, discount, unverified) in enumerate(DEFAULT_TIERS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_rewards", "0008_audit_events"),
    ]

    operations = [
        migrations.RunPython(create_default_tiers, migrations.RunPython.noop),
    ]
