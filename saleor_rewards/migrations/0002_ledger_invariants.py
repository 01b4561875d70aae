"""Invariants the database enforces, whatever the code does (U3, U5).

1. Entries and allocations are append-only: no DELETE, and no UPDATE of an amount,
   account, type or key (personal text fields may still be redacted for P2).
2. Each entry continues its account's chain: ``*_after`` = previous ``*_after`` +
   ``*_delta``.
3. At commit, every touched account equals the sum of its lots (available, pending),
   the sum of its open holds (held) and the ``*_after`` of its last entry.
4. Points balances are whole numbers.

(2) and (3) are DEFERRABLE INITIALLY DEFERRED constraint triggers: one ledger
operation writes several rows, and only the committed whole must balance. Tests run
``SET CONSTRAINTS ALL IMMEDIATE`` after each operation to check every step.
"""

from django.db import migrations

FORWARD = r"""
CREATE FUNCTION rewards_forbid_ledger_rewrite() RETURNS trigger
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
      NEW.available_delta, NEW.pending_delta, NEW.held_delta,
      NEW.available_after, NEW.pending_after, NEW.held_after,
      NEW.unrecovered, NEW.expired, NEW.lot_id, NEW.hold_id, NEW.original_id,
      NEW.idempotency_key)
     IS DISTINCT FROM
     (OLD.id, OLD.account_id, OLD.created_at, OLD.type, OLD.amount,
      OLD.available_delta, OLD.pending_delta, OLD.held_delta,
      OLD.available_after, OLD.pending_after, OLD.held_after,
      OLD.unrecovered, OLD.expired, OLD.lot_id, OLD.hold_id, OLD.original_id,
      OLD.idempotency_key) THEN
    RAISE EXCEPTION 'rewards ledger is append-only: entry % cannot be changed', OLD.id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER rewards_entry_append_only
  BEFORE UPDATE OR DELETE ON rewards_entry
  FOR EACH ROW EXECUTE FUNCTION rewards_forbid_ledger_rewrite();
CREATE TRIGGER rewards_allocation_append_only
  BEFORE UPDATE OR DELETE ON rewards_allocation
  FOR EACH ROW EXECUTE FUNCTION rewards_forbid_ledger_rewrite();

CREATE FUNCTION rewards_check_entry_chain() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p_available numeric := 0;
  p_pending numeric := 0;
  p_held numeric := 0;
BEGIN
  SELECT available_after, pending_after, held_after
    INTO p_available, p_pending, p_held
    FROM rewards_entry
   WHERE account_id = NEW.account_id AND id < NEW.id
   ORDER BY id DESC LIMIT 1;
  IF NOT FOUND THEN
    p_available := 0; p_pending := 0; p_held := 0;
  END IF;
  IF NEW.available_after <> p_available + NEW.available_delta
     OR NEW.pending_after <> p_pending + NEW.pending_delta
     OR NEW.held_after <> p_held + NEW.held_delta THEN
    RAISE EXCEPTION 'rewards entry % breaks the balance chain of account %',
      NEW.id, NEW.account_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  -- An entry its account does not reflect is drift too.
  PERFORM rewards_check_account(NEW.account_id);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER rewards_entry_chain
  AFTER INSERT ON rewards_entry
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_entry_chain();

CREATE FUNCTION rewards_check_account(acc_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  acc record;
  lots_available numeric;
  lots_pending numeric;
  held_open numeric;
  last_available numeric := 0;
  last_pending numeric := 0;
  last_held numeric := 0;
BEGIN
  SELECT id, member_id, kind, available, pending, held INTO acc
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
  SELECT available_after, pending_after, held_after
    INTO last_available, last_pending, last_held
    FROM rewards_entry WHERE account_id = acc_id ORDER BY id DESC LIMIT 1;
  IF NOT FOUND THEN
    last_available := 0; last_pending := 0; last_held := 0;
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
END $$;

CREATE FUNCTION rewards_check_account_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'rewards_account' THEN
    PERFORM rewards_check_account(NEW.id);
  ELSE
    PERFORM rewards_check_account(NEW.account_id);
    -- A lot or hold moved to another account unbalances the one it left too.
    IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
      PERFORM rewards_check_account(OLD.account_id);
    END IF;
  END IF;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER rewards_account_balanced
  AFTER INSERT OR UPDATE ON rewards_account
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_account_trigger();
CREATE CONSTRAINT TRIGGER rewards_lot_balanced
  AFTER INSERT OR UPDATE ON rewards_lot
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_account_trigger();
CREATE CONSTRAINT TRIGGER rewards_hold_balanced
  AFTER INSERT OR UPDATE ON rewards_hold
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_account_trigger();

ALTER TABLE rewards_account ADD CONSTRAINT rewards_account_points_are_whole
  CHECK (kind <> 'points' OR (available = trunc(available)
         AND pending = trunc(pending) AND held = trunc(held)
         AND unrecovered = trunc(unrecovered)));
"""

BACKWARD = r"""
ALTER TABLE rewards_account DROP CONSTRAINT rewards_account_points_are_whole;
DROP TRIGGER rewards_hold_balanced ON rewards_hold;
DROP TRIGGER rewards_lot_balanced ON rewards_lot;
DROP TRIGGER rewards_account_balanced ON rewards_account;
DROP FUNCTION rewards_check_account_trigger();
DROP FUNCTION rewards_check_account(bigint);
DROP TRIGGER rewards_entry_chain ON rewards_entry;
DROP FUNCTION rewards_check_entry_chain();
DROP TRIGGER rewards_allocation_append_only ON rewards_allocation;
DROP TRIGGER rewards_entry_append_only ON rewards_entry;
DROP FUNCTION rewards_forbid_ledger_rewrite();
"""


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0001_initial")]

    operations = [migrations.RunSQL(FORWARD, BACKWARD)]
