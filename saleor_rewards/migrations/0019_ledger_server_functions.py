"""The ledger's hot path on the server (issue 14: throughput).

1. **One check per account per commit.** Until now every row a ledger operation
   wrote (its entry, each lot, the hold, the account) queued a deferred trigger that
   re-checked the whole account: about four full checks per operation. Now those
   triggers only *mark* the account (``rewards_mark_account``): the first mark of an
   account in a transaction writes one row to ``rewards_ledger_dirty`` (UNLOGGED:
   no WAL, never read by anything else), whose own deferred trigger runs
   ``rewards_check_account`` once, after every other deferred trigger, then removes
   the mark. Which accounts are marked is kept in a transaction-local setting
   (``rewards.dirty``), so a repeated mark costs a string search. The check itself
   (migration 0002/0010's ``rewards_check_account``) and the entry chain check are
   unchanged: every invariant is enforced as before, at commit. Under
   ``SET CONSTRAINTS ALL IMMEDIATE`` the checks run at the end of each statement,
   and the mark is removed then, so the next statement's changes are checked again.
   A mark rolled back with a savepoint takes its setting with it (both are
   transactional).
2. **Server functions.** ``rewards_ledger_open`` locks the account an operation
   touches (found from its lot, hold or entry if need be), reads the posting already
   recorded under the key, and the spendable lots soonest-expiring first, in one
   round trip; each statement takes a fresh snapshot (READ COMMITTED, VOLATILE), so
   the key is read after the lock as before. ``rewards_ledger_post`` writes one entry
   with its new lot or hold, lot moves, allocations and the account's balances. Their
   statements are planned once per session (PL/pgSQL caches the plans), instead of
   re-parsing a long statement every call. Neither names an account kind: the
   kind rules stay in the tables' CHECK constraints.
"""

from django.db import migrations

