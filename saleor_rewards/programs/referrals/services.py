"""Referral / sponsorship (R1-R5): codes, share links, attributing a friend to a
sponsor, and invitations by e-mail.

A referral is global, not per channel: a person has one sponsor for good (R3), and
the reward on the friend's first order lands in that order's channel
(``orders.sync_referral_reward``, R6/R7). Limits that depend on settings use the
settings of the channel the request names, or the plugin's own values where Saleor
gives no channel (``customer_created``).

Concurrency: every change to a sponsor's friends or invitations first locks the
sponsor's ``ReferralCode`` row, so counting friends or today's invitations and
adding one is atomic (two concurrent claims cannot make 21 friends, R4). A friend
has one sponsor by the unique ``Referral.friend_id``; a concurrent second claim
waits on that index and is refused.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from urllib.parse import quote, urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone

from ... import money
from ...ledger.constants import LotStatus
from ...ledger.errors import AlreadyExists, InvalidInput, LimitExceeded, NotEligible, NotFound
from .. import locks
from ..channel.restrictions import refuse_if_restricted
from ..loyalty.models import AwardKind, OrderAward
from .emails import email_hash, is_valid_email, normalize_email, same_mailbox
from .models import Referral, ReferralCode, ReferralInvite
from .optout import opted_out, optout_link
from .ports import Mailer, ReferralShop

# R1: codes people read aloud and type (the house alphabet: no 0/O, 1/I). 32**8
# codes, so a collision (retried) is rare until millions of members.
CODE_LENGTH = 8
CODE_ATTEMPTS = 10

# R2: invitation rate limits. A request names at most INVITES_PER_REQUEST
# addresses; a sponsor sends at most INVITES_PER_DAY invitations in any rolling
# INVITE_WINDOW. Together with "once per address" this keeps the shop's mail
# server from being used to spam.
INVITES_PER_REQUEST = 10
INVITES_PER_DAY = 50
INVITE_WINDOW = timedelta(hours=24)


class ShareNetwork:
    EMAIL = "EMAIL"
    FACEBOOK = "FACEBOOK"
    TWITTER = "TWITTER"  # X
    LINKEDIN = "LINKEDIN"
    WEIBO = "WEIBO"
    WHATSAPP = "WHATSAPP"
    CHOICES = [
        (EMAIL, "E-mail"),
        (FACEBOOK, "Facebook"),
        (TWITTER, "X (Twitter)"),
        (LINKEDIN, "LinkedIn"),
        (WEIBO, "Weibo"),
        (WHATSAPP, "WhatsApp"),
    ]


class FriendState:
    REGISTERED = "REGISTERED"  # no rewarded order yet
    ORDERED = "ORDERED"  # first order paid, the sponsor's reward is pending
    REWARDED = "REWARDED"  # the reward is available (or was spent / expired)
    CANCELLED = "CANCELLED"  # the order was cancelled or refunded: reward taken back
    CHOICES = [(s, s.title()) for s in (REGISTERED, ORDERED, REWARDED, CANCELLED)]


@dataclass(frozen=True)
class Person:
    member_id: int
    email: str = ""


# R1: codes and share links


def _new_code() -> str:
    return money.new_code(CODE_LENGTH)


def code_of(member_id: int) -> str | None:
    """The member's referral code; None until it is created. A read: it writes nothing."""
    return ReferralCode.objects.filter(member_id=member_id).values_list("code", flat=True).first()


def create_code(member_id: int) -> str:
    """The member's referral code, created if they have none yet (R1).

    Called when the shop creates the customer, when the plugin is switched on (for
    customers who registered before) and by the writes that need the code (an
    invitation, a sponsor named by e-mail); reads never create one.
    """
    existing = code_of(member_id)
    if existing is not None:
        return existing
    for _ in range(CODE_ATTEMPTS):
        try:
            with transaction.atomic():
                return ReferralCode.objects.create(member_id=member_id, code=_new_code()).code
        except IntegrityError:
            # Either the code is taken (try another) or a concurrent request just
            # gave this member a code (use it).
            existing = code_of(member_id)
            if existing is not None:
                return existing
    raise RuntimeError(f"No free referral code after {CODE_ATTEMPTS} attempts.")


def create_missing_codes(member_ids, batch_size: int = 1000) -> int:
    """Codes for every member in ``member_ids`` who has none (R1); how many were made.

    One insert per batch; a batch whose random codes collide with existing ones
    (rare, ``ignore_conflicts``) leaves those members to ``create_code``.
    """
    member_ids = list(member_ids)
    created = 0
    for start in range(0, len(member_ids), batch_size):
        batch = member_ids[start : start + batch_size]
        have = set(
            ReferralCode.objects.filter(member_id__in=batch).values_list("member_id", flat=True)
        )
        missing = [member_id for member_id in batch if member_id not in have]
        ReferralCode.objects.bulk_create(
            [ReferralCode(member_id=member_id, code=_new_code()) for member_id in missing],
            ignore_conflicts=True,
        )
        made = set(
            ReferralCode.objects.filter(member_id__in=missing).values_list("member_id", flat=True)
        )
        for member_id in missing:
            if member_id not in made:
                create_code(member_id)
        created += len(missing)
    return created


