"""Privacy inside a real Saleor 3.23 (SPEC P1-P3, P5, P6, seed 004).

Orders are real (Saleor's checkout and both payment flows, ``storefront.py``); the
customer is deleted through Saleor's own ``customerDelete``; the hooks run after
commit and Celery runs the tasks eagerly (Saleor's test settings).
"""

import hashlib
import json

import graphene
import pytest
from django.core import mail
from django.db.models import Sum
from saleor.core.jwt import create_access_token
from saleor.discount.models import Voucher, VoucherCode
from saleor.order.models import Order

from saleor_rewards.events.models import AuditEvent, AuditEventType
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import (
    InviteOptOut,
    ReferralCode,
    ReferralInvite,
)
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.tiers.models import MemberTier
from saleor_rewards.saleor_adapter.tasks.privacy import erase_member_task

from .helpers import error_codes, grant, settle_deferred_checks, user_global_id
from .storefront import points, run

CUSTOMER_DELETE = """mutation($id: ID!) { customerDelete(id: $id) {
  errors { field message } user { id } } }"""
EXPORT = "{ rewardsDataExport }"
RESTRICT = """mutation($user: ID!, $restricted: Boolean!, $reason: String!) {
  rewardsMemberRestrict(userId: $user, restricted: $restricted, reason: $reason) {
    restricted errors { field code message } } }"""
ERASE = """mutation($user: ID!, $reason: String!) {
  rewardsMemberErase(userId: $user, reason: $reason) { erased errors { field code } } }"""
INVITE = """mutation($channel: String!, $emails: [String!]!) {
  rewardsReferralInvite(channel: $channel, emails: $emails) {
    errors { field code message } } }"""
OPT_OUT = """mutation($token: String!) { rewardsInviteOptOut(token: $token) {
  optedOut errors { field code } } }"""
CONSENT = """mutation($channel: String!, $on: Boolean) {
  rewardsConsentUpdate(channel: $channel, expiryReminders: $on) {
    consent { expiryReminders } errors { field code } } }"""
ME = """query($channel: String!) { rewardsMe(channel: $channel) {
  restricted consent { expiryReminders } points { available pending } } }"""
REDEEM = """mutation($id: ID!, $points: Int) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points) { errors { field code } } }"""
SUBMIT = """mutation($line: ID!, $text: String!, $photos: [String!]) {
  rewardsReviewSubmit(orderLineId: $line, text: $text, photoUrls: $photos) {
    errors { field code message } review { id } } }"""
REVIEW_TEXT = "Warm, light, and the zip still runs smoothly after a month."
PHOTO = "https://cdn.example/photos/jacket.jpg"


@pytest.fixture(autouse=True)
def mailbox(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return mail.outbox


@pytest.fixture
def staff_token(staff_api_client, permission_manage_users):
    grant(staff_api_client.user, permission_manage_users)
    return create_access_token(staff_api_client.user)


def liability(channel) -> dict:
    """Every balance column of the channel, summed per kind: what the shop owes."""
    return {
        kind: Account.objects.filter(program__channel_slug=channel.slug, kind=kind).aggregate(
            Sum("available"), Sum("pending"), Sum("held"), Sum("debt")
        )
        for kind in (Kind.POINTS, Kind.CASH)
    }


def paid_and_reviewed_order(store, rewards_api, product, customer):
    """A real order paid through the legacy flow, fulfilled, and its line reviewed."""
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])
    order_line = Order.objects.get(pk=OrderAward.objects.get(kind="loyalty").order_id).lines.get()
    body = rewards_api.execute(
        SUBMIT,
        {
            "line": graphene.Node.to_global_id("OrderLine", order_line.pk),
            "text": REVIEW_TEXT,
            "photos": [PHOTO],
        },
        token=create_access_token(customer),
    )
    assert body["data"]["rewardsReviewSubmit"]["errors"] == []
    return order


# P2: erasure when Saleor deletes the customer