FORWARD = r"""
CREATE UNLOGGED TABLE rewards_ledger_dirty (
  account_id bigint NOT NULL,
  txid xid8 NOT NULL DEFAULT pg_current_xact_id()
);
CREATE INDEX rewards_ledger_dirty_account ON rewards_ledger_dirty (account_id);

CREATE FUNCTION rewards_mark_account(acc_id bigint) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  marked text := current_setting('rewards.dirty', true);
BEGIN
  IF acc_id IS NULL THEN
    RETURN;
  END IF;
  IF marked IS NULL OR marked = '' THEN
    marked := ',';
  ELSIF position(',' || acc_id || ',' IN marked) > 0 THEN
    RETURN;
  END IF;
  PERFORM set_config('rewards.dirty', marked || acc_id || ',', true);
  INSERT INTO rewards_ledger_dirty (account_id) VALUES (acc_id);
END $$;

CREATE FUNCTION rewards_check_dirty_account() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  PERFORM rewards_check_account(NEW.account_id);
  DELETE FROM rewards_ledger_dirty
   WHERE account_id = NEW.account_id AND txid = NEW.txid;
  PERFORM set_config('rewards.dirty',
    replace(current_setting('rewards.dirty', true), ',' || NEW.account_id || ',', ','),
    true);
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER rewards_ledger_dirty_check
  AFTER INSERT ON rewards_ledger_dirty
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_dirty_account();

CREATE OR REPLACE FUNCTION rewards_check_account_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'rewards_account' THEN
    PERFORM rewards_mark_account(NEW.id);
  ELSE
    PERFORM rewards_mark_account(NEW.account_id);
    -- A lot or hold moved to another account unbalances the one it left too.
    IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
      PERFORM rewards_mark_account(OLD.account_id);
    END IF;
  END IF;
  RETURN NULL;
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
  -- An entry its account does not reflect is drift too: checked once at commit.
  PERFORM rewards_mark_account(NEW.account_id);
  RETURN NULL;
END $$;

CREATE FUNCTION rewards_ledger_open(
  p_account bigint, p_owner text, p_owner_id bigint, p_key text, p_now timestamptz,
  p_lots boolean,
  OUT o_owner_found boolean,
  OUT o_id bigint, OUT o_member_id bigint, OUT o_kind text, OUT o_currency text,
  OUT o_available numeric, OUT o_pending numeric, OUT o_held numeric, OUT o_debt numeric,
  OUT r_id bigint, OUT r_type text, OUT r_amount numeric, OUT r_available numeric,
  OUT r_pending numeric, OUT r_held numeric, OUT r_unrecovered numeric,
  OUT r_expired numeric, OUT r_lot bigint, OUT r_hold bigint, OUT r_debt numeric,
  OUT r_settled numeric,
  OUT o_lot_ids bigint[], OUT o_lot_remaining numeric[])
LANGUAGE plpgsql AS $$
BEGIN
  o_owner_found := true;
  IF p_owner = 'rewards_lot' THEN
    SELECT l.account_id INTO p_account FROM rewards_lot l WHERE l.id = p_owner_id;
    o_owner_found := FOUND;
  ELSIF p_owner = 'rewards_hold' THEN
    SELECT h.account_id INTO p_account FROM rewards_hold h WHERE h.id = p_owner_id;
    o_owner_found := FOUND;
  ELSIF p_owner = 'rewards_entry' THEN
    SELECT e.account_id INTO p_account FROM rewards_entry e WHERE e.id = p_owner_id;
    o_owner_found := FOUND;
  END IF;
  IF NOT o_owner_found THEN
    RETURN;
  END IF;
  SELECT a.id, a.member_id, a.kind, a.currency, a.available, a.pending, a.held, a.debt
    INTO o_id, o_member_id, o_kind, o_currency, o_available, o_pending, o_held, o_debt
    FROM rewards_account a WHERE a.id = p_account FOR UPDATE;
  IF NOT FOUND THEN
    RETURN;
  END IF;
  IF p_key IS NOT NULL THEN
    SELECT e.id, e.type, e.available_delta + e.pending_delta + e.held_delta,
           e.available_after, e.pending_after, e.held_after, e.unrecovered, e.expired,
           e.lot_id, e.hold_id, e.debt_after,
           COALESCE((SELECT -s.debt_delta FROM rewards_entry s
                     WHERE s.original_id = e.id AND s.type = 'debt_settled'), 0)
      INTO r_id, r_type, r_amount, r_available, r_pending, r_held, r_unrecovered,
           r_expired, r_lot, r_hold, r_debt, r_settled
      FROM rewards_entry e WHERE e.account_id = p_account AND e.idempotency_key = p_key;
    IF FOUND THEN
      RETURN;
    END IF;
  END IF;
  IF p_lots THEN
    SELECT COALESCE(array_agg(s.id), '{}'), COALESCE(array_agg(s.remaining), '{}')
      INTO o_lot_ids, o_lot_remaining
      FROM (SELECT l.id, l.remaining FROM rewards_lot l
             WHERE l.account_id = p_account AND l.status = 'available' AND l.remaining > 0
               AND (l.expires_at IS NULL OR l.expires_at > p_now)
             ORDER BY l.expires_at ASC NULLS LAST, l.id ASC) s;
  END IF;
END $$;

CREATE FUNCTION rewards_ledger_post(
  p_account bigint, p_now timestamptz, p_type text,
  p_d_available numeric, p_d_pending numeric, p_d_held numeric, p_d_debt numeric,
  p_available numeric, p_pending numeric, p_held numeric, p_debt numeric,
  p_unrecovered numeric, p_expired numeric,
  p_make_lot boolean, p_lot_source text, p_lot_status text, p_lot_amount numeric,
  p_lot_available_at timestamptz, p_lot_expires_in_days integer,
  p_lot_expires_at timestamptz,
  p_make_hold boolean, p_hold_amount numeric, p_hold_expires_at timestamptz,
  p_lot_id bigint, p_hold_id bigint, p_original_id bigint, p_key text,
  p_reference_type text, p_reference_id text, p_actor_type text, p_actor_id text,
  p_reason text, p_move_lots bigint[], p_move_amounts numeric[],
  OUT o_entry bigint, OUT o_lot bigint, OUT o_hold bigint)
LANGUAGE plpgsql AS $$
BEGIN
  o_lot := p_lot_id;
  o_hold := p_hold_id;
  IF p_make_lot THEN
    INSERT INTO rewards_lot (account_id, source, status, amount, remaining, created_at,
        available_at, expires_in_days, expires_at, reference_type, reference_id)
    VALUES (p_account, p_lot_source, p_lot_status, p_lot_amount, p_lot_amount, p_now,
        p_lot_available_at, p_lot_expires_in_days, p_lot_expires_at,
        p_reference_type, p_reference_id)
    RETURNING id INTO o_lot;
  END IF;
  IF p_make_hold THEN
    INSERT INTO rewards_hold (account_id, amount, status, captured, created_at,
        expires_at, reference_type, reference_id)
    VALUES (p_account, p_hold_amount, 'open', 0, p_now, p_hold_expires_at,
        p_reference_type, p_reference_id)
    RETURNING id INTO o_hold;
  END IF;
  INSERT INTO rewards_entry (account_id, created_at, type, amount,
      available_delta, pending_delta, held_delta, debt_delta,
      available_after, pending_after, held_after, debt_after, unrecovered, expired,
      lot_id, hold_id, original_id, idempotency_key,
      reference_type, reference_id, actor_type, actor_id, reason)
  VALUES (p_account, p_now, p_type, p_d_available + p_d_pending + p_d_held,
      p_d_available, p_d_pending, p_d_held, p_d_debt,
      p_available, p_pending, p_held, p_debt, p_unrecovered, p_expired,
      o_lot, o_hold, p_original_id, p_key,
      p_reference_type, p_reference_id, p_actor_type, p_actor_id, p_reason)
  RETURNING id INTO o_entry;
  IF cardinality(p_move_lots) > 0 THEN
    UPDATE rewards_lot l SET remaining = l.remaining + s.amount
      FROM (SELECT m.lot_id, SUM(m.amount) AS amount
              FROM unnest(p_move_lots, p_move_amounts) AS m(lot_id, amount)
             GROUP BY m.lot_id) s
     WHERE l.id = s.lot_id AND s.amount <> 0;
    INSERT INTO rewards_allocation (entry_id, lot_id, amount)
    SELECT o_entry, m.lot_id, m.amount
      FROM unnest(p_move_lots, p_move_amounts) AS m(lot_id, amount);
  END IF;
  UPDATE rewards_account SET available = p_available, pending = p_pending,
      held = p_held, debt = p_debt, unrecovered = unrecovered + p_unrecovered
   WHERE id = p_account;
END $$;
"""

