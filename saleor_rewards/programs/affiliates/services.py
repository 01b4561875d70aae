"""Applications, decisions, links and tracked visits (A1, A2).

The program is not public (A1): a member applies, staff approve (the member gets a
code), reject or suspend. Only an approved affiliate's code tracks visits and earns.

Attribution (A2): the storefront reports a visit through a link; the plugin records
it (the client only as a keyed hash of its address, P3) and answers a signed
attribution token the storefront keeps. Sent again with a checkout id, the token's
visit is written on the checkout (Saleor copies checkout metadata onto the order),
so the order names its visit; each report overwrites it: last click wins. A
checkout of the affiliate themselves is never attributed.

Lock order: the affiliate row (``locks.affiliates``), then the ledger.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote, urlsplit

from django.core import signing
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from ... import money
from ...events.events import affiliate_decided_event
from ...keyed_hash import keyed_hash
from ...ledger import SYSTEM, Actor, ActorType, LotStatus
from ...ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
    PermissionDenied,
    ProgramDisabled,
)
from ...ledger.models import Program
from .. import locks
from ..referrals.emails import canonical_email
from .models import Affiliate, AffiliateCommission, AffiliateStatus, AffiliateVisit
from .ports import AffiliateShop

CODE_LENGTH = 8
CODE_ATTEMPTS = 10
MAX_URL_CHARS = 500
MAX_PROFILES = 10
MAX_AUDIENCE_CHARS = 2000
MAX_MESSAGE_CHARS = 5000
MAX_NOTE_CHARS = 2000

# A2: a client (by the keyed hash of its address) reports at most VISITS_PER_WINDOW
# visits per VISIT_WINDOW_SECONDS, counted in Django's cache (Saleor's: Redis in
# production, shared by every worker).
VISITS_PER_WINDOW = 30
VISIT_WINDOW_SECONDS = 60

TOKEN_SALT = "saleor_rewards.affiliate.attribution"


class AffiliateAction:
    APPROVE = "approve"
    REJECT = "reject"
    SUSPEND = "suspend"
    CHOICES = [(APPROVE, "Approve"), (REJECT, "Reject"), (SUSPEND, "Suspend")]


# Which states each decision may follow; anything else is a CONFLICT.
ALLOWED_FROM = {
    AffiliateAction.APPROVE: (
        AffiliateStatus.PENDING,
        AffiliateStatus.SUSPENDED,
        AffiliateStatus.REJECTED,
    ),
    AffiliateAction.REJECT: (AffiliateStatus.PENDING,),
    AffiliateAction.SUSPEND: (AffiliateStatus.APPROVED,),
}
STATUS_AFTER = {
    AffiliateAction.APPROVE: AffiliateStatus.APPROVED,
    AffiliateAction.REJECT: AffiliateStatus.REJECTED,
    AffiliateAction.SUSPEND: AffiliateStatus.SUSPENDED,
}


@dataclass(frozen=True)
class Application:
    website: str = ""
    social_profiles: tuple[str, ...] = ()
    audience: str = ""
    message: str = ""


def email_hash(email: str) -> str:
    return keyed_hash(canonical_email(email), "email") if email else ""


def _url(value, field: str) -> str:
    url = value.strip() if isinstance(value, str) else ""
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = None
    if (
        parts is None
        or parts.scheme not in ("http", "https")
        or not parts.hostname
        or len(url) > MAX_URL_CHARS
        or any(c.isspace() for c in url)
    ):
        raise InvalidInput(f"{url!r} is not an http(s) URL.", field=field)
    return url


def _text(value, field: str, limit: int) -> str:
    text = (value or "").strip() if isinstance(value, str | type(None)) else None
    if text is None or len(text) > limit:
        raise InvalidInput(f"{field} must be text of at most {limit} characters.", field=field)
    return text


def clean_application(application: Application) -> Application:
    """A1: at least a website or one social profile, every one an http(s) URL."""
    website = _url(application.website, "website") if application.website else ""
    profiles = list(application.social_profiles or ())
    if len(profiles) > MAX_PROFILES:
        raise InvalidInput(f"At most {MAX_PROFILES} social profiles.", field="socialProfiles")
    profiles = tuple(_url(p, "socialProfiles") for p in profiles)
    if not website and not profiles:
        raise InvalidInput("Name your website or at least one social profile.", field="website")
    return Application(
        website,
        profiles,
        _text(application.audience, "audience", MAX_AUDIENCE_CHARS),
        _text(application.message, "message", MAX_MESSAGE_CHARS),
    )


def apply(
    program: Program,
    member_id: int,
    application: Application,
    *,
    settings: dict,
    email: str = "",
    now: datetime | None = None,
) -> Affiliate:
    """A1: record a member's application; a rejected member may apply again."""
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    application = clean_application(application)
    now = now or timezone.now()
    fields = {
        "website": application.website,
        "social_profiles": list(application.social_profiles),
        "audience": application.audience,
        "message": application.message,
        "email_hash": email_hash(email),
        "created_at": now,
    }
    with transaction.atomic():
        existing = locks.affiliates().filter(program=program, member_id=member_id).first()
        if existing is not None:
            if existing.status != AffiliateStatus.REJECTED:
                raise AlreadyExists(
                    f"You already applied; your application is {existing.status}.",
                    field="channel",
                )
            for name, value in fields.items():
                setattr(existing, name, value)
            existing.status, existing.note, existing.decided_at = AffiliateStatus.PENDING, "", None
            existing.save()
            return existing
        try:
            with transaction.atomic():
                return Affiliate.objects.create(program=program, member_id=member_id, **fields)
        except IntegrityError:  # the same member applying twice at once
            raise AlreadyExists("You already applied.", field="channel") from None


