"""The ledger's hot path on the server (issue 14: throughput).

1. **One check per account per commit.** Until now every row a ledger operation
   wrote (its entry, each lot, the hold, the account) queued a deferred trigger that
   re-checked the whole account: about four full checks per operation, and one per
   row in the set-based jobs. Now statement-level triggers (transition tables) only
   *mark* the accounts a statement touched: one row per account and transaction in
   ``rewards_ledger_dirty`` (UNLOGGED: no WAL; the marks live only until the
   commit). The marks' deferred trigger checks them at commit: the first one to fire
   takes every mark of the transaction; up to 16 accounts (an operation) each go
   straight to ``rewards_check_account``; more (a job's batch) are searched in one
   statement for the accounts
   whose cached balances disagree with their lots, open holds or last entry; each
   such account goes to ``rewards_check_account`` (migrations 0002/0010, unchanged:
   the one place of the rules), which raises. The other marks' triggers see from
   their ``generation`` (a transaction-local counter the check advances) that they
   were taken, and return at once. The entry chain (each entry continues its account's last one) is
   checked for all of a statement's entries at once at the end of the statement
   instead of per row at commit: the same rule, earlier. Under ``SET CONSTRAINTS
   ALL IMMEDIATE`` the checks run at the end of each statement, and the marks are
   gone then, so the next statement's changes are checked again. Marks written in a
   savepoint that rolls back go with it.
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
  txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
  account_id bigint NOT NULL,
  -- Which check of the transaction will take the mark (see below).
  generation integer NOT NULL
    DEFAULT COALESCE(NULLIF(current_setting('rewards.check_generation', true), ''), '0')::integer
);
CREATE INDEX rewards_ledger_dirty_tx ON rewards_ledger_dirty (txid, account_id);

-- Marks: the accounts a statement touched, once per transaction.
CREATE FUNCTION rewards_mark_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'rewards_account' THEN
    INSERT INTO rewards_ledger_dirty (account_id)
    SELECT DISTINCT n.id FROM new_rows n
     WHERE NOT EXISTS (SELECT 1 FROM rewards_ledger_dirty d
                        WHERE d.txid = pg_current_xact_id() AND d.account_id = n.id);
  ELSE
    INSERT INTO rewards_ledger_dirty (account_id)
    SELECT DISTINCT n.account_id FROM new_rows n
     WHERE n.account_id IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM rewards_ledger_dirty d
                        WHERE d.txid = pg_current_xact_id() AND d.account_id = n.account_id);
  END IF;
  RETURN NULL;
END $$;

-- A lot or hold moved to another account unbalances the one it left too.
CREATE FUNCTION rewards_mark_moved_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO rewards_ledger_dirty (account_id)
  SELECT DISTINCT m.account_id
    FROM (SELECT account_id FROM new_rows UNION ALL SELECT account_id FROM old_rows) m
   WHERE m.account_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM rewards_ledger_dirty d
                      WHERE d.txid = pg_current_xact_id() AND d.account_id = m.account_id);
  RETURN NULL;
END $$;

-- Each new entry continues its account's chain (as migration 0010's row trigger
-- did at commit; now at the end of the statement, for all its entries at once);
-- its account is checked at commit.
CREATE FUNCTION rewards_check_new_entries() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.id, n.account_id INTO bad
    FROM new_rows n
    LEFT JOIN LATERAL (
      SELECT e.available_after, e.pending_after, e.held_after, e.debt_after
        FROM rewards_entry e
       WHERE e.account_id = n.account_id AND e.id < n.id
       ORDER BY e.id DESC LIMIT 1) p ON true
   WHERE n.available_after <> COALESCE(p.available_after, 0) + n.available_delta
      OR n.pending_after <> COALESCE(p.pending_after, 0) + n.pending_delta
      OR n.held_after <> COALESCE(p.held_after, 0) + n.held_delta
      OR n.debt_after <> COALESCE(p.debt_after, 0) + n.debt_delta
   ORDER BY n.id LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'rewards entry % breaks the balance chain of account %',
      bad.id, bad.account_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  INSERT INTO rewards_ledger_dirty (account_id)
  SELECT DISTINCT n.account_id FROM new_rows n
   WHERE NOT EXISTS (SELECT 1 FROM rewards_ledger_dirty d
                      WHERE d.txid = pg_current_xact_id() AND d.account_id = n.account_id);
  RETURN NULL;
END $$;

-- At commit (or SET CONSTRAINTS ... IMMEDIATE): the first mark's trigger takes every
-- mark of the transaction and checks those accounts in one statement; the other
-- marks' triggers then find nothing left. The statement only finds the accounts
-- whose cached balances, lots, open holds and last entry disagree; each is then
-- judged by rewards_check_account (migrations 0002/0010), the one place of the
-- rules, which raises.
CREATE FUNCTION rewards_check_dirty_accounts() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  ids bigint[];
  suspect bigint;
  generation integer :=
    COALESCE(NULLIF(current_setting('rewards.check_generation', true), ''), '0')::integer;
BEGIN
  -- A mark of an earlier generation was taken by an earlier firing: nothing to do
  -- (looking for the row would walk every mark this transaction already took).
  IF NEW.generation < generation THEN
    RETURN NULL;
  END IF;
  PERFORM set_config('rewards.check_generation', (generation + 1)::text, true);
  WITH taken AS (
    DELETE FROM rewards_ledger_dirty WHERE txid = pg_current_xact_id()
    RETURNING account_id)
  SELECT array_agg(DISTINCT account_id) INTO ids FROM taken;
  IF ids IS NULL THEN
    RETURN NULL;
  END IF;
  -- A few accounts (a member's operation): the per-account check outright is
  -- cheaper than planning the set-based search.
  IF cardinality(ids) <= 16 THEN
    FOREACH suspect IN ARRAY ids LOOP
      PERFORM rewards_check_account(suspect);
    END LOOP;
    RETURN NULL;
  END IF;
  FOR suspect IN
    SELECT a.id
      FROM rewards_account a
      LEFT JOIN LATERAL (
        SELECT COALESCE(SUM(l.remaining) FILTER (WHERE l.status = 'available'), 0) AS available,
               COALESCE(SUM(l.remaining) FILTER (WHERE l.status = 'pending'), 0) AS pending
          FROM rewards_lot l
         WHERE l.account_id = a.id AND l.status IN ('available', 'pending')
           AND l.remaining > 0) lots ON true
      LEFT JOIN LATERAL (
        SELECT COALESCE(SUM(h.amount), 0) AS held
          FROM rewards_hold h WHERE h.account_id = a.id AND h.status = 'open') holds ON true
      LEFT JOIN LATERAL (
        SELECT e.available_after, e.pending_after, e.held_after, e.debt_after
          FROM rewards_entry e WHERE e.account_id = a.id
         ORDER BY e.id DESC LIMIT 1) last ON true
     WHERE a.id = ANY(ids)
       AND (a.available <> lots.available OR a.pending <> lots.pending
            OR a.held <> holds.held
            OR a.available <> COALESCE(last.available_after, 0)
            OR a.pending <> COALESCE(last.pending_after, 0)
            OR a.held <> COALESCE(last.held_after, 0)
            OR a.debt <> COALESCE(last.debt_after, 0))
     ORDER BY a.id
  LOOP
    PERFORM rewards_check_account(suspect);
  END LOOP;
  RETURN NULL;
END $$;

CREATE CONSTRAINT TRIGGER rewards_ledger_dirty_check
  AFTER INSERT ON rewards_ledger_dirty
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_dirty_accounts();

DROP TRIGGER rewards_entry_chain ON rewards_entry;
DROP TRIGGER rewards_account_balanced ON rewards_account;
DROP TRIGGER rewards_lot_balanced ON rewards_lot;
DROP TRIGGER rewards_hold_balanced ON rewards_hold;

CREATE TRIGGER rewards_entry_chain AFTER INSERT ON rewards_entry
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_check_new_entries();
CREATE TRIGGER rewards_account_inserted AFTER INSERT ON rewards_account
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_rows();
CREATE TRIGGER rewards_account_updated AFTER UPDATE ON rewards_account
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_rows();
CREATE TRIGGER rewards_lot_inserted AFTER INSERT ON rewards_lot
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_rows();
CREATE TRIGGER rewards_lot_updated AFTER UPDATE ON rewards_lot
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_moved_rows();
CREATE TRIGGER rewards_hold_inserted AFTER INSERT ON rewards_hold
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_rows();
CREATE TRIGGER rewards_hold_updated AFTER UPDATE ON rewards_hold
  REFERENCING NEW TABLE AS new_rows OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION rewards_mark_moved_rows();

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
DROP TRIGGER rewards_hold_updated ON rewards_hold;
DROP TRIGGER rewards_hold_inserted ON rewards_hold;
DROP TRIGGER rewards_lot_updated ON rewards_lot;
DROP TRIGGER rewards_lot_inserted ON rewards_lot;
DROP TRIGGER rewards_account_updated ON rewards_account;
DROP TRIGGER rewards_account_inserted ON rewards_account;
DROP TRIGGER rewards_entry_chain ON rewards_entry;
DROP TABLE rewards_ledger_dirty;
DROP FUNCTION rewards_check_dirty_accounts();
DROP FUNCTION rewards_check_new_entries();
DROP FUNCTION rewards_mark_moved_rows();
DROP FUNCTION rewards_mark_rows();

-- Migration 0002's per-row deferred checks (their functions are 0010's, unchanged).
CREATE CONSTRAINT TRIGGER rewards_entry_chain
  AFTER INSERT ON rewards_entry
  DEFERRABLE INITIALLY DEFERRED
  FOR EACH ROW EXECUTE FUNCTION rewards_check_entry_chain();
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
"""


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0018_claims")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
