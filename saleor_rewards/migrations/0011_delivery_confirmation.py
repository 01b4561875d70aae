"""Customers confirm delivery (L2): ``rewards_delivery_confirmation``, one row per
order, final once written.

A trigger refuses to delete a confirmation or change it, except unlinking its
member (erasure, P2): the time a customer confirmed is what their points were made
spendable from, so it is kept like the ledger's own entries. (TRUNCATE, which test
databases use to reset, fires no row trigger.)
"""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

FORWARD = r"""
CREATE FUNCTION rewards_delivery_confirmation_final() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'UPDATE' AND NEW.member_id IS NULL
     AND (NEW.id, NEW.program_id, NEW.order_id, NEW.confirmed_at)
         IS NOT DISTINCT FROM (OLD.id, OLD.program_id, OLD.order_id, OLD.confirmed_at)
  THEN
    RETURN NEW;  -- erasure unlinks the member (P2)
  END IF;
  RAISE EXCEPTION 'rewards delivery confirmations are final: % on % refused',
    TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TRIGGER rewards_delivery_confirmation_final
  BEFORE UPDATE OR DELETE ON rewards_delivery_confirmation
  FOR EACH ROW EXECUTE FUNCTION rewards_delivery_confirmation_final();
"""

BACKWARD = r"""
DROP TRIGGER rewards_delivery_confirmation_final ON rewards_delivery_confirmation;
DROP FUNCTION rewards_delivery_confirmation_final();
"""


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0010_member_debt")]

    operations = [
        migrations.CreateModel(
            name="DeliveryConfirmation",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("order_id", models.CharField(max_length=64, unique=True)),
                ("member_id", models.BigIntegerField(null=True)),
                ("confirmed_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "program",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to="saleor_rewards.program",
                    ),
                ),
            ],
            options={"db_table": "rewards_delivery_confirmation"},
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
