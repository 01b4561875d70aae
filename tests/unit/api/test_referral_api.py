"""rewardsMe.referral, rewardsReferralClaim and rewardsReferralInvite through the HTTP
view, with the in-memory shop of tests/fakes.py (R1-R5)."""

import json

import pytest
from django.core import mail
from django.test import RequestFactory

from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import Referral

from ...fakes import FakeCustomers, fake_shop

pytestmark = pytest.mark.django_db

SPONSOR, FRIEND = 11, 12
URL_SETTING = {"storefront_referral_url": "https://shop.example/r/{code}"}

REFERRAL = """query($channel: String!) { rewardsMe(channel: $channel) { referral {
  code url shareLinks { network url } friendsCount friendsLimit
  sponsor { code }
  friends(first: 10) { totalCount edges { node { email joinedAt state } } } } } }"""
CLAIM = """mutation($channel: String!, $code: String!) {
  rewardsReferralClaim(channel: $channel, code: $code) {
    errors { field code message } sponsor { code joinedAt } } }"""
INVITE = """mutation($channel: String!, $emails: [String!]!) {
  rewardsReferralInvite(channel: $channel, emails: $emails) {
    errors { field code message } sent skipped sentEmails skippedEmails } }"""


@pytest.fixture
def program():
    return Program.objects.create(channel_slug="main", currency="EUR")


@pytest.fixture
def shop():
    return FakeCustomers(emails={SPONSOR: "sponsor@example.com", FRIEND: "jane@example.com"})


def customer(user_id):
    return Requestor(kind=RequestorKind.CUSTOMER, user_id=user_id)


def call(query, variables, requestor, shop, plugin_settings=URL_SETTING):
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    context = RewardsContext(
        shop=fake_shop(customers=shop), requestor=requestor, plugin_settings=plugin_settings
    )
    return json.loads(view.handle(request, context).content)


def test_R1_me_shows_code_url_share_links_and_limit(program, shop):
    code = referrals.create_code(SPONSOR)  # as at registration (customer_created)
    body = call(REFERRAL, {"channel": "main"}, customer(SPONSOR), shop)
    referral = body["data"]["rewardsMe"]["referral"]
    assert referral["code"] == code
    assert referral["url"] == f"https://shop.example/r/{code}"
    assert [link["network"] for link in referral["shareLinks"]] == [
        "EMAIL",
        "FACEBOOK",
        "TWITTER",
        "LINKEDIN",
        "WEIBO",
        "WHATSAPP",
    ]
    assert (referral["friendsCount"], referral["friendsLimit"]) == (0, 20)
    assert referral["sponsor"] is None


def test_R3_claim_names_the_sponsor_and_both_sides_see_it(program, shop):
    code = referrals.create_code(SPONSOR)
    body = call(CLAIM, {"channel": "main", "code": code}, customer(FRIEND), shop)
    result = body["data"]["rewardsReferralClaim"]
    assert result["errors"] == []
    assert result["sponsor"]["code"] == code
    assert Referral.objects.get(friend_id=FRIEND).sponsor_id == SPONSOR

    me = call(REFERRAL, {"channel": "main"}, customer(SPONSOR), shop)
    referral = me["data"]["rewardsMe"]["referral"]
    assert referral["friendsCount"] == 1
    (edge,) = referral["friends"]["edges"]
    assert edge["node"]["email"] == "j***@example.com"
    assert edge["node"]["state"] == "REGISTERED"
    friend_me = call(REFERRAL, {"channel": "main"}, customer(FRIEND), shop)
    assert friend_me["data"]["rewardsMe"]["referral"]["sponsor"] == {"code": code}


def test_R3_anonymous_claim_is_permission_denied(program, shop):
    code = referrals.create_code(SPONSOR)
    body = call(CLAIM, {"channel": "main", "code": code}, Requestor(), shop)
    (error,) = body["data"]["rewardsReferralClaim"]["errors"]
    assert error["code"] == "PERMISSION_DENIED"
    assert not Referral.objects.exists()


def test_R5_own_code_claim_is_not_eligible(program, shop):
    code = referrals.create_code(SPONSOR)
    body = call(CLAIM, {"channel": "main", "code": code}, customer(SPONSOR), shop)
    (error,) = body["data"]["rewardsReferralClaim"]["errors"]
    assert (error["code"], error["field"]) == ("NOT_ELIGIBLE", "code")


def test_R3_claim_is_refused_while_the_program_is_off(program, shop):
    code = referrals.create_code(SPONSOR)
    body = call(
        CLAIM,
        {"channel": "main", "code": code},
        customer(FRIEND),
        shop,
        plugin_settings={"program_enabled": "false"},
    )
    (error,) = body["data"]["rewardsReferralClaim"]["errors"]
    assert error["code"] == "PROGRAM_DISABLED"
    assert not Referral.objects.exists()


def test_R2_invite_reports_sent_and_skipped(program, shop):
    emails = ["a@example.com", "A@example.com", "sponsor@example.com"]
    body = call(INVITE, {"channel": "main", "emails": emails}, customer(SPONSOR), shop)
    result = body["data"]["rewardsReferralInvite"]
    assert result == {
        "errors": [],
        "sent": 1,
        "skipped": 2,
        "sentEmails": ["a@example.com"],
        "skippedEmails": ["a@example.com", "sponsor@example.com"],
    }
    assert [m.to for m in mail.outbox] == [["a@example.com"]]


def test_R2_invalid_invite_names_the_emails_field(program, shop):
    body = call(INVITE, {"channel": "main", "emails": ["nope"]}, customer(SPONSOR), shop)
    (error,) = body["data"]["rewardsReferralInvite"]["errors"]
    assert (error["code"], error["field"]) == ("INVALID", "emails")
