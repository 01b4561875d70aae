"""The member's debt (SPEC L3, U8): what a take-back could not recover.

``rewards_account.debt`` is kept by entries like the balances (``debt_delta``,
``debt_after``) and the database holds it to the same rules as migration 0002:

1. The new entry columns are append-only like the others.
2. Each entry continues its account's debt chain: ``debt_after`` = previous
   ``debt_after`` + ``debt_delta``.
3. At commit, every touched account's debt equals its last entry's ``debt_after``.
4. A points debt is a whole number.

Accounts start without debt: shortfalls recorded before this migration stay what
they were, an ``unrecovered`` note on their revocation.
"""

from decimal import Decimal

from django.db import migrations, models

FORWARD = r"""
CREATE OR REPLACE FUNCTION rewards_forbid_ledger_rewrite() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'rewards ledger is append-only: DELETE on % refused', TG_TABLE_NAME
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF TG_TABLE_NAME = 'rewards_allocation' THEN
    RAISE EXCEPTION 'rewards ledger is append-only: UPDATE on % refused', TG_TABLE_NAME
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.id, NEW.account_id, NEW.created_at, NEW.type, NEW.amount,
      NEW.available_delta, NEW.pending_delta, NEW.held_delta, NEW.debt_delta,
      NEW.available_after, NEW.pending_after, NEW.held_after, NEW.debt_after,
      NEW.unrecovered, NEW.expired, NEW.lot_id, NEW.hold_id, NEW.original_id,
      NEW.idempotency_key)
     IS DISTINCT FROM
     (OLD.id, OLD.account_id, OLD.created_at, OLD.type, OLD.amount,
      OLD.available_delta, OLD.pending_delta, OLD.held_delta, OLD.debt_delta,
      OLD.available_after, OLD.pending_after, OLD.held_after, OLD.debt_after,
      OLD.unrecovered, OLD.expired, OLD.lot_id, OLD.hold_id, OLD.original_id,
      OLD.idempotency_key) THEN
    RAISE EXCEPTION 'rewards ledger is append-only: entry % cannot be changed', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE OR REPLACE FUNCTION rewards_check_entry_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p_available numeric := 0;
  p_pending numeric := 0;
  p_held numeric := 0;
  p_debt numeric := 0;
BEGIN
  SELECT available_after, pending_after, held_after, debt_after
    INTO p_available, p_pending, p_held, p_debt
    FROM rewards_entry
   WHERE account_id = NEW.account_id AND id < NEW.id
   ORDER BY id DESC LIMIT 1;
  IF NOT FOUND THEN
    p_available := 0; p_pending := 0; p_held := 0; p_debt := 0;
  END IF;
  IF NEW.available_after <> p_available + NEW.available_delta
     OR NEW.pending_after <> p_pending + NEW.pending_delta
     OR NEW.held_after <> p_held + NEW.held_delta
     OR NEW.debt_after <> p_debt + NEW.debt_delta THEN
    RAISE EXCEPTION 'rewards entry % breaks the balance chain of account %',
      NEW.id, NEW.account_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  -- An entry its account does not reflect is drift too.
  PERFORM rewards_check_account(NEW.account_id);
  RETURN NULL;
END $$;

CREATE OR REPLACE FUNCTION rewards_check_account(acc_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  lots_available numeric;
  lots_pending numeric;
  held_open numeric;
  last_available numeric := 0;
  last_pending numeric := 0;
  last_held numeric := 0;
  last_debt numeric := 0;
BEGIN
  SELECT id, member_id, kind, available, pending, held, debt INTO acc
    FROM rewards_account WHERE id = acc_id;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  SELECT COALESCE(SUM(remaining) FILTER (WHERE status = 'available'), 0),
         COALESCE(SUM(remaining) FILTER (WHERE status = 'pending'), 0)
    INTO lots_available, lots_pending
    FROM rewards_lot
   WHERE account_id = acc_id AND status IN ('available', 'pending') AND remaining > 0;
  SELECT COALESCE(SUM(amount), 0) INTO held_open
    FROM rewards_hold WHERE account_id = acc_id AND status = 'open';
  SELECT available_after, pending_after, held_after, debt_after
    INTO last_available, last_pending, last_held, last_debt
    FROM rewards_entry WHERE account_id = acc_id ORDER BY id DESC LIMIT 1;
  IF NOT FOUND THEN
    last_available := 0; last_pending := 0; last_held := 0; last_debt := 0;
  END IF;
  IF acc.available <> lots_available OR acc.pending <> lots_pending
     OR acc.held <> held_open
     OR acc.available <> last_available OR acc.pending <> last_pending
     OR acc.held <> last_held THEN
    RAISE EXCEPTION
      'rewards account % (member %, %) does not balance: account %/%/%, lots %/%, '
      'open holds %, last entry %/%/%',
      acc.id, acc.member_id, acc.kind, acc.available, acc.pending, acc.held,
      lots_available, lots_pending, held_open, last_available, last_pending, last_held
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF acc.debt <> last_debt THEN
    RAISE EXCEPTION
      'rewards account % (member %, %) does not balance: debt % but last entry says %',
      acc.id, acc.member_id, acc.kind, acc.debt, last_debt
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
END $$;

ALTER TABLE rewards_account DROP CONSTRAINT rewards_account_points_are_whole;
ALTER TABLE rewards_account ADD CONSTRAINT rewards_account_points_are_whole
  CHECK (kind <> 'points' OR (available = trunc(available)
         AND pending = trunc(pending) AND held = trunc(held)
         AND unrecovered = trunc(unrecovered) AND debt = trunc(debt)));
"""

