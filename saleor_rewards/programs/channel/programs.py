"""A channel's rewards program comes into being with the channel (no read creates it).

The shop adapter calls ``open_program`` when the shop creates a channel, when the
plugin is switched on (for channels it did not see created) and from
``rewards_create_programs``; the program's default tiers come with it there.
"""

from ...ledger.models import Program


def open_program(channel_slug: str, currency: str) -> tuple[Program, bool]:
    """The channel's program, created in ``currency`` if it has none; (program, created).

    Idempotent: a channel keeps its first program (and currency) for good, whoever
    calls this again or at the same moment (the unique ``channel_slug`` decides).
    """
    return Program.objects.get_or_create(channel_slug=channel_slug, defaults={"currency": currency})