def _state(affiliate: Affiliate) -> dict:
    percent = affiliate.commission_percent
    return {
        "status": affiliate.status,
        "code": affiliate.code,
        "commissionPercent": None if percent is None else str(percent),
    }


def _new_code() -> str:
    for _ in range(CODE_ATTEMPTS):
        code = money.new_code(CODE_LENGTH)
        if not Affiliate.objects.filter(code=code).exists():
            return code
    raise RuntimeError(f"No free affiliate code after {CODE_ATTEMPTS} attempts.")


def _percent(value):
    if value is None:
        return None
    try:
        percent = Decimal(value)
    except (ArithmeticError, TypeError, ValueError):
        raise InvalidInput(
            "commissionPercent is not a number.", field="commissionPercent"
        ) from None
    if (
        not percent.is_finite()
        or not 0 <= percent <= 100
        or percent != percent.quantize(Decimal("0.001"))
    ):
        raise InvalidInput(
            "commissionPercent must be from 0 to 100, with at most 3 decimals.",
            field="commissionPercent",
        )
    return percent


def review(
    affiliate_id: int,
    action: str,
    *,
    note: str = "",
    commission_percent=None,
    actor: Actor = SYSTEM,
    on_decided: Callable[[Affiliate], None] | None = None,
    now: datetime | None = None,
) -> Affiliate:
    """A1: approve (with an optional commission percent), reject or suspend.

    Nobody decides on their own application (approval lets them earn, I2). One
    audit event per decision, in its transaction; ``on_decided`` runs after the
    commit (the e-mail to the applicant), never inside it.
    """
    if action not in dict(AffiliateAction.CHOICES):
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    percent = _percent(commission_percent)
    if percent is not None and action != AffiliateAction.APPROVE:
        raise InvalidInput("Only an approval sets a commission.", field="commissionPercent")
    note = _text(note, "note", MAX_NOTE_CHARS)
    now = now or timezone.now()
    with transaction.atomic():
        affiliate = locks.affiliates().select_related("program").filter(id=affiliate_id).first()
        if affiliate is None:
            raise NotFound(f"Affiliate {affiliate_id} does not exist.", field="id")
        if actor.type == ActorType.STAFF and actor.id == str(affiliate.member_id):
            raise PermissionDenied("Nobody decides on their own application.", field="id")
        if affiliate.status not in ALLOWED_FROM[action]:
            raise Conflict(
                f"An affiliate who is {affiliate.status} cannot be {STATUS_AFTER[action]}.",
                field="action",
            )
        before = _state(affiliate)
        affiliate.status = STATUS_AFTER[action]
        if action == AffiliateAction.APPROVE:
            affiliate.code = affiliate.code or _new_code()
            if percent is not None:
                affiliate.commission_percent = percent
        affiliate.note, affiliate.decided_at = note, now
        affiliate.save(update_fields=["status", "code", "commission_percent", "note", "decided_at"])
        affiliate_decided_event(
            affiliate.program, affiliate.id, action, before, _state(affiliate), actor=actor, at=now
        )
        if on_decided is not None:
            transaction.on_commit(lambda: on_decided(affiliate))
        return affiliate


def decision_message(affiliate: Affiliate, shop_name: str) -> tuple[str, str]:
    shop = shop_name or "our shop"
    if affiliate.status == AffiliateStatus.APPROVED:
        subject = f"Welcome to the {shop} affiliate program"
        body = (
            f"Hello,\n\nyour affiliate application at {shop} was approved.\n"
            f"Your affiliate code is {affiliate.code}. Share product links from your "
            "account page; every order they bring earns you a commission.\n"
        )
    elif affiliate.status == AffiliateStatus.REJECTED:
        subject = f"Your affiliate application at {shop}"
        body = f"Hello,\n\nwe are sorry: your affiliate application at {shop} was not accepted.\n"
    else:
        subject = f"Your affiliate account at {shop} is suspended"
        body = (
            f"Hello,\n\nyour affiliate account at {shop} is suspended: new orders earn "
            "no commission. What you earned so far stays yours.\n"
        )
    if affiliate.note:
        body += f"\nNote from the shop: {affiliate.note}\n"
    return subject, body


# A1: the affiliate's link


def affiliate_of(program: Program, member_id: int) -> Affiliate | None:
    return Affiliate.objects.filter(program=program, member_id=member_id).first()


