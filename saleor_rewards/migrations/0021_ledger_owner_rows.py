"""Two round trips for every ledger operation (issue 14: throughput).

Activating or voiding a lot, capturing or releasing a hold and returning a debit
each took two to three statements more than a credit: the row the operation acts
on was read after the account's lock in a statement of its own, the lots a debit or
hold can give back in another, and the lot's or hold's new status was written in a
third. Now ``rewards_ledger_open`` also reads, after the lock, the row the operation
names (``w_*``: a lot, a hold with its HOLD entry, or an entry with its hold's
status) and, when asked (``p_back``), what that entry can still give back to its
lots (``b_*``, the query of ``posting.give_back``); ``rewards_ledger_post`` also sets
the lot's or the hold's new status after the entry and its lot moves. What each
operation checks and writes is unchanged, as are the tables and their triggers.
"""

import importlib

from django.db import migrations

# 0019's functions, for the way back.
_0019 = importlib.import_module("saleor_rewards.migrations.0019_ledger_server_functions")
FUNCTIONS_0019 = _0019.FORWARD[_0019.FORWARD.index("CREATE FUNCTION rewards_ledger_open(") :]

DROP_0019 = """
DROP FUNCTION rewards_ledger_post(bigint, timestamptz, text, numeric, numeric, numeric,
  numeric, numeric, numeric, numeric, numeric, numeric, numeric, boolean, text, text,
  numeric, timestamptz, integer, timestamptz, boolean, numeric, timestamptz, bigint,
  bigint, bigint, text, text, text, text, text, text, bigint[], numeric[]);
DROP FUNCTION rewards_ledger_open(bigint, text, bigint, text, timestamptz, boolean);
"""

_OPEN_0019 = FUNCTIONS_0019[: FUNCTIONS_0019.index("CREATE FUNCTION rewards_ledger_post(")]
_POST_0019 = FUNCTIONS_0019[FUNCTIONS_0019.index("CREATE FUNCTION rewards_ledger_post(") :]


def _edit(text: str, *changes: tuple[str, str]) -> str:
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text


OPEN_0021 = _edit(
    _OPEN_0019,
    ("  p_lots boolean,\n", "  p_lots boolean, p_back boolean,\n"),
    (
        "  OUT o_lot_ids bigint[], OUT o_lot_remaining numeric[])\n",
        """  OUT o_lot_ids bigint[], OUT o_lot_remaining numeric[],
  -- The row the operation names, read under the lock:
  --   lot:   status, remaining, expires_in_days, reference
  --   hold:  status, amount, reference, its HOLD entry
  --   entry: its hold's status, available_delta, type, reference, the entry itself
  OUT w_status text, OUT w_amount numeric, OUT w_days integer, OUT w_type text,
  OUT w_ref_type text, OUT w_ref_id text, OUT w_entry bigint,
  -- With p_back: per lot, what w_entry can still give back to it, latest expiry first.
  OUT b_lots bigint[], OUT b_status text[], OUT b_expires timestamptz[],
  OUT b_open numeric[])
""",
    ),
    (
        "  IF p_lots THEN\n",
        """  IF p_owner = 'rewards_lot' THEN
    SELECT l.status, l.remaining, l.expires_in_days, l.reference_type, l.reference_id
      INTO w_status, w_amount, w_days, w_ref_type, w_ref_id
      FROM rewards_lot l WHERE l.id = p_owner_id;
  ELSIF p_owner = 'rewards_hold' THEN
    SELECT h.status, h.amount, h.reference_type, h.reference_id, e.id
      INTO w_status, w_amount, w_ref_type, w_ref_id, w_entry
      FROM rewards_hold h JOIN rewards_entry e ON e.hold_id = h.id AND e.type = 'hold'
     WHERE h.id = p_owner_id;
  ELSIF p_owner = 'rewards_entry' THEN
    SELECT h.status, e.available_delta, e.type, e.reference_type, e.reference_id, e.id
      INTO w_status, w_amount, w_type, w_ref_type, w_ref_id, w_entry
      FROM rewards_entry e LEFT JOIN rewards_hold h ON h.id = e.hold_id
     WHERE e.id = p_owner_id;
  END IF;
  IF p_back AND w_entry IS NOT NULL THEN
    SELECT COALESCE(array_agg(g.id ORDER BY g.expires_at DESC NULLS FIRST, g.id DESC), '{}'),
           COALESCE(array_agg(g.status ORDER BY g.expires_at DESC NULLS FIRST, g.id DESC), '{}'),
           COALESCE(array_agg(g.expires_at ORDER BY g.expires_at DESC NULLS FIRST, g.id DESC),
                    '{}'),
           COALESCE(array_agg(g.open ORDER BY g.expires_at DESC NULLS FIRST, g.id DESC), '{}')
      INTO b_lots, b_status, b_expires, b_open
      FROM (SELECT l.id, l.status, l.expires_at,
                   -SUM(a.amount) FILTER (WHERE a.entry_id = w_entry)
                   - COALESCE(SUM(a.amount) FILTER (
                         WHERE a.entry_id <> w_entry AND a.amount > 0), 0) AS open
              FROM rewards_allocation a
              JOIN rewards_entry e ON e.id = a.entry_id
              JOIN rewards_lot l ON l.id = a.lot_id
             WHERE e.id = w_entry OR e.original_id = w_entry
             GROUP BY l.id, l.status, l.expires_at) g;
  END IF;
  IF p_lots THEN
""",
    ),
)

POST_0021 = _edit(
    _POST_0019,
    (
        "  p_reason text, p_move_lots bigint[], p_move_amounts numeric[],\n",
        """  p_reason text, p_move_lots bigint[], p_move_amounts numeric[],
  -- After the entry and its moves: lot p_lot_id becomes 'available' (its expiry
  -- clock starts now) or 'void'; hold p_hold_id closes as 'captured' or 'released'.
  p_set_lot_status text, p_set_lot_expires_at timestamptz,
  p_set_hold_status text, p_set_hold_captured numeric,
""",
    ),
    (
        "  UPDATE rewards_account SET available = p_available",
        """  IF p_set_lot_status = 'available' THEN
    UPDATE rewards_lot SET status = 'available', available_at = p_now,
        expires_at = p_set_lot_expires_at
     WHERE id = p_lot_id;
  ELSIF p_set_lot_status IS NOT NULL THEN
    UPDATE rewards_lot SET status = p_set_lot_status WHERE id = p_lot_id;
  END IF;
  IF p_set_hold_status IS NOT NULL THEN
    UPDATE rewards_hold SET status = p_set_hold_status,
        captured = COALESCE(p_set_hold_captured, captured), closed_at = p_now
     WHERE id = p_hold_id;
  END IF;
  UPDATE rewards_account SET available = p_available""",
    ),
)

FORWARD = DROP_0019 + OPEN_0021 + POST_0021

BACKWARD = (
    r"""
DROP FUNCTION rewards_ledger_post(bigint, timestamptz, text, numeric, numeric, numeric,
  numeric, numeric, numeric, numeric, numeric, numeric, numeric, boolean, text, text,
  numeric, timestamptz, integer, timestamptz, boolean, numeric, timestamptz, bigint,
  bigint, bigint, text, text, text, text, text, text, bigint[], numeric[],
  text, timestamptz, text, numeric);
DROP FUNCTION rewards_ledger_open(bigint, text, bigint, text, timestamptz, boolean, boolean);
"""
    + FUNCTIONS_0019
)


class Migration(migrations.Migration):
    dependencies = [("saleor_rewards", "0020_ledger_row_marks")]

    operations = [
        migrations.RunSQL(FORWARD, BACKWARD),
    ]