def test_P2_customer_delete_erases_the_rewards_data_and_keeps_the_liability(
    tiered_store, rewards_api, product, customer_user, staff_user, channel_USD, staff_token
):
    store = tiered_store
    paid_and_reviewed_order(store, rewards_api, product, customer_user)
    code = referrals.create_code(customer_user.pk)
    body = rewards_api.execute(
        INVITE,
        {"channel": channel_USD.slug, "emails": ["pat@example.org"]},
        token=create_access_token(customer_user),
    )
    assert body["data"]["rewardsReferralInvite"]["errors"] == []
    # someone else invited the customer's own address before
    ReferralInvite.objects.create(
        sponsor_id=staff_user.pk,
        email_hash=referrals.email_hash(customer_user.email),
    )
    discount = MemberTier.objects.get(member_id=customer_user.pk).discount_code
    assert discount and VoucherCode.objects.filter(code=discount).exists()
    assert points(customer_user)["available"] == 49  # 2.5 % of 19.90 (Regular: 0.5 % off)
    # a voucher bought with points before 0015 named the member in the shop
    old_voucher = Voucher.objects.create(name=f"Rewards: 500 points of member {customer_user.pk}")
    before = liability(channel_USD)
    member_id = customer_user.pk

    # when staff delete the customer with Saleor's own mutation
    response = run(
        store, store.staff.post_graphql, CUSTOMER_DELETE, {"id": user_global_id(customer_user)}
    )
    assert response.json()["data"]["customerDelete"]["errors"] == []
    settle_deferred_checks()

    # then the personal data is gone, the amounts stay unlinked
    assert liability(channel_USD) == before
    assert not Account.objects.filter(member_id=member_id).exists()
    assert Account.objects.filter(member_id__isnull=True, available=49).count() == 1
    review = Review.objects.get()
    assert (review.member_id, review.text, review.photo_urls) == (None, "", [])
    assert not ReferralCode.objects.filter(code=code).exists()
    assert not ReferralInvite.objects.exists()
    assert not MemberTier.objects.filter(member_id=member_id).exists()
    assert not VoucherCode.objects.filter(code=discount).exists()  # stops resolving
    assert not OrderAward.objects.filter(member_id=member_id).exists()
    old_voucher.refresh_from_db()
    assert str(member_id) not in old_voucher.name
    (event,) = AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED)
    assert event.subject_id == str(member_id)
    assert REVIEW_TEXT not in json.dumps([event.before, event.after])

    # and a replayed hook does nothing
    counts = erase_member_task(member_id, None)
    assert counts and all(n == 0 for part in counts.values() for n in part.values())
    assert AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED).count() == 1
    assert liability(channel_USD) == before


ACCOUNT_DELETE = """mutation($token: String!) { accountDelete(token: $token) {
  errors { field message } } }"""


def test_P2_the_customers_own_account_deletion_erases_too(
    store, customer_user, channel_USD, customer_balance
):
    from saleor.core.tokens import account_delete_token_generator

    referrals.create_code(customer_user.pk)
    before = liability(channel_USD)
    token = account_delete_token_generator.make_token(customer_user)

    response = run(store, store.customer.post_graphql, ACCOUNT_DELETE, {"token": token})

    assert response.json()["data"]["accountDelete"]["errors"] == []
    assert not Account.objects.filter(member_id=customer_user.pk).exists()
    assert not ReferralCode.objects.exists()
    assert liability(channel_USD) == before
    assert AuditEvent.objects.filter(type=AuditEventType.MEMBER_ERASED).count() == 1
    settle_deferred_checks()


def test_P2_points_held_on_a_checkout_are_released_before_the_member_goes(
    store, rewards_api, product, customer_user, channel_USD, staff_token
):
    from saleor.giftcard.models import GiftCard

    from saleor_rewards.programs.redemption.models import Redemption
    from saleor_rewards.saleor_adapter.shop.gift_cards import redemption_disagreements

    account = open_account(store_program(channel_USD), customer_user.pk, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.BONUS, expires_in_days=30)
    checkout = store.checkout([(product.variants.get(), 2)])
    body = rewards_api.execute(
        REDEEM, {"id": checkout, "points": 500}, token=create_access_token(customer_user)
    )
    assert body["data"]["rewardsCheckoutRedeem"]["errors"] == []
    card = GiftCard.objects.get(pk=Redemption.objects.get().gift_card_id)

    run(store, store.staff.post_graphql, CUSTOMER_DELETE, {"id": user_global_id(customer_user)})

    redemption = Redemption.objects.get()
    account.refresh_from_db()
    card.refresh_from_db()
    assert (redemption.status, redemption.member_id) == ("released", None)
    assert (account.member_id, account.available, account.held) == (None, 1000, 0)
    assert card.current_balance_amount == 0
    assert redemption_disagreements() == []
    settle_deferred_checks()


