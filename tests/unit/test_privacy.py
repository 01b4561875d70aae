"""Privacy without Saleor (SPEC P1-P3, P5, P6): the parts, export, erasure,
restriction, consent, opt-outs and the invitations' retention."""

import importlib
import json
import pkgutil
from datetime import timedelta
from decimal import Decimal

import pytest
from django.apps import apps
from django.core import mail
from django.db.models import Sum

from saleor_rewards import programs
from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.keyed_hash import keyed_hash
from saleor_rewards.ledger import Actor, ActorType, Kind, LotSource, adjust, credit, open_account
from saleor_rewards.ledger.errors import InvalidInput, NotEligible, NotFound
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.channel.models import MemberRestriction
from saleor_rewards.programs.channel.restrictions import (
    is_restricted,
    refuse_if_restricted,
    restrict_member,
)
from saleor_rewards.programs.loyalty import awards
from saleor_rewards.programs.loyalty.awards import NewAward
from saleor_rewards.programs.loyalty.bonus import award_email_verified
from saleor_rewards.programs.privacy import consent, parts
from saleor_rewards.programs.privacy.erasure import erase_member
from saleor_rewards.programs.privacy.export import export_member
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.emails import email_hash, optout_hash
from saleor_rewards.programs.referrals.models import (
    InviteOptOut,
    Referral,
    ReferralCode,
    ReferralInvite,
)
from saleor_rewards.programs.referrals.optout import opt_out, optout_token
from saleor_rewards.programs.referrals.retention import purge_expired_invitations
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.tiers.models import MemberTier
from saleor_rewards.programs.vouchers.services import convert_to_voucher

from ..fakes import DjangoMailer, FakeCustomers, FakeTierDiscounts, FakeVouchers
from .helpers import at, settle
from .referral_helpers import settings

pytestmark = pytest.mark.django_db

ANNA, BOB, FRIEND = 601, 602, 603
STAFF = Actor(ActorType.STAFF, "9")
REVIEW_TEXT = "Anna's honest words about the warm jacket she bought."


@pytest.fixture
def shop():
    return FakeCustomers(
        emails={ANNA: "anna@example.com", BOB: "bob@example.com", FRIEND: "fr@example.com"}
    )


def seed(program, member: int, text: str) -> None:
    """A member with points, cash, a staff adjustment, a review, a code, a tier,
    a consent and an invitation."""
    points = open_account(program, member, Kind.POINTS)
    credit(points, 500, key=f"seed:{member}", source=LotSource.LOYALTY, expires_in_days=30)
    adjust(points, 20, key=f"adj:{member}", reason=f"note about {text}", actor=STAFF)
    cash = open_account(program, member, Kind.CASH)
    credit(cash, "4.50", key=f"cash:{member}", source=LotSource.AFFILIATE)
    Review.objects.create(
        program=program,
        member_id=member,
        order_id=f"order-{member}",
        order_line_id=f"line-{member}-{program.channel_slug}",
        text=text,
        photo_urls=[f"https://cdn.example/{member}.jpg"],
    )
    code = f"TIER{member}{program.channel_slug}"
    MemberTier.objects.create(program=program, member_id=member, discount_code=code)
    consent.update_consent(program, member, expiry_reminders=True)
    referrals.create_code(member)
    settle()


def liability(program) -> dict:
    return {
        kind: Account.objects.filter(program=program, kind=kind).aggregate(
            a=Sum("available"), p=Sum("pending"), h=Sum("held"), d=Sum("debt")
        )
        for kind in (Kind.POINTS, Kind.CASH)
    }


# Parts (P1, P2)


PERSONAL_FIELDS = {"member_id", "sponsor_id", "friend_id", "email_hash", "text", "photo_urls"}
# Tables holding member data outside a feature package, and who answers for them.
ANSWERED_ELSEWHERE = {
    "saleor_rewards.ledger.models": "ledger",  # programs/channel/privacy.py
    "saleor_rewards.events.models": None,  # no member data: subjects by id only
}


