"""Saleor's channels and customers, as the schema's ``Directory``."""

from saleor.account.models import User
from saleor.channel.models import Channel

from ..ledger.models import Program


class SaleorDirectory:
    def program(self, channel_slug: str) -> Program | None:
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

    def member_exists(self, user_id: int) -> bool:
        return User.objects.filter(id=user_id).exists()