def test_P2_staff_erasure_is_audited_once_and_needs_every_channel(
    active_rewards_plugin,
    rewards_api,
    customer_user,
    staff_user,
    permission_manage_users,
    channel_USD,
    customer_balance,
):
    restricted_staff = grant(staff_user, permission_manage_users, channels=[channel_USD])
    body = rewards_api.execute(
        ERASE,
        {"user": user_global_id(customer_user), "reason": "asked by mail"},
        token=create_access_token(restricted_staff),
    )
    assert body["data"]["rewardsMemberErase"]["errors"][0]["code"] == "PERMISSION_DENIED"
    body = rewards_api.execute(
        ERASE,
        {"user": user_global_id(customer_user), "reason": "x"},
        token=create_access_token(customer_user),
    )
    assert body["data"]["rewardsMemberErase"]["errors"][0]["code"] == "PERMISSION_DENIED"
    assert Account.objects.filter(member_id=customer_user.pk).count() == 2

    grant(staff_user, permission_manage_users)  # now every channel
    body = rewards_api.execute(
        ERASE,
        {"user": user_global_id(customer_user), "reason": "asked by mail"},
        token=create_access_token(staff_user),
    )

    assert body["data"]["rewardsMemberErase"] == {"erased": True, "errors": []}
    assert not Account.objects.filter(member_id=customer_user.pk).exists()
    (event,) = AuditEvent.objects.all()
    assert (event.type, event.actor_type, event.actor_id) == (
        "member_erased",
        "staff",
        str(staff_user.pk),
    )
    assert (event.before, event.after) == ({"personal_data": "held"}, {"personal_data": "erased"})

    # asked again: recorded (a staff request always is), but as nothing left to erase
    body = rewards_api.execute(
        ERASE,
        {"user": user_global_id(customer_user), "reason": "asked again"},
        token=create_access_token(staff_user),
    )
    assert body["data"]["rewardsMemberErase"] == {"erased": True, "errors": []}
    again = AuditEvent.objects.exclude(pk=event.pk).get()
    assert (again.before, again.after) == ({"personal_data": "erased"}, {"personal_data": "erased"})
    settle_deferred_checks()


# P1: export


def test_P1_the_customer_downloads_their_own_data_and_nothing_of_another(
    active_rewards_plugin, rewards_api, customer_user, staff_user, program, customer_balance
):
    other = open_account(program, staff_user.pk, Kind.POINTS)
    credit(other, 777, key="other", source=LotSource.BONUS, reason="Someone else's bonus")

    body = rewards_api.execute(EXPORT, token=create_access_token(customer_user))
    anonymous = rewards_api.post(EXPORT).json()

    exported = json.loads(body["data"]["rewardsDataExport"])
    assert exported["member_id"] == customer_user.pk
    kinds = {(a["channel"], a["kind"]) for a in exported["parts"]["ledger"]["accounts"]}
    assert kinds == {(program.channel_slug, "points"), (program.channel_slug, "cash")}
    assert "Someone else" not in body["data"]["rewardsDataExport"]
    assert "777" not in body["data"]["rewardsDataExport"]
    assert error_codes(anonymous) == ["PERMISSION_DENIED"]


# P5: restriction