def test_P1_P2_every_feature_holding_member_data_has_a_privacy_part():
    names = {part.NAME for part in parts.discover()}
    missing = []
    for model in apps.get_app_config("saleor_rewards").get_models():
        fields = {field.name for field in model._meta.get_fields()} | {
            field.attname for field in model._meta.concrete_fields
        }
        if not fields & PERSONAL_FIELDS:
            continue
        module = model.__module__
        if module in ANSWERED_ELSEWHERE:
            assert ANSWERED_ELSEWHERE[module] in names | {None}
            continue
        feature = module.split(".")[2]
        try:
            importlib.import_module(f"saleor_rewards.programs.{feature}.privacy")
        except ModuleNotFoundError:
            if feature != "privacy":  # the consents: programs/privacy/consent.py
                missing.append(f"{model.__name__} ({feature})")
    assert missing == []


def test_P1_P2_parts_are_discovered_in_the_lock_order_ledger_last():
    found = [part.NAME for part in parts.discover()]
    assert found[:6] == ["tiers", "referrals", "reviews", "orders", "redemption", "vouchers"]
    assert found[-1] == "ledger"
    assert "consent" in found and len(found) == len(set(found))
    features = {m.name for m in pkgutil.iter_modules(programs.__path__) if m.ispkg}
    assert {"channel", "loyalty", "referrals", "reviews", "tiers", "vouchers"} <= features


# Export (P1)


def test_P1_export_holds_the_members_data_of_every_channel_and_nothing_of_another(
    program, other_program
):
    seed(program, ANNA, REVIEW_TEXT)
    seed(other_program, ANNA, "second channel words")
    seed(program, BOB, "Bob's private review of the boots")
    restrict_member(ANNA, True, reason="asked by phone", actor=STAFF)

    exported = export_member(ANNA)
    text = json.dumps(exported)

    accounts = exported["parts"]["ledger"]["accounts"]
    assert {(a["channel"], a["kind"]) for a in accounts} == {
        ("web-eu", "points"),
        ("web-eu", "cash"),
        ("app-us", "points"),
        ("app-us", "cash"),
    }
    points = next(a for a in accounts if a["channel"] == "web-eu" and a["kind"] == "points")
    assert points["available"] == "520" and len(points["lots"]) == 2
    assert [entry["reason"] for entry in points["history"]][-1] == "Adjusted by the shop"
    assert exported["parts"]["ledger"]["restriction"]["restricted"] is True
    assert REVIEW_TEXT in text and "second channel words" in text
    assert exported["parts"]["referrals"]["code"] == ReferralCode.objects.get(member_id=ANNA).code
    assert exported["parts"]["consent"]["consents"][0]["expiry_reminders"] is True
    assert {t["discount_code"] for t in exported["parts"]["tiers"]["tiers"]} == {
        f"TIER{ANNA}web-eu",
        f"TIER{ANNA}app-us",
    }
    # nothing of Bob, and no staff note (I3)
    assert "Bob" not in text and "note about" not in text  # his review, staff notes (I3)
    assert f"TIER{BOB}" not in text and f"line-{BOB}" not in text
    assert ReferralCode.objects.get(member_id=BOB).code not in text


def test_P1_export_masks_friends_and_keeps_no_invited_address(program, shop):
    referrals.attribute(
        referrals.Person(FRIEND), shop, settings(), source="claim", code=referrals.create_code(ANNA)
    )
    referrals.invite(
        referrals.Person(ANNA), ["someone@example.org"], shop, DjangoMailer(), settings()
    )

    part = export_member(ANNA)["parts"]["referrals"]

    assert part["friends"][0]["friend"] == "friend 1"
    assert len(part["invitations"]) == 1
    text = json.dumps(part)
    assert set(part["friends"][0]) == {"friend", "since", "rewarded"}  # no id, no address
    assert "fr@" not in text and "someone" not in text


# Erasure (P2)


