"""Recompute every balance from the ledger's rows and report drift (U5).

The triggers of migrations 0002 and 0009 reject drift at commit; the audit proves
it from scratch, independently of them (a restore, a superuser with triggers off, a
bug in a trigger). Each check is one set-based query over all accounts. The member's
debt (L3, U8) is proven like a balance: the sum of its entries' debt changes, and
each entry's debt-after continuing the one before.
"""

from dataclasses import dataclass

from django.db import connection


@dataclass(frozen=True)
class Drift:
    account_id: int
    member_id: int | None
    channel: str
    kind: str
    problem: str

    def __str__(self):
        member = self.member_id if self.member_id is not None else "(erased)"
        return (
            f"member {member} / channel {self.channel} / {self.kind} "
            f"(account {self.account_id}): {self.problem}"
        )


_CHECKS = {
    "entries": """
        SELECT a.id, 'balance ' || a.available || '/' || a.pending || '/' || a.held
            || ' (available/pending/held) but its entries sum to '
            || COALESCE(e.available, 0) || '/' || COALESCE(e.pending, 0) || '/'
            || COALESCE(e.held, 0)
        FROM rewards_account a LEFT JOIN (
            SELECT account_id, SUM(available_delta) AS available,
                   SUM(pending_delta) AS pending, SUM(held_delta) AS held,
                   SUM(unrecovered) AS unrecovered
            FROM rewards_entry GROUP BY account_id) e ON e.account_id = a.id
        WHERE a.available <> COALESCE(e.available, 0)
           OR a.pending <> COALESCE(e.pending, 0) OR a.held <> COALESCE(e.held, 0)
    """,
    "unrecovered": """
        SELECT a.id, 'unrecovered ' || a.unrecovered || ' but its entries record '
            || COALESCE(SUM(e.unrecovered), 0)
        FROM rewards_account a LEFT JOIN rewards_entry e ON e.account_id = a.id
        GROUP BY a.id HAVING a.unrecovered <> COALESCE(SUM(e.unrecovered), 0)
    """,
    "debt": """
        SELECT a.id, 'debt ' || a.debt || ' but its entries sum to '
            || COALESCE(SUM(e.debt_delta), 0)
        FROM rewards_account a LEFT JOIN rewards_entry e ON e.account_id = a.id
        GROUP BY a.id HAVING a.debt <> COALESCE(SUM(e.debt_delta), 0)
    """,
    "debt_chain": """
        SELECT account_id, 'entry ' || id || ' says debt ' || debt_after
            || ' after it, the running sum is ' || run_debt
        FROM (
            SELECT id, account_id, debt_after,
                SUM(debt_delta) OVER (PARTITION BY account_id ORDER BY id) AS run_debt
            FROM rewards_entry) chain
        WHERE debt_after <> run_debt OR debt_after < 0
    """,
    # Only a revocation's unrecovered part raises a debt; only a DEBT_SETTLED entry
    # lowers it, by exactly the spendable amount it takes. (Revocations recorded
    # before migration 0009 carry their unrecovered part without a debt.)
    "debt_entries": """
        SELECT account_id, 'entry ' || id || ' (' || type || ') changes the debt by '
            || debt_delta || ' with ' || available_delta || '/' || pending_delta || '/'
            || held_delta || ' (available/pending/held) and ' || unrecovered
            || ' unrecovered'
        FROM rewards_entry
        WHERE CASE type
            WHEN 'revoke' THEN debt_delta NOT IN (0, unrecovered)
            WHEN 'debt_settled' THEN debt_delta >= 0 OR available_delta <> debt_delta
                OR pending_delta <> 0 OR held_delta <> 0
            ELSE debt_delta <> 0 END
    """,
    "lots": """
        SELECT a.id, 'balance ' || a.available || '/' || a.pending
            || ' (available/pending) but its lots hold '
            || COALESCE(l.available, 0) || '/' || COALESCE(l.pending, 0)
        FROM rewards_account a LEFT JOIN (
            SELECT account_id,
                   SUM(remaining) FILTER (WHERE status = 'available') AS available,
                   SUM(remaining) FILTER (WHERE status = 'pending') AS pending
            FROM rewards_lot GROUP BY account_id) l ON l.account_id = a.id
        WHERE a.available <> COALESCE(l.available, 0)
           OR a.pending <> COALESCE(l.pending, 0)
    """,
    "holds": """
        SELECT a.id, 'held ' || a.held || ' but its open holds total '
            || COALESCE(SUM(h.amount), 0)
        FROM rewards_account a
        LEFT JOIN rewards_hold h ON h.account_id = a.id AND h.status = 'open'
        GROUP BY a.id HAVING a.held <> COALESCE(SUM(h.amount), 0)
    """,
    "lot_allocations": """
        SELECT l.account_id, 'lot ' || l.id || ' has ' || l.remaining
            || ' left but amount plus allocations is '
            || (l.amount + COALESCE(SUM(x.amount), 0))
        FROM rewards_lot l LEFT JOIN rewards_allocation x ON x.lot_id = l.id
        GROUP BY l.id HAVING l.remaining <> l.amount + COALESCE(SUM(x.amount), 0)
    """,
    "entry_chain": """
        SELECT account_id, 'entry ' || id || ' says '
            || available_after || '/' || pending_after || '/' || held_after
            || ' after it, the running sum is '
            || run_available || '/' || run_pending || '/' || run_held
        FROM (
            SELECT id, account_id, available_after, pending_after, held_after,
                SUM(available_delta) OVER w AS run_available,
                SUM(pending_delta) OVER w AS run_pending,
                SUM(held_delta) OVER w AS run_held
            FROM rewards_entry
            WINDOW w AS (PARTITION BY account_id ORDER BY id)) chain
        WHERE available_after <> run_available OR pending_after <> run_pending
           OR held_after <> run_held
    """,
    "hold_settlement": """
        SELECT h.account_id, 'hold ' || h.id || ' (' || h.status || ', '
            || h.amount || ') has held movements summing to '
            || COALESCE(SUM(e.held_delta), 0)
        FROM rewards_hold h LEFT JOIN rewards_entry e ON e.hold_id = h.id
        GROUP BY h.id
        HAVING COALESCE(SUM(e.held_delta), 0)
            <> CASE WHEN h.status = 'open' THEN h.amount ELSE 0 END
    """,
    "negative": """
        SELECT id, 'negative balance ' || available || '/' || pending || '/' || held
        FROM rewards_account WHERE available < 0 OR pending < 0 OR held < 0
    """,
}


