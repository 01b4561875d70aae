"""Cheaper marks for the check at commit (issue 14: throughput).

Migration 0019 marks the accounts a statement touched with statement-level triggers
over transition tables: four of them per ledger operation (its entry, lot or hold,
lot moves, account), each collecting its rows and querying the marks table. With
those triggers switched off (an experiment, not a mode) an operation took a quarter
less of its backend's time, so the marking machinery, not the checks, was the
largest part of the invariants' cost.

Now row-level triggers mark, and the transaction remembers the account it marked
last in a transaction-local setting (``rewards.marked``): the writes of one
operation, all on one account, cost one mark and a setting read each. The setting
is only a cache: the mark itself still goes in with ``NOT EXISTS``, a savepoint that
rolls back takes its marks and its setting with it (PostgreSQL restores settings
at a subtransaction's abort), and the check that takes the marks clears the setting,
so under ``SET CONSTRAINTS ALL IMMEDIATE`` the next statement's writes mark again.
The entry chain is checked per new entry after its statement (each entry against
the one before it in its account, as 0019 did for all of a statement's entries at
once). What is checked, and when, is unchanged: every account a statement touched
(both accounts when a lot or hold moves) is checked at commit by
``rewards_check_account``.
"""

import importlib

from django.db import migrations

# The check that takes the marks (0019's) now also forgets the account marked last.
_0019 = importlib.import_module("saleor_rewards.migrations.0019_ledger_server_functions")
CHECK_0019 = _0019.FORWARD[
    _0019.FORWARD.index("CREATE FUNCTION rewards_check_dirty_accounts()") : _0019.FORWARD.index(
        "CREATE CONSTRAINT TRIGGER rewards_ledger_dirty_check"
    )
].replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
_TAKEN = "  SELECT array_agg(DISTINCT account_id) INTO ids FROM taken;\n"
assert _TAKEN in CHECK_0019
CHECK_0020 = CHECK_0019.replace(
    _TAKEN, _TAKEN + "  PERFORM set_config('rewards.marked', '', true);\n"
)

FORWARD = r"""
CREATE FUNCTION rewards_mark_account(p_account bigint) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
  IF p_account IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO rewards_ledger_dirty (account_id)
  SELECT p_account
   WHERE NOT EXISTS (SELECT 1 FROM rewards_ledger_dirty d
                      WHERE d.txid = pg_current_xact_id() AND d.account_id = p_account);
  PERFORM set_config('rewards.marked', p_account::text, true);
END $$;

CREATE FUNCTION rewards_mark_account_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('rewards.marked', true) IS DISTINCT FROM NEW.id::text THEN
    PERFORM rewards_mark_account(NEW.id);
  END IF;
  RETURN NULL;
END $$;

-- A lot or hold: its account, and the account it left when it moved.
CREATE FUNCTION rewards_mark_owned_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('rewards.marked', true) IS DISTINCT FROM NEW.account_id::text THEN
    PERFORM rewards_mark_account(NEW.account_id);
  END IF;
  IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
    PERFORM rewards_mark_account(OLD.account_id);
  END IF;
  RETURN NULL;
END $$;

-- Each new entry continues its account's chain; its account is checked at commit.
CREATE FUNCTION rewards_check_new_entry() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  p record;
BEGIN
  SELECT e.available_after, e.pending_after, e.held_after, e.debt_after INTO p
    FROM rewards_entry e
   WHERE e.account_id = NEW.account_id AND e.id < NEW.id
   ORDER BY e.id DESC LIMIT 1;
  IF NEW.available_after <> COALESCE(p.available_after, 0) + NEW.available_delta
     OR NEW.pending_after <> COALESCE(p.pending_after, 0) + NEW.pending_delta
     OR NEW.held_after <> COALESCE(p.held_after, 0) + NEW.held_delta
     OR NEW.debt_after <> COALESCE(p.debt_after, 0) + NEW.debt_delta THEN
    RAISE EXCEPTION 'rewards entry % breaks the balance chain of account %',
      NEW.id, NEW.account_id
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF current_setting('rewards.marked', true) IS DISTINCT FROM NEW.account_id::text THEN
    PERFORM rewards_mark_account(NEW.account_id);
  END IF;
  RETURN NULL;
END $$;

DROP TRIGGER rewards_entry_chain ON rewards_entry;
DROP TRIGGER rewards_account_inserted ON rewards_account;
DROP TRIGGER rewards_account_updated ON rewards_account;
DROP TRIGGER rewards_lot_inserted ON rewards_lot;
DROP TRIGGER rewards_lot_updated ON rewards_lot;
DROP TRIGGER rewards_hold_inserted ON rewards_hold;
DROP TRIGGER rewards_hold_updated ON rewards_hold;

CREATE TRIGGER rewards_entry_chain AFTER INSERT ON rewards_entry
  FOR EACH ROW EXECUTE FUNCTION rewards_check_new_entry();
CREATE TRIGGER rewards_account_marked AFTER INSERT OR UPDATE ON rewards_account
  FOR EACH ROW EXECUTE FUNCTION rewards_mark_account_row();
CREATE TRIGGER rewards_lot_marked AFTER INSERT OR UPDATE ON rewards_lot
  FOR EACH ROW EXECUTE FUNCTION rewards_mark_owned_row();
CREATE TRIGGER rewards_hold_marked AFTER INSERT OR UPDATE ON rewards_hold
  FOR EACH ROW EXECUTE FUNCTION rewards_mark_owned_row();
"""

BACKWARD = r"""
DROP TRIGGER rewards_hold_marked ON rewards_hold;
DROP TRIGGER rewards_lot_marked ON rewards_lot;
DROP TRIGGER rewards_account_marked ON rewards_account;
DROP TRIGGER rewards_entry_chain ON rewards_entry;
DROP FUNCTION rewards_check_new_entry();
DROP FUNCTION rewards_mark_owned_row();
DROP FUNCTION rewards_mark_account_row();
DROP FUNCTION rewards_mark_account(bigint);

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
"""


FORWARD += CHECK_0020
BACKWARD = CHECK_0019 + BACKWARD


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0019_ledger_server_functions")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