def test_P2_erasure_deletes_the_personal_data_keeps_the_amounts_and_the_liability(program, shop):
    seed(program, ANNA, REVIEW_TEXT)
    seed(program, BOB, "Bob's words")
    code = ReferralCode.objects.get(member_id=ANNA).code
    referrals.attribute(referrals.Person(FRIEND), shop, settings(), source="claim", code=code)
    referrals.invite(referrals.Person(ANNA), ["x@example.org"], shop, DjangoMailer(), settings())
    referrals.invite(referrals.Person(BOB), ["anna@example.com"], shop, DjangoMailer(), settings())
    before = liability(program)
    tiers = FakeTierDiscounts()

    erasure = erase_member(
        ANNA, email_hash=email_hash("anna@example.com"), forget_codes=tiers.forget_codes
    )
    settle()

    assert liability(program) == before
    assert not Account.objects.filter(member_id=ANNA).exists()
    assert Account.objects.filter(member_id__isnull=True).count() == 2
    review = Review.objects.get(order_line_id=f"line-{ANNA}-web-eu")
    assert (review.member_id, review.text, review.photo_urls) == (None, "", [])
    assert not ReferralCode.objects.filter(member_id=ANNA).exists()
    with pytest.raises(NotFound):
        referrals.sponsor_by_code(code)
    assert not ReferralInvite.objects.exists()  # sent by Anna, and sent to her
    assert Referral.objects.get(friend_id=FRIEND).sponsor_id is None
    assert tiers.forgotten == [f"TIER{ANNA}web-eu"] and not MemberTier.objects.filter(
        member_id=ANNA
    )
    assert erasure.counts["ledger"]["accounts_unlinked"] == 2
    assert erasure.counts["ledger"]["adjustment_reasons"] == 1
    # Bob is untouched
    assert Review.objects.get(member_id=BOB).text == "Bob's words"
    assert Account.objects.filter(member_id=BOB).count() == 2
    # the audit trail: that it happened, not what
    (event,) = AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED)
    assert event.subject_id == str(ANNA)
    assert REVIEW_TEXT not in json.dumps([event.before, event.after])


def test_P2_a_replayed_erasure_erases_nothing_and_records_nothing(program):
    seed(program, ANNA, REVIEW_TEXT)
    erase_member(ANNA)

    again = erase_member(ANNA)

    assert again.erased == 0 and not again.recorded
    assert AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED).count() == 1


def test_P2_P4_staff_asking_again_leaves_its_own_audit_event(program):
    seed(program, ANNA, REVIEW_TEXT)
    erase_member(ANNA, actor=STAFF)
    erase_member(ANNA, actor=STAFF)
    assert AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED).count() == 2


def test_P2_points_of_an_erased_member_are_not_credited_to_a_new_account(program):
    seed(program, ANNA, REVIEW_TEXT)
    erase_member(ANNA)
    # the same id earning again (staff erasure of a customer who still shops)
    # opens a fresh account; the erased one keeps its amounts, unlinked
    fresh = open_account(program, ANNA, Kind.POINTS)
    assert fresh.available == 0


# Restriction (P5)


def test_P5_a_restricted_member_earns_nothing_on_an_order_for_good(program):
    restrict_member(ANNA, True, reason="customer disputes the data", actor=STAFF)

    award = awards.open_award(
        program,
        "order-1",
        NewAward("loyalty", ANNA, Decimal(40), Decimal("2.5"), 100, "Order 1 paid"),
        settings(),
        at(0),
    )
    restrict_member(ANNA, False, reason="resolved", actor=STAFF)
    again = awards.locked_award(program, "order-1", "loyalty")

    assert award.points == 0 and award.lot_id is None
    assert again.points == 0  # lifting does not pay the restricted time's order
    assert not Account.objects.filter(member_id=ANNA, available__gt=0).exists()


def test_P5_a_restricted_member_gets_no_bonus_and_gets_it_when_lifted(program):
    restrict_member(ANNA, True, reason="asked", actor=STAFF)
    assert award_email_verified(program, ANNA, settings()) == 0

    restrict_member(ANNA, False, reason="asked to lift", actor=STAFF)
    assert award_email_verified(program, ANNA, settings()) == 100


