"""Seed one channel with ``lots`` lots over ``members`` members, set-based.

Every lot gets its ``earn`` entry, the entries continue each other per account and
the accounts hold the sums, so the ledger audit proves the data like any other;
the rows are written by a few INSERT ... SELECT statements with the ledger's
triggers off for this session (``session_replication_role = replica``, superuser),
since a per-row check at commit would make seeding a million lots take minutes.
The audit after the jobs (``--audit``) proves the whole database from scratch.

Of every 10 lots: 4 are available and past their expiry (the expiry job's work),
2 are pending and past their ``available_at`` (activation's), 4 are available and
expire later. Every member has one paid order (consumption for the tier recompute).
"""

from __future__ import annotations

from datetime import datetime, timedelta

SEED_SQL = """
WITH lots AS (
    INSERT INTO rewards_lot (account_id, source, status, amount, remaining, created_at,
        available_at, expires_in_days, expires_at, reference_type, reference_id)
    SELECT %(first)s + (k - 1) %% %(members)s,
        'loyalty',
        CASE WHEN k %% 10 IN (4, 5) THEN 'pending' ELSE 'available' END,
        10 + k %% 50, 10 + k %% 50, %(t0)s,
        CASE WHEN k %% 10 IN (4, 5) THEN %(now)s - INTERVAL '1 hour' ELSE %(t0)s END,
        365,
        CASE WHEN k %% 10 IN (0, 1, 2, 3) THEN %(now)s - INTERVAL '1 day'
             WHEN k %% 10 IN (4, 5) THEN NULL
             ELSE %(now)s + INTERVAL '200 days' END,
        '', ''
    FROM generate_series(1, %(lots)s) AS k
    ORDER BY 1, k
    RETURNING id, account_id, status, amount
),
numbered AS (
    SELECT lots.*,
        SUM(CASE WHEN status = 'available' THEN amount ELSE 0 END)
            OVER (PARTITION BY account_id ORDER BY id) AS available_after,
        SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END)
            OVER (PARTITION BY account_id ORDER BY id) AS pending_after,
        row_number() OVER (ORDER BY account_id, id) AS n
    FROM lots
),
entries AS (
    INSERT INTO rewards_entry (id, account_id, created_at, type, amount,
        available_delta, pending_delta, held_delta, debt_delta,
        available_after, pending_after, held_after, debt_after, unrecovered, expired,
        lot_id, idempotency_key, reference_type, reference_id, actor_type, actor_id,
        reason)
    SELECT %(entry_base)s + n, account_id, %(t0)s, 'earn', amount,
        CASE WHEN status = 'available' THEN amount ELSE 0 END,
        CASE WHEN status = 'pending' THEN amount ELSE 0 END, 0, 0,
        available_after, pending_after, 0, 0, 0, 0,
        id, 'seed:' || id, '', '', 'system', '', ''
    FROM numbered
)
UPDATE rewards_account a SET available = s.available, pending = s.pending
FROM (SELECT account_id,
             SUM(CASE WHEN status = 'available' THEN amount ELSE 0 END) AS available,
             SUM(CASE WHEN status = 'pending' THEN amount ELSE 0 END) AS pending
        FROM lots GROUP BY account_id) s
WHERE a.id = s.account_id
"""


def seed(channel: str, lots: int, members: int, now: datetime):
    """The program of ``channel``, seeded; returns it."""
    from django.db import connection, transaction

    from saleor_rewards.ledger.models import Program
    from saleor_rewards.programs.tiers.services import create_default_tiers

    t0 = now - timedelta(days=400)
    with transaction.atomic():
        program = Program.objects.create(channel_slug=channel, currency="EUR")
        create_default_tiers(program)
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute(
                "INSERT INTO rewards_account (program_id, member_id, kind, currency, "
                "available, pending, held, unrecovered, debt, created_at) "
                "SELECT %s, m, 'points', NULL, 0, 0, 0, 0, 0, %s "
                "FROM generate_series(1, %s) AS m ORDER BY m RETURNING id",
                [program.id, t0, members],
            )
            first = min(row[0] for row in cursor.fetchall())
            cursor.execute("SELECT nextval(pg_get_serial_sequence('rewards_entry', 'id'))")
            (entry_base,) = cursor.fetchone()
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('rewards_entry', 'id'), %s)",
                [entry_base + lots + 1],
            )
            cursor.execute(
                SEED_SQL,
                {
                    "first": first,
                    "members": members,
                    "lots": lots,
                    "t0": t0,
                    "now": now,
                    "entry_base": entry_base,
                },
            )
            cursor.execute(
                "INSERT INTO rewards_order_award (program_id, order_id, kind, member_id, "
                "basis, percent, points, refunded_basis, taken_back, reversed, created_at, "
                "updated_at) SELECT %s, 'bench-' || m, 'loyalty', m, (m * 37) %% 3000, 1, "
                "0, 0, 0, false, %s, %s FROM generate_series(1, %s) AS m",
                [program.id, now - timedelta(days=10), now, members],
            )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return program
