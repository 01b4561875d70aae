"""Saleor's channels: each has one rewards program, in the channel's currency."""

from saleor.channel.models import Channel

from ...ledger.models import Program


def program_for_channel(channel_slug: str) -> Program | None:
    """The channel's program, created on first use with the channel's currency."""
    program = Program.objects.filter(channel_slug=channel_slug).first()
    if program is not None:
        return program
    channel = Channel.objects.filter(slug=channel_slug).first()
    if channel is None:
        return None
    program, _ = Program.objects.get_or_create(
        channel_slug=channel.slug, defaults={"currency": channel.currency_code}
    )
    return program