def test_P5_a_restricted_member_cannot_buy_a_voucher_nor_invite(program, shop):
    account = open_account(program, ANNA, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, expires_in_days=30)
    restrict_member(ANNA, True, reason="asked", actor=STAFF)

    with pytest.raises(NotEligible):
        convert_to_voucher(program, ANNA, 500, FakeVouchers(), settings())
    with pytest.raises(NotEligible) as error:
        referrals.invite(referrals.Person(ANNA), ["a@b.org"], shop, DjangoMailer(), settings())

    assert error.value.code == "NOT_ELIGIBLE" and error.value.field == "emails"
    assert mail.outbox == [] and account.lots.count() == 1


def test_P5_P4_each_change_is_one_audit_event_without_the_reason(program):
    restrict_member(ANNA, True, reason="customer's letter of 3 May", actor=STAFF)
    restrict_member(ANNA, False, reason="lifted on request", actor=STAFF)

    events = AuditEvent.objects.order_by("id")
    assert [e.type for e in events] == ["member_restricted", "member_unrestricted"]
    assert [(e.before, e.after) for e in events] == [
        ({"restricted": False}, {"restricted": True}),
        ({"restricted": True}, {"restricted": False}),
    ]
    assert "letter" not in json.dumps([e.after for e in events])
    assert MemberRestriction.objects.get(member_id=ANNA).reason == "lifted on request"
    assert not is_restricted(ANNA)
    refuse_if_restricted(ANNA)  # lifted: nothing refused


def test_P5_a_restriction_needs_a_reason():
    with pytest.raises(InvalidInput):
        restrict_member(ANNA, True, reason="  ", actor=STAFF)
    assert not MemberRestriction.objects.exists() and not AuditEvent.objects.exists()


# Consent (P6)


def test_P6_reminders_go_only_to_consenting_members_who_are_not_restricted(program):
    consent.update_consent(program, ANNA, expiry_reminders=True)
    consent.update_consent(program, BOB, expiry_reminders=True)
    consent.update_consent(program, BOB, expiry_reminders=False)
    consent.update_consent(program, FRIEND, expiry_reminders=True)
    restrict_member(FRIEND, True, reason="asked", actor=STAFF)

    assert consent.members_consenting_to_reminders(program, [ANNA, BOB, FRIEND, 999]) == {ANNA}
    assert not consent.consents_to_reminders(program, 999)  # off until turned on


def test_P6_an_opted_out_address_is_invited_by_nobody(program, shop):
    referrals.invite(referrals.Person(ANNA), ["Pat@Example.org"], shop, DjangoMailer(), settings())
    body = mail.outbox[0].body
    token = body.rsplit(": ", 1)[1].strip()

    assert opt_out(token) is True
    assert opt_out(token) is False  # again: nothing changes
    result = referrals.invite(
        referrals.Person(BOB), ["pat@example.org"], shop, DjangoMailer(), settings()
    )

    assert result.sent == [] and result.skipped == ["pat@example.org"]
    assert len(mail.outbox) == 1
    (row,) = InviteOptOut.objects.all()
    assert row.email_hash == keyed_hash("pat@example.org", "invite-optout")


def test_P6_the_invitation_links_to_the_storefronts_opt_out_page(program, shop):
    values = {"invite_optout_url": "https://shop.example/no-invites?token={token}"}
    referrals.invite(
        referrals.Person(ANNA), ["pat@example.org"], shop, DjangoMailer(), settings(**values)
    )
    assert "https://shop.example/no-invites?token=" in mail.outbox[0].body


def test_P6_a_forged_token_opts_nobody_out():
    forged = optout_token("pat@example.org")[:-3] + "abc"
    with pytest.raises(InvalidInput) as error:
        opt_out(forged)
    assert error.value.field == "token" and not InviteOptOut.objects.exists()
    assert optout_hash("pat@example.org") != email_hash("pat@example.org")


# Retention (P3)


def test_P3_expired_invitations_are_purged_in_batches(program, shop):
    for days, address in ((200, "old1@x.org"), (181, "old2@x.org"), (10, "new@x.org")):
        referrals.invite(
            referrals.Person(ANNA), [address], shop, DjangoMailer(), settings(), now=at(-days)
        )
    done = []

    would = purge_expired_invitations(at(0), dry_run=True, batch_size=1, progress=done.append)
    assert would == 2 and ReferralInvite.objects.count() == 3
    purged = purge_expired_invitations(at(0), dry_run=False, batch_size=1, progress=done.append)

    assert purged == 2 and done[-2:] == [1, 2]
    assert ReferralInvite.objects.get().sent_at == at(-10)