# Back to migration 0002's functions and constraint.
BACKWARD = r"""
ALTER TABLE rewards_account DROP CONSTRAINT rewards_account_points_are_whole;
ALTER TABLE rewards_account ADD CONSTRAINT rewards_account_points_are_whole
  CHECK (kind <> 'points' OR (available = trunc(available)
         AND pending = trunc(pending) AND held = trunc(held)
         AND unrecovered = trunc(unrecovered)));
"""


def _functions_of_0002(apps, schema_editor):
    """Reverse: migration 0002's trigger functions, which know no debt columns."""
    import importlib
    import re

    forward = importlib.import_module("saleor_rewards.migrations.0002_ledger_invariants").FORWARD
    for name in (
        "rewards_forbid_ledger_rewrite",
        "rewards_check_entry_chain",
        "rewards_check_account",
    ):
        match = re.search(rf"CREATE FUNCTION {name}\(.*?END \$\$;", forward, flags=re.DOTALL)
        # params=None: the functions' messages use % placeholders of their own.
        schema_editor.execute(
            match.group(0).replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1),
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("saleor_rewards", "0009_default_tiers"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="entry",
            name="rewards_entry_after_not_negative",
        ),
        migrations.RemoveConstraint(
            model_name="entry",
            name="rewards_entry_not_empty",
        ),
        migrations.AddField(
            model_name="account",
            name="debt",
            field=models.DecimalField(
                db_default=Decimal("0"), decimal_places=3, default=Decimal("0"), max_digits=20
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="debt_after",
            field=models.DecimalField(
                db_default=Decimal("0"), decimal_places=3, default=Decimal("0"), max_digits=20
            ),
        ),
        migrations.AddField(
            model_name="entry",
            name="debt_delta",
            field=models.DecimalField(
                db_default=Decimal("0"), decimal_places=3, default=Decimal("0"), max_digits=20
            ),
        ),
        migrations.AlterField(
            model_name="entry",
            name="type",
            field=models.CharField(
                choices=[
                    ("earn", "Earn"),
                    ("compensate", "Compensate"),
                    ("adjust", "Adjust"),
                    ("activate", "Activate"),
                    ("redeem", "Redeem"),
                    ("withdraw", "Withdraw"),
                    ("hold", "Hold"),
                    ("capture", "Capture"),
                    ("release", "Release"),
                    ("return", "Return"),
                    ("void", "Void"),
                    ("revoke", "Revoke"),
                    ("expire", "Expire"),
                    ("debt_settled", "Debt settled"),
                ],
                max_length=16,
            ),
        ),
        migrations.AddConstraint(
            model_name="account",
            constraint=models.CheckConstraint(
                condition=models.Q(("debt__gte", 0)), name="rewards_account_debt"
            ),
        ),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("available_after__gte", 0),
                    ("pending_after__gte", 0),
                    ("held_after__gte", 0),
                    ("debt_after__gte", 0),
                ),
                name="rewards_entry_after_not_negative",
            ),
        ),
        migrations.AddConstraint(
            model_name="entry",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("available_delta", 0), _negated=True),
                    models.Q(("pending_delta", 0), _negated=True),
                    models.Q(("held_delta", 0), _negated=True),
                    models.Q(("debt_delta", 0), _negated=True),
                    ("unrecovered__gt", 0),
                    ("expired__gt", 0),
                    _connector="OR",
                ),
                name="rewards_entry_not_empty",
            ),
        ),
        migrations.RunSQL(FORWARD, BACKWARD),
        migrations.RunPython(migrations.RunPython.noop, _functions_of_0002),
    ]