def _locked_code(member_id: int) -> ReferralCode:
    create_code(member_id)
    return locks.referral_codes().get(member_id=member_id)


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


def share_url(settings: dict, code: str) -> str | None:
    """``storefront_referral_url`` with the code; None until the merchant sets it."""
    template = settings.get("storefront_referral_url") or ""
    if not template:
        return None
    return template.replace("{code}", quote(code, safe=""))


def share_links(url: str | None, shop_name: str = "") -> list[tuple[str, str]]:
    """(network, link) pairs that open each network's share dialog with ``url``."""
    if not url:
        return []
    text = f"Join me at {shop_name}" if shop_name else "Join me"
    dialogs = [
        (ShareNetwork.EMAIL, "mailto:", {"subject": text, "body": f"{text}: {url}"}),
        (ShareNetwork.FACEBOOK, "https://www.facebook.com/sharer/sharer.php", {"u": url}),
        (ShareNetwork.TWITTER, "https://x.com/intent/tweet", {"url": url, "text": text}),
        (ShareNetwork.LINKEDIN, "https://www.linkedin.com/sharing/share-offsite/", {"url": url}),
        (
            ShareNetwork.WEIBO,
            "https://service.weibo.com/share/share.php",
            {"url": url, "title": text},
        ),
        (ShareNetwork.WHATSAPP, "https://wa.me/", {"text": f"{text}: {url}"}),
    ]
    return [
        (network, f"{base}?{urlencode(params, quote_via=quote)}")
        for network, base, params in dialogs
    ]


# R3-R5: attribution


def sponsor_by_code(code: str) -> int:
    # An erased member's code is deleted with them (P2): it resolves to nobody.
    row = ReferralCode.objects.filter(code=normalize_code(code), member_id__isnull=False).first()
    if row is None:
        raise NotFound(f"Referral code {code!r} does not exist.", field="code")
    return row.member_id


def attribute(
    friend: Person,
    shop: ReferralShop,
    settings: dict,
    *,
    source: str,
    code: str | None = None,
    sponsor_email: str | None = None,
    now: datetime | None = None,
) -> Referral:
    """Make ``friend`` a friend of the sponsor named by ``code`` or ``sponsor_email``.

    Refuses (R4, R5): an unknown sponsor (NOT_FOUND), oneself by id or by the same
    mailbox (NOT_ELIGIBLE), a friend who already has a paid order (NOT_ELIGIBLE) or a
    sponsor (ALREADY_EXISTS), a sponsor with ``referral_max_friends`` friends
    (LIMIT_EXCEEDED). Runs in its own transaction (or the caller's).
    """
    friend_email = friend.email or shop.member_emails([friend.member_id]).get(friend.member_id, "")
    if code:
        sponsor_id = sponsor_by_code(code)
    elif sponsor_email:
        if same_mailbox(sponsor_email, friend_email):
            raise NotEligible("You cannot refer yourself.", field="referrerEmail")
        sponsor_id = shop.member_by_email(normalize_email(sponsor_email))
        if sponsor_id is None:
            raise NotFound("No member has this e-mail address.", field="referrerEmail")
    else:
        raise InvalidInput("Name a referral code or a sponsor's e-mail.", field="code")
    field_name = "code" if code else "referrerEmail"
    if sponsor_id == friend.member_id or same_mailbox(
        shop.member_emails([sponsor_id]).get(sponsor_id), friend_email
    ):
        raise NotEligible("You cannot refer yourself.", field=field_name)
    if Referral.objects.filter(friend_id=friend.member_id).exists():
        raise AlreadyExists("You already have a sponsor.", field=field_name)
    if shop.has_paid_order(friend.member_id):
        raise NotEligible(
            "Only customers without a paid order can name a sponsor.", field=field_name
        )
    with transaction.atomic():
        _locked_code(sponsor_id)
        limit = settings["referral_max_friends"]
        if Referral.objects.filter(sponsor_id=sponsor_id).count() >= limit:
            raise LimitExceeded(
                f"This sponsor already has the most friends allowed ({limit}).",
                field=field_name,
            )
        try:
            with transaction.atomic():
                return Referral.objects.create(
                    sponsor_id=sponsor_id,
                    friend_id=friend.member_id,
                    source=source,
                    created_at=now or timezone.now(),
                )
        except IntegrityError:
            raise AlreadyExists("You already have a sponsor.", field=field_name) from None


# Friends as the sponsor sees them


def sponsorship_of(friend_id: int) -> Referral | None:
    return Referral.objects.filter(friend_id=friend_id, sponsor_id__isnull=False).first()