def test_P3_the_purge_is_registered():
    from saleor_rewards.programs.retention import discover

    assert "expired-invitations" in discover()


def test_P3_retention_is_a_plugin_setting():
    from saleor_rewards import config

    assert config.plugin_values()["invite_retention_days"] == 180
    with pytest.raises(config.SettingsError):
        config.parse({"invite_retention_days": "0"})
    assert timedelta(days=config.BY_NAME["invite_retention_days"].default).days == 180


# The API's guards (P4, P5, P2), with the in-memory shop


def _call(query, variables, requestor, **ports):
    from django.test import RequestFactory

    from saleor_rewards.graphql import view
    from saleor_rewards.graphql.context import RewardsContext

    from ..fakes import FakeChannels, fake_shop

    ports.setdefault("channels", FakeChannels(unknown_members=frozenset({404})))
    context = RewardsContext(shop=fake_shop(**ports), requestor=requestor)
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)


RESTRICT = """mutation($user: ID!, $on: Boolean!) {
  rewardsMemberRestrict(userId: $user, restricted: $on, reason: "asked") {
    restricted errors { field code } } }"""
ERASE = """mutation($user: ID!) { rewardsMemberErase(userId: $user, reason: "asked") {
  erased errors { field code } } }"""


def _requestor(kind, user_id=None, app_id=None, perms=("account.manage_users",), channels=None):
    from saleor_rewards.graphql.context import Requestor

    return Requestor(
        kind=kind, user_id=user_id, app_id=app_id, permissions=frozenset(perms), channels=channels
    )


def _user(pk):
    from graphql_relay import to_global_id

    return to_global_id("User", pk)


@pytest.mark.parametrize(
    "requestor, code",
    [
        (_requestor("customer", user_id=ANNA, perms=()), "PERMISSION_DENIED"),
        (_requestor("staff", user_id=9, perms=()), "PERMISSION_DENIED"),
        (_requestor("staff", user_id=9, channels=frozenset({"web-eu"})), "PERMISSION_DENIED"),
        (_requestor("staff", user_id=ANNA), "PERMISSION_DENIED"),  # oneself
        (_requestor("staff", user_id=9), None),
        (_requestor("app", app_id=3), None),
    ],
)
def test_P5_P4_only_staff_of_every_channel_restrict_and_never_themselves(requestor, code):
    result = _call(RESTRICT, {"user": _user(ANNA), "on": True}, requestor)["data"]
    errors = result["rewardsMemberRestrict"]["errors"]
    assert [e["code"] for e in errors] == ([code] if code else [])
    assert is_restricted(ANNA) == (code is None)
    assert AuditEvent.objects.count() == (0 if code else 1)


def test_P5_an_unknown_user_cannot_be_restricted():
    staff = _requestor("staff", user_id=9)
    result = _call(RESTRICT, {"user": _user(404), "on": True}, staff)["data"]
    assert result["rewardsMemberRestrict"]["errors"][0]["code"] == "NOT_FOUND"


def test_P2_staff_erasure_through_the_api_deletes_the_shops_tier_codes(program):
    seed(program, ANNA, REVIEW_TEXT)
    tiers, vouchers = FakeTierDiscounts(), FakeVouchers()
    staff = _requestor("staff", user_id=9)

    result = _call(ERASE, {"user": _user(ANNA)}, staff, tier_discounts=tiers, vouchers=vouchers)
    result = result["data"]

    assert result["rewardsMemberErase"] == {"erased": True, "errors": []}
    assert tiers.forgotten == [f"TIER{ANNA}web-eu"] and vouchers.forgotten == [ANNA]
    assert not Account.objects.filter(member_id=ANNA).exists()
    (event,) = AuditEvent.objects.all()
    assert (event.type, event.actor_id) == ("member_erased", "9")