def link(program: Program, member_id: int, product_id: str, settings: dict) -> str | None:
    """``storefront_affiliate_url`` with the affiliate's code and the product's id;
    None until the merchant sets the template. Only approved affiliates have links."""
    affiliate = affiliate_of(program, member_id)
    if affiliate is None or affiliate.status != AffiliateStatus.APPROVED:
        raise NotEligible("Only approved affiliates have affiliate links.", field="channel")
    template = settings.get("storefront_affiliate_url") or ""
    if not template:
        return None
    return template.replace("{code}", quote(affiliate.code, safe="")).replace(
        "{product}", quote(product_id, safe="")
    )


# A2: visits and attribution


def client_hash(client_ip: str) -> str:
    return keyed_hash(client_ip or "unknown", "client")


def check_rate(client: str) -> None:
    """At most ``VISITS_PER_WINDOW`` reports per client per window (A2)."""
    key = f"saleor_rewards:affiliate-visits:{client}"
    cache.add(key, 0, timeout=VISIT_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=VISIT_WINDOW_SECONDS)
        count = 1
    if count > VISITS_PER_WINDOW:
        raise LimitExceeded("Too many visits reported; try again in a minute.")


def attribution_token(visit: AffiliateVisit) -> str:
    return signing.dumps({"v": visit.id}, salt=TOKEN_SALT, compress=True)


def visit_of_token(token: str) -> AffiliateVisit | None:
    """The visit a signed token names; None for a forged, foreign or stale one."""
    if not token or not isinstance(token, str):
        return None
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
    except signing.BadSignature:
        return None
    visit_id = data.get("v") if isinstance(data, dict) else None
    if not isinstance(visit_id, int):
        return None
    return AffiliateVisit.objects.select_related("affiliate").filter(id=visit_id).first()


def normalize_code(code: str) -> str:
    return (code or "").strip().upper()


@dataclass(frozen=True)
class Tracked:
    token: str
    attributed: bool  # the checkout now names this visit


def _own_checkout(affiliate: Affiliate, party) -> bool:
    if party.owner_id is not None and party.owner_id == affiliate.member_id:
        return True
    return bool(party.email and affiliate.email_hash) and (
        email_hash(party.email) == affiliate.email_hash
    )


def track_visit(
    code: str,
    product_id: str,
    *,
    shop: AffiliateShop,
    client_ip: str,
    checkout_token: str | None = None,
    token: str | None = None,
    settings_for: Callable[[Program], dict],
    now: datetime | None = None,
) -> Tracked:
    """A2: record a visit through an affiliate link (or find the token's one) and,
    with a checkout, tie it to the checkout. Unknown, unapproved codes and unknown
    products are NOT_FOUND alike."""
    client = client_hash(client_ip)
    check_rate(client)
    now = now or timezone.now()
    affiliate = (
        Affiliate.objects.select_related("program").filter(code=normalize_code(code)).first()
    )
    if affiliate is None or affiliate.status != AffiliateStatus.APPROVED:
        raise NotFound("No affiliate has this code.", field="code")
    settings = settings_for(affiliate.program)
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    if not shop.product_exists(product_id):
        raise NotFound("No such product.", field="productId")
    party = None
    if checkout_token is not None:
        party = shop.checkout_party(checkout_token)
        if party is None:
            raise NotFound("No such checkout.", field="checkoutId")
    # A click is a new visit (its window starts now); the token names the visit
    # again only when the storefront reports the checkout it led to.
    visit = visit_of_token(token) if token and party is not None else None
    if visit is None or visit.affiliate_id != affiliate.id or visit.product_id != product_id:
        visit = AffiliateVisit.objects.create(
            affiliate=affiliate, product_id=product_id, client_hash=client, created_at=now
        )
    signed = attribution_token(visit)
    attributed = False
    if (
        party is not None
        and party.channel_slug == affiliate.program.channel_slug
        and not _own_checkout(affiliate, party)
    ):
        shop.attribute_checkout(party.token, signed)
        if visit.checkout_token != party.token:
            visit.checkout_token = party.token
            visit.save(update_fields=["checkout_token"])
        attributed = True
    return Tracked(signed, attributed)


# rewardsMe.affiliate.stats


@dataclass(frozen=True)
class Stats:
    visits: int
    orders: int  # attributed orders whose commission still stands (in part)
    pending: Decimal  # standing commissions not yet available (A4)
    earned: Decimal  # standing commissions that became available


def stats(affiliate: Affiliate) -> Stats:
    pending = earned = Decimal(0)
    rows = (
        AffiliateCommission.objects.filter(affiliate=affiliate, lot__isnull=False)
        .values("lot__status")
        .annotate(total=Sum(F("amount") - F("taken_back")), count=Count("id"))
    )
    for row in rows:
        if row["lot__status"] == LotStatus.PENDING:
            pending += row["total"] or 0
        else:
            earned += row["total"] or 0
    orders = (
        AffiliateCommission.objects.filter(affiliate=affiliate, amount__gt=F("taken_back"))
        .values("order_id")
        .count()
    )
    return Stats(
        visits=AffiliateVisit.objects.filter(affiliate=affiliate).count(),
        orders=orders,
        pending=pending,
        earned=earned,
    )
