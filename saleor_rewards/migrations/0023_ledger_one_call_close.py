"""Activating a lot or capturing a whole hold in one server call (issue 14).

``rewards_ledger_close`` does for these two what ``rewards_ledger_move`` (0022)
does for a credit, a debit and a hold: it opens the lot's or hold's account as
``rewards_ledger_open`` does (the lot or hold first, then the account's lock, then
the key and the row, read under the lock) and posts through ``rewards_ledger_post``:

* a pending lot becomes available, its expiry ``expires_in_days`` whole days of
  86,400 seconds from ``p_now`` (``operations.activate``);
* an open hold is captured whole (``operations.capture`` without an amount, or
  with the hold's amount), its capture keyed ``p_key``.

Whatever the long way does more than that is left to it, with nothing written
(``o_code`` 'long'): a member who owes points (an activation pays the debt first),
an empty pending lot, a hold no longer open, a partial capture. ``o_code`` is also
'missing' (no such lot or hold), 'replay' (the activation recorded under the key,
in ``r_*``) or 'not_pending' (the lot was activated or voided: nothing to do).
``tests/unit/test_ledger_one_call.py`` holds both paths to the same results.
"""

import importlib

from django.db import migrations

_0022 = importlib.import_module("saleor_rewards.migrations.0022_ledger_one_call")
ANSWER, OPENED = _0022.ANSWER, _0022.OPENED

FORWARD = (
    r"""
CREATE FUNCTION rewards_ledger_close(
  p_owner text, p_owner_id bigint, p_key text, p_now timestamptz, p_amount numeric,
  p_actor_type text, p_actor_id text, p_reason text,
"""
    + ANSWER
    + r"""LANGUAGE plpgsql AS $$
DECLARE
  op record;
  is_lot boolean := p_owner = 'rewards_lot';
BEGIN
  -- A capture is once per hold by the hold's status, not by its key (as the long way).
  SELECT * INTO op FROM rewards_ledger_open(
    NULL, p_owner, p_owner_id, CASE WHEN is_lot THEN p_key END, p_now, false, false);
  IF NOT op.o_owner_found OR op.o_id IS NULL THEN
    o_code := 'missing';
    RETURN;
  END IF;
"""
    + OPENED
    + r"""  o_amount := op.w_amount;
  o_debt := op.o_debt;
  IF is_lot THEN
    IF op.w_status <> 'pending' THEN
      o_code := 'not_pending';
      RETURN;
    END IF;
    IF op.w_amount = 0 OR op.o_debt > 0 THEN
      o_code := 'long';
      RETURN;
    END IF;
    o_available := op.o_available + op.w_amount;
    o_pending := op.o_pending - op.w_amount;
    o_held := op.o_held;
    o_lot := p_owner_id;
    SELECT p.o_entry INTO o_entry
      FROM rewards_ledger_post(
        op.o_id, p_now, 'activate', op.w_amount, -op.w_amount, 0, 0,
        o_available, o_pending, o_held, o_debt, 0, 0,
        false, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL,
        p_owner_id, NULL, NULL, p_key,
        op.w_ref_type, op.w_ref_id, p_actor_type, p_actor_id, p_reason,
        '{}', '{}',
        'available', p_now + make_interval(secs => op.w_days * 86400.0), NULL, NULL) p;
    RETURN;
  END IF;
  IF op.w_status <> 'open' OR (p_amount IS NOT NULL AND p_amount <> op.w_amount) THEN
    o_code := 'long';
    RETURN;
  END IF;
  o_available := op.o_available;
  o_pending := op.o_pending;
  o_held := op.o_held - op.w_amount;
  o_hold := p_owner_id;
  SELECT p.o_entry INTO o_entry
    FROM rewards_ledger_post(
      op.o_id, p_now, 'capture', 0, 0, -op.w_amount, 0,
      o_available, o_pending, o_held, o_debt, 0, 0,
      false, NULL, NULL, NULL, NULL, NULL, NULL, false, NULL, NULL,
      NULL, p_owner_id, op.w_entry, p_key,
      op.w_ref_type, op.w_ref_id, p_actor_type, p_actor_id, p_reason,
      '{}', '{}',
      NULL, NULL, 'captured', op.w_amount) p;
END $$;
"""
)

BACKWARD = r"""
DROP FUNCTION rewards_ledger_close(text, bigint, text, timestamptz, numeric, text, text,
  text);
"""


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0022_ledger_one_call")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