BACKWARD = r"""
DROP FUNCTION rewards_ledger_post(bigint, timestamptz, text, numeric, numeric, numeric,
  numeric, numeric, numeric, numeric, numeric, numeric, numeric, boolean, text, text,
  numeric, timestamptz, integer, timestamptz, boolean, numeric, timestamptz, bigint,
  bigint, bigint, text, text, text, text, text, text, bigint[], numeric[]);
DROP FUNCTION rewards_ledger_open(bigint, text, bigint, text, timestamptz, boolean);
DROP TRIGGER rewards_ledger_dirty_check ON rewards_ledger_dirty;
DROP FUNCTION rewards_check_dirty_account();
DROP FUNCTION rewards_mark_account(bigint);
DROP TABLE rewards_ledger_dirty;
"""


def _functions_of_0010(apps, schema_editor):
    """Reverse: the per-row checks of migrations 0002 and 0010."""
    import importlib
    import re

    for module, name in (
        ("0002_ledger_invariants", "rewards_check_account_trigger"),
        ("0010_member_debt", "rewards_check_entry_chain"),
    ):
        forward = importlib.import_module(f"saleor_rewards.migrations.{module}").FORWARD
        match = re.search(
            rf"CREATE (?:OR REPLACE )?FUNCTION {name}\(.*?END \$\$;", forward, flags=re.DOTALL
        )
        schema_editor.execute(
            re.sub(r"^CREATE (OR REPLACE )?FUNCTION", "CREATE OR REPLACE FUNCTION", match.group(0)),
            params=None,
        )


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0013_audit_event_types")]

    operations = [
        migrations.RunPython(migrations.RunPython.noop, _functions_of_0010),
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
