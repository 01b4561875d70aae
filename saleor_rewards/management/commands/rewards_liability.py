import csv
import sys

from django.core.management.base import BaseCommand, CommandError

from ...ledger.models import Program
from ...programs.liability.report import MAX_DAYS, liability
from ...saleor_adapter.settings import program_settings

COLUMNS = (
    "date",
    "points_outstanding",
    "points_pending",
    "points_expiring_next_30_days",
    "cash_outstanding",
    "cash_pending",
    "currency",
)


def _plain(value) -> str:
    return format(value.normalize(), "f") if value else "0"


class Command(BaseCommand):
    help = (
        "A channel's liability to its members: outstanding points and their value, cash, "
        "pending, held, debt, what expires in 30 days, the deposit, and a daily series "
        "(SPEC O3); --csv writes the series as CSV ('-' for standard output)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--channel", required=True, help="The channel's slug.")
        parser.add_argument("--days", type=int, default=30, help="Days of the series (30).")
        parser.add_argument("--csv", metavar="FILE", help="Write the daily series here.")

    def handle(self, *args, channel, days, csv, **options):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}.")
        program = Program.objects.filter(channel_slug=channel).first()
        if program is None:
            raise CommandError(f"Channel {channel!r} has no rewards program.")
        self.stdout.write(f"Computing {days} day(s) of channel {channel}...")
        settings = program_settings(program)
        report = liability(program, points_per_unit=settings["points_per_unit"], days=days)
        currency, points, cash = report.currency, report.points, report.cash
        self.stdout.write(
            f"Liability of {channel} at {report.at.isoformat()}:\n"
            f"  points outstanding {_plain(points.outstanding)} "
            f"(worth {_plain(report.points_value)} {currency}), "
            f"pending {_plain(points.pending)}, held {_plain(points.held)}, "
            f"debt {_plain(points.debt)}, expiring in 30 days {report.points_expiring}\n"
            f"  cash outstanding {_plain(cash.outstanding)} {currency}, "
            f"pending {_plain(cash.pending)}, held {_plain(cash.held)}, debt {_plain(cash.debt)}\n"
            f"  deposit {_plain(report.deposit)} {currency}"
        )
        if csv:
            self._write_csv(report, csv)

    def _write_csv(self, report, path):
        rows = [
            (
                day.date.isoformat(),
                day.points_outstanding,
                day.points_pending,
                day.points_expiring,
                _plain(day.cash_outstanding),
                _plain(day.cash_pending),
                report.currency,
            )
            for day in report.series
        ]
        if path == "-":
            self._rows(sys.stdout if self.stdout is None else self.stdout, rows)
            return
        with open(path, "w", newline="") as file:
            self._rows(file, rows)
        self.stdout.write(self.style.SUCCESS(f"Wrote {len(rows)} day(s) to {path}."))

    @staticmethod
    def _rows(file, rows):
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        writer.writerows(rows)