def friends_of(sponsor_id: int):
    """The sponsor's friends; an erased friend (P2) still counts toward R4's limit
    (``attribute`` counts every row) but is no longer shown."""
    return Referral.objects.filter(sponsor_id=sponsor_id, friend_id__isnull=False).order_by("-id")


def friend_states(sponsor_id: int, friend_ids, order_ids: dict[int, list[str]]) -> dict:
    """friend id -> FriendState, from the sponsor's referral awards on each friend's
    orders (``order_ids``: friend id -> their order ids). One query for all."""
    wanted = {oid for rows in order_ids.values() for oid in rows}
    awards: dict[str, list] = {}
    for award in OrderAward.objects.filter(
        kind=AwardKind.REFERRAL, member_id=sponsor_id, order_id__in=wanted
    ).select_related("lot"):
        awards.setdefault(award.order_id, []).append(award)
    states = {}
    for friend_id in friend_ids:
        mine = [a for oid in order_ids.get(friend_id, ()) for a in awards.get(oid, ())]
        standing = [a for a in mine if not a.reversed]
        if standing:
            rewarded = any(
                a.lot is not None and a.lot.status != LotStatus.PENDING for a in standing
            )
            states[friend_id] = FriendState.REWARDED if rewarded else FriendState.ORDERED
        elif mine:
            states[friend_id] = FriendState.CANCELLED
        else:
            states[friend_id] = FriendState.REGISTERED
    return states


# R2: invitations


@dataclass
class InviteResult:
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # duplicates, own, already invited


def _clean_addresses(emails: list[str]) -> list[str]:
    if not emails:
        raise InvalidInput("Name at least one e-mail address.", field="emails")
    invalid = [email for email in emails if not is_valid_email(email)]
    if invalid:
        raise InvalidInput(
            f"Not a valid e-mail address: {', '.join(map(str.strip, invalid))}.",
            field="emails",
        )
    return [normalize_email(email) for email in emails]


def invite_message(shop_name: str, code: str, url: str | None, optout: str = "") -> tuple[str, str]:
    shop = shop_name or "our shop"
    subject = f"A friend invites you to {shop}"
    where = f"Sign up here: {url}" if url else f"Sign up at {shop}"
    body = (
        f"Hello,\n\na friend who shops at {shop} would like you to join.\n\n"
        f"{where}\nand use the referral code {code} when you register.\n"
    )
    if optout:
        # P6: every invitation carries the way to refuse all future ones.
        body += f"\nTo receive no more invitations from {shop}, from anyone: {optout}\n"
    return subject, body


def invite(
    sponsor: Person,
    emails: list[str],
    shop: ReferralShop,
    mailer: Mailer,
    settings: dict,
    now: datetime | None = None,
) -> InviteResult:
    """Send invitations to ``emails`` (R2): valid, deduplicated, rate-limited.

    Skipped, and reported: repeats in the request, the sponsor's own mailbox,
    addresses this sponsor invited before, addresses that refused invitations (P6).
    Only the keyed hash of each address is stored (P3). A restricted sponsor sends
    nothing (P5, NOT_ELIGIBLE).
    A request names at most ``INVITES_PER_REQUEST`` addresses, repeats included:
    counted before any is read (I3), so a long list costs nothing.
    """
    if len(emails) > INVITES_PER_REQUEST:
        raise LimitExceeded(
            f"Invite at most {INVITES_PER_REQUEST} addresses at a time.", field="emails"
        )
    refuse_if_restricted(sponsor.member_id, field="emails")
    now = now or timezone.now()
    addresses = _clean_addresses(emails)
    refused = opted_out(addresses)
    result, fresh, seen = InviteResult(), {}, set()
    sponsor_email = sponsor.email or shop.member_emails([sponsor.member_id]).get(
        sponsor.member_id, ""
    )
    for address in addresses:
        digest = email_hash(address)
        if digest in seen or address in refused or same_mailbox(address, sponsor_email):
            result.skipped.append(address)
        else:
            fresh[digest] = address
        seen.add(digest)
    with transaction.atomic():
        code = _locked_code(sponsor.member_id).code
        invites = ReferralInvite.objects.filter(sponsor_id=sponsor.member_id)
        for digest in invites.filter(email_hash__in=fresh).values_list("email_hash", flat=True):
            result.skipped.append(fresh.pop(digest))
        recent = invites.filter(sent_at__gt=now - INVITE_WINDOW).count()
        if recent + len(fresh) > INVITES_PER_DAY:
            raise LimitExceeded(
                f"At most {INVITES_PER_DAY} invitations a day; "
                f"{max(INVITES_PER_DAY - recent, 0)} left.",
                field="emails",
            )
        ReferralInvite.objects.bulk_create(
            ReferralInvite(sponsor_id=sponsor.member_id, email_hash=digest, sent_at=now)
            for digest in fresh
        )
        shop_name, url = shop.shop_name(), share_url(settings, code)
        for address in fresh.values():
            subject, body = invite_message(shop_name, code, url, optout_link(settings, address))
            mailer.send_invite(address, subject, body)
            result.sent.append(address)
    return result