def audit() -> tuple[dict[str, int], list[Drift]]:
    """Return (what was counted, every drift found)."""
    drifts = []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT (SELECT COUNT(*) FROM rewards_account),"
            " (SELECT COUNT(*) FROM rewards_lot),"
            " (SELECT COUNT(*) FROM rewards_entry),"
            " (SELECT COUNT(*) FROM rewards_hold)"
        )
        names = ("accounts", "lots", "entries", "holds")
        counts = dict(zip(names, cursor.fetchone(), strict=True))
        cursor.execute(
            "SELECT a.id, a.member_id, p.channel_slug, a.kind FROM rewards_account a "
            "JOIN rewards_program p ON p.id = a.program_id"
        )
        owners = {row[0]: row[1:] for row in cursor.fetchall()}
        for sql in _CHECKS.values():
            cursor.execute(sql)
            for account_id, problem in cursor.fetchall():
                member, channel, kind = owners.get(account_id, (None, "?", "?"))
                drifts.append(Drift(account_id, member, channel, kind, problem))
    return counts, drifts


def channel_totals() -> dict[tuple[str, str], dict[str, object]]:
    """(channel, kind) -> available, pending, held and debt recomputed from the
    entries alone, and the points of available lots by expiry (O3's check: the
    liability report reads the balance columns; this never does)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.channel_slug, a.kind, SUM(e.available_delta), SUM(e.pending_delta),"
            " SUM(e.held_delta), SUM(e.debt_delta)"
            " FROM rewards_entry e JOIN rewards_account a ON a.id = e.account_id"
            " JOIN rewards_program p ON p.id = a.program_id GROUP BY 1, 2"
        )
        return {
            (channel, kind): {
                "available": available,
                "pending": pending,
                "held": held,
                "debt": debt,
            }
            for channel, kind, available, pending, held, debt in cursor.fetchall()
        }
