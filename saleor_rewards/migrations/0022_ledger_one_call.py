"""A credit, a debit or a hold in one server call (issue 14: throughput).

An operation was a transaction of four round trips: BEGIN, ``rewards_ledger_open``,
``rewards_ledger_post``, COMMIT, with the posting rules run in Python between the
two calls. The client's share of an operation's time was mostly those round trips
(each costs the Python client about as much CPU as the server spends on a small
statement). ``rewards_ledger_move`` runs the rules of the three commonest
operations on the server: it opens the account as ``rewards_ledger_open`` does
(lock first, then the key), and then either refuses without writing anything
(``o_code``: no such account, a fraction of a point, too little spendable, or a
debt to settle first, which the caller does the long way) or posts through
``rewards_ledger_post``, the one writer of entries:

* a credit: a new lot, pending or available at once (its expiry ``p_days`` whole
  days of 86,400 seconds from ``p_now``, as ``timedelta(days=...)``);
* a debit or a hold (``p_type``): soonest-expiring lots first, then oldest (the
  spendable lots ``rewards_ledger_open`` reads, in its order); a hold also opens
  the hold.

Called as the only statement of a transaction it is the whole operation: run in
autocommit, it commits itself, deferred checks included, in one round trip. The
rules are those of ``operations.credit`` and ``operations._take_available``;
``tests/unit/test_ledger_one_call.py`` holds the two paths to the same results.
"""

from django.db import migrations

# What the one-call functions answer (shared with 0023): the code, the account, what
# was posted (entry, lot, hold, an amount) and the balances after; or the entry
# recorded under the key.
ANSWER = """  OUT o_code text, OUT o_id bigint, OUT o_kind text,
  OUT o_entry bigint, OUT o_lot bigint, OUT o_hold bigint, OUT o_amount numeric,
  OUT o_available numeric, OUT o_pending numeric, OUT o_held numeric, OUT o_debt numeric,
  OUT r_id bigint, OUT r_type text, OUT r_amount numeric, OUT r_available numeric,
  OUT r_pending numeric, OUT r_held numeric, OUT r_unrecovered numeric,
  OUT r_expired numeric, OUT r_lot bigint, OUT r_hold bigint, OUT r_debt numeric,
  OUT r_settled numeric)
"""

# The account opened (``op``, a row of rewards_ledger_open): its id and kind out, and
# the entry recorded under the key, if any, returned as is (shared with 0023).
OPENED = """  o_id := op.o_id;
  o_kind := op.o_kind;
  IF op.r_id IS NOT NULL THEN
    o_code := 'replay';
    r_id := op.r_id; r_type := op.r_type; r_amount := op.r_amount;
    r_available := op.r_available; r_pending := op.r_pending; r_held := op.r_held;
    r_unrecovered := op.r_unrecovered; r_expired := op.r_expired; r_lot := op.r_lot;
    r_hold := op.r_hold; r_debt := op.r_debt; r_settled := op.r_settled;
    RETURN;
  END IF;
"""

FORWARD = (
    r"""
CREATE FUNCTION rewards_ledger_move(
  p_account bigint, p_key text, p_now timestamptz, p_type text, p_amount numeric,
  p_credit boolean, p_pending boolean, p_source text, p_available_at timestamptz,
  p_days integer, p_hold_expires_at timestamptz,
  p_reference_type text, p_reference_id text, p_actor_type text, p_actor_id text,
  p_reason text,
  -- NULL: posted; 'missing', 'fraction', 'short' (o_amount is what was spendable),
  -- 'debt' (nothing written: settle the long way) or 'replay' (r_*: the entry
  -- recorded under the key).
"""
    + ANSWER
    + r"""LANGUAGE plpgsql AS $$
DECLARE
  op record;
  moves bigint[] := '{}';
  amounts numeric[] := '{}';
  lot_status text;
  lot_available_at timestamptz;
  lot_expires_at timestamptz;
  d_available numeric := 0;
  d_pending numeric := 0;
  d_held numeric := 0;
  take numeric;
  left_over numeric := p_amount;
  i integer;
BEGIN
  SELECT * INTO op
    FROM rewards_ledger_open(p_account, NULL, NULL, p_key, p_now, NOT p_credit, false);
  IF op.o_id IS NULL THEN
    o_code := 'missing';
    RETURN;
  END IF;
"""
    + OPENED
    + r"""  IF op.o_kind = 'points' AND p_amount <> trunc(p_amount) THEN
    o_code := 'fraction';
    RETURN;
  END IF;
  IF p_credit THEN
    IF p_pending THEN
      d_pending := p_amount;
      lot_status := 'pending';
      lot_available_at := p_available_at;
    ELSE
      IF op.o_debt > 0 THEN
        o_code := 'debt';
        RETURN;
      END IF;
      d_available := p_amount;
      lot_status := 'available';
      lot_available_at := p_now;
      lot_expires_at := p_now + make_interval(secs => p_days * 86400.0);
    END IF;
  ELSE
    FOR i IN 1 .. cardinality(op.o_lot_ids) LOOP
      EXIT WHEN left_over <= 0;
      take := LEAST(op.o_lot_remaining[i], left_over);
      moves := moves || op.o_lot_ids[i];
      amounts := amounts || -take;
      left_over := left_over - take;
    END LOOP;
    IF left_over > 0 THEN
      o_code := 'short';
      o_amount := p_amount - left_over;
      RETURN;
    END IF;
    d_available := -p_amount;
    IF p_type = 'hold' THEN
      d_held := p_amount;
    END IF;
  END IF;
  o_available := op.o_available + d_available;
  o_pending := op.o_pending + d_pending;
  o_held := op.o_held + d_held;
  o_debt := op.o_debt;
  SELECT p.o_entry, p.o_lot, p.o_hold INTO o_entry, o_lot, o_hold
    FROM rewards_ledger_post(
      op.o_id, p_now, p_type, d_available, d_pending, d_held, 0,
      o_available, o_pending, o_held, o_debt, 0, 0,
      p_credit, p_source, lot_status, p_amount, lot_available_at, p_days, lot_expires_at,
      p_type = 'hold', CASE WHEN p_type = 'hold' THEN p_amount END, p_hold_expires_at,
      NULL, NULL, NULL, p_key,
      p_reference_type, p_reference_id, p_actor_type, p_actor_id, p_reason,
      moves, amounts, NULL, NULL, NULL, NULL) p;
END $$;
"""
)

BACKWARD = r"""
DROP FUNCTION rewards_ledger_move(bigint, text, timestamptz, text, numeric, boolean,
  boolean, text, timestamptz, integer, timestamptz, text, text, text, text, text);
"""


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0021_ledger_owner_rows")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
