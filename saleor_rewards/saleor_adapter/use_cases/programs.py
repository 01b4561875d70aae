"""Every Saleor channel has a rewards program with its tiers; every customer a code.

They are created when Saleor creates them (the plugin's ``channel_created`` and
``customer_created`` hooks), never when someone reads them. What existed before the
plugin was switched on is caught up when it is switched on (``pluginUpdate`` with
``active: true``: ``RewardsPlugin.pre_save_plugin_configuration``) and by
``django-admin rewards_create_programs``; both are idempotent.
"""

from django.db import transaction
from saleor.account.models import User
from saleor.channel.models import Channel

from ...ledger.models import Program
from ...programs.channel.programs import open_program
from ...programs.referrals import services as referrals
from ...programs.referrals.models import ReferralCode
from ...programs.tiers import services as tiers


def create_program(channel: Channel) -> Program:
    """The channel's program in the channel's currency, with the default tiers (T1)."""
    with transaction.atomic():
        program, _ = open_program(channel.slug, channel.currency_code)
        tiers.create_default_tiers(program)
    return program


def create_missing_programs() -> list[str]:
    """A program (with tiers) for every channel that has none; their slugs.

    Programs that exist keep theirs; one without tiers (made before tiers came with
    the program) gets the default table.
    """
    existing = set(Program.objects.values_list("channel_slug", flat=True))
    created = []
    for channel in Channel.objects.order_by("pk"):
        create_program(channel)
        if channel.slug not in existing:
            created.append(channel.slug)
    return created


def create_missing_codes(batch_size: int = 1000) -> int:
    """A referral code for every active customer without one (R1); how many."""
    have = ReferralCode.objects.filter(member_id__isnull=False).values("member_id")
    ids = (
        User.objects.filter(is_active=True)
        .exclude(id__in=have)
        .order_by("pk")
        .values_list("id", flat=True)
    )
    return referrals.create_missing_codes(ids, batch_size=batch_size)
