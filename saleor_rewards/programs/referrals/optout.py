"""Refusing invitations (P6): every invitation mail carries a link that blocks all
future invitations to its address, from any sponsor.

The link's token is the address's opt-out hash (``optout_hash``), signed with
Django's ``SECRET_KEY`` so that nobody forges one: the storefront page behind the
link sends it to ``rewardsInviteOptOut`` and never learns the address, and the
shop keeps only that keyed hash (``InviteOptOut``).
"""

from urllib.parse import quote

from django.core import signing
from django.db import IntegrityError, transaction

from ...ledger.errors import InvalidInput
from .emails import optout_hash
from .models import InviteOptOut

SALT = "saleor_rewards.invite-optout"


def optout_token(address: str) -> str:
    return signing.dumps(optout_hash(address), salt=SALT)


def optout_link(settings: dict, address: str) -> str:
    """``invite_optout_url`` with the token; the bare token while it is not set."""
    token = optout_token(address)
    template = settings.get("invite_optout_url") or ""
    return template.replace("{token}", quote(token, safe="")) if template else token


def opt_out(token: str) -> bool:
    """Block every future invitation to the token's address; True when it is new."""
    try:
        digest = signing.loads((token or "").strip(), salt=SALT)
    except signing.BadSignature:
        raise InvalidInput("This opt-out link is not valid.", field="token") from None
    if not isinstance(digest, str) or len(digest) != 64:
        raise InvalidInput("This opt-out link is not valid.", field="token")
    try:
        with transaction.atomic():
            InviteOptOut.objects.create(email_hash=digest)
    except IntegrityError:
        return False  # opted out before: nothing changes
    return True


def opted_out(addresses) -> set[str]:
    """The addresses among ``addresses`` that refused invitations."""
    by_hash = {optout_hash(address): address for address in addresses}
    found = InviteOptOut.objects.filter(email_hash__in=by_hash).values_list("email_hash", flat=True)
    return {by_hash[digest] for digest in found}