def test_P5_a_restricted_member_earns_nothing_cannot_redeem_and_earns_again_when_lifted(
    store, rewards_api, product, customer_user, channel_USD, staff_token
):
    variant = product.variants.get()
    user = user_global_id(customer_user)
    body = rewards_api.execute(
        RESTRICT,
        {"user": user, "restricted": True, "reason": "customer's request"},
        token=staff_token,
    )
    assert body["data"]["rewardsMemberRestrict"] == {"restricted": True, "errors": []}

    # a paid order earns nothing (legacy payments)
    run(store, store.pay_legacy, store.checkout([(variant, 2)]))
    assert points(customer_user) == {"available": 0, "pending": 0}
    assert OrderAward.objects.get(kind="loyalty").points == 0

    # nor can the member pay with points
    account = open_account(store_program(channel_USD), customer_user.pk, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.BONUS, expires_in_days=30)
    checkout = store.checkout([(variant, 2)])
    customer = create_access_token(customer_user)
    body = rewards_api.execute(REDEEM, {"id": checkout, "points": 100}, token=customer)
    assert body["data"]["rewardsCheckoutRedeem"]["errors"][0]["code"] == "NOT_ELIGIBLE"
    me = rewards_api.execute(ME, {"channel": channel_USD.slug}, token=customer)
    assert me["data"]["rewardsMe"]["restricted"] is True

    # lifted: the next paid order earns (transactions API)
    rewards_api.execute(
        RESTRICT, {"user": user, "restricted": False, "reason": "resolved"}, token=staff_token
    )
    run(store, store.pay_transaction, checkout)

    assert points(customer_user) == {"available": 1000, "pending": 50}
    events = AuditEvent.objects.filter(subject_type="member").order_by("id")
    assert [e.type for e in events] == ["member_restricted", "member_unrestricted"]
    settle_deferred_checks()


def store_program(channel):
    from saleor_rewards.ledger.models import Program

    return Program.objects.get(channel_slug=channel.slug)


# P3, P6: invitations


def test_P3_P6_invite_hashes_are_keyed_and_an_opted_out_address_is_invited_by_nobody(
    active_rewards_plugin,
    rewards_api,
    customer_user,
    staff_user,
    channel_USD,
    program,
):
    body = rewards_api.execute(
        INVITE,
        {"channel": channel_USD.slug, "emails": ["Pat@Example.org"]},
        token=create_access_token(customer_user),
    )
    assert body["data"]["rewardsReferralInvite"]["errors"] == []
    (row,) = ReferralInvite.objects.all()
    assert row.email_hash != hashlib.sha256(b"pat@example.org").hexdigest()
    token = mail.outbox[0].body.rsplit(": ", 1)[1].strip()

    # the invited person follows the link (no token needed: it is public)
    body = rewards_api.execute(OPT_OUT, {"token": token})
    assert body["data"]["rewardsInviteOptOut"] == {"optedOut": True, "errors": []}

    # and nobody reaches the address again
    body = rewards_api.execute(
        INVITE,
        {"channel": channel_USD.slug, "emails": ["pat@example.org"]},
        token=create_access_token(staff_user),
    )
    assert body["data"]["rewardsReferralInvite"]["errors"] == []
    assert len(mail.outbox) == 1 and InviteOptOut.objects.count() == 1
    assert ReferralInvite.objects.count() == 1
    forged = rewards_api.execute(OPT_OUT, {"token": token[:-2] + "xx"})
    assert forged["data"]["rewardsInviteOptOut"]["errors"][0]["code"] == "INVALID"


# P6: consent


def test_P6_the_member_switches_expiry_reminders_on_and_off(
    active_rewards_plugin, rewards_api, customer_user, channel_USD, program
):
    token = create_access_token(customer_user)
    me = rewards_api.execute(ME, {"channel": channel_USD.slug}, token=token)
    assert me["data"]["rewardsMe"]["consent"] == {"expiryReminders": False}

    on = rewards_api.execute(CONSENT, {"channel": channel_USD.slug, "on": True}, token=token)
    assert on["data"]["rewardsConsentUpdate"]["consent"] == {"expiryReminders": True}
    off = rewards_api.execute(CONSENT, {"channel": channel_USD.slug, "on": False}, token=token)
    assert off["data"]["rewardsConsentUpdate"]["consent"] == {"expiryReminders": False}
    anonymous = rewards_api.execute(CONSENT, {"channel": channel_USD.slug, "on": True})
    assert anonymous["data"]["rewardsConsentUpdate"]["errors"][0]["code"] == "PERMISSION_DENIED"
