"""Caps on paying with rewards (S1, S5, T1).

- Unverified members cannot pay with points (T1, seed 002): the Unverified tier of
  every existing program whose cap was empty (it followed the program's 50 %) gets
  0 %, as new programs' default tables now have. A cap staff set stays.
- A voucher bought with points keeps its minimum spend (S5: value x 100 / cap);
  earlier conversions had none (0).
"""

from decimal import Decimal

from django.db import migrations, models


def unverified_cannot_redeem(apps, schema_editor):
    Tier = apps.get_model("saleor_rewards", "Tier")
    Tier.objects.filter(for_unverified=True, max_redeem_percent__isnull=True).update(
        max_redeem_percent=Decimal(0)
    )


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_rewards", "0011_delivery_confirmation"),
    ]

    operations = [
        migrations.RunPython(unverified_cannot_redeem, migrations.RunPython.noop),
        migrations.AddField(
            model_name="voucherconversion",
            name="min_spent",
            field=models.DecimalField(decimal_places=3, default=Decimal("0"), max_digits=20),
        ),
        migrations.AddConstraint(
            model_name="voucherconversion",
            constraint=models.CheckConstraint(
                condition=models.Q(("min_spent__gte", 0)),
                name="rewards_voucher_conversion_min_spent",
            ),
        ),
    ]
