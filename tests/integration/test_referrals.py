"""SPEC §4 R1-R5 inside a real Saleor 3.23: registration through Saleor's own
``accountRegister`` names a sponsor, the plugin's claim and invite mutations with
Saleor's tokens, e-mails through Saleor's configured mail backend."""

import hashlib
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from saleor.account.models import User
from saleor.account.tests.fixtures.user import dangerously_create_test_user
from saleor.core.jwt import create_access_token
from saleor.order import OrderChargeStatus

from saleor_rewards.keyed_hash import keyed_hash
from saleor_rewards.ledger.models import Lot
from saleor_rewards.programs.loyalty.awards import NewAward, open_award
from saleor_rewards.programs.loyalty.models import AwardKind
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import Referral, ReferralInvite, ReferralSource

SHARE_URL = "https://shop.example/?ref={code}"

ACCOUNT_REGISTER = """
mutation Register($input: AccountRegisterInput!) {
  accountRegister(input: $input) { errors { field code message } }
}
"""
CLAIM = """
mutation Claim($channel: String!, $code: String!) {
  rewardsReferralClaim(channel: $channel, code: $code) {
    errors { field code message }
    sponsor { code joinedAt }
  }
}
"""
INVITE = """
mutation Invite($channel: String!, $emails: [String!]!) {
  rewardsReferralInvite(channel: $channel, emails: $emails) {
    errors { field code message }
    sent skipped sentEmails skippedEmails
  }
}
"""
REFERRAL = """
query Referral($channel: String!) {
  rewardsMe(channel: $channel) {
    referral {
      code url shareLinks { network url } friendsCount friendsLimit
      friends(first: 10) { totalCount edges { node { email joinedAt state } } }
    }
  }
}
"""


def _user(email):
    return dangerously_create_test_user(email, "password")


@pytest.fixture
def sponsor(db):
    return _user("jane.doe@gmail.com")


@pytest.fixture
def sponsor_code(sponsor):
    return referrals.create_code(sponsor.pk)


def _claim(rewards_api, user, code, channel="main"):
    body = rewards_api.execute(
        CLAIM, {"channel": channel, "code": code}, token=create_access_token(user)
    )
    return body["data"]["rewardsReferralClaim"]


def _register(api_client, settings, channel, email, metadata):
    settings.ALLOWED_CLIENT_HOSTS = ["localhost"]
    variables = {
        "input": {
            "email": email,
            "password": "Str0ng-Passw0rd!",
            "redirectUrl": "http://localhost:3000/confirm",
            "channel": channel.slug,
            "metadata": [{"key": k, "value": v} for k, v in metadata.items()],
        }
    }
    response = api_client.post_graphql(ACCOUNT_REGISTER, variables)
    assert response.status_code == 200
    assert response.json()["data"]["accountRegister"]["errors"] == []
    return User.objects.get(email=email)


def test_R3_registration_metadata_referral_code_makes_a_friend(
    active_rewards_plugin,
    api_client,
    settings,
    channel_USD,
    site_settings,
    sponsor_code,
    sponsor,
    django_capture_on_commit_callbacks,
):
    # when a new customer registers through Saleor naming the sponsor's code
    with django_capture_on_commit_callbacks(execute=True):
        friend = _register(
            api_client,
            settings,
            channel_USD,
            "newcomer@example.com",
            {"referral_code": sponsor_code.lower()},
        )

    # then customer_created attributed them to the sponsor
    referral = Referral.objects.get(friend_id=friend.pk)
    assert referral.sponsor_id == sponsor.pk
    assert referral.source == ReferralSource.REGISTRATION


def test_R3_registration_metadata_referrer_email_makes_a_friend(
    active_rewards_plugin,
    api_client,
    settings,
    channel_USD,
    site_settings,
    sponsor,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        friend = _register(
            api_client,
            settings,
            channel_USD,
            "newcomer@example.com",
            {"referrer_email": "Jane.Doe@gmail.com"},
        )
    assert Referral.objects.get(friend_id=friend.pk).sponsor_id == sponsor.pk


def test_R3_registration_with_an_unknown_code_registers_without_a_sponsor(
    active_rewards_plugin,
    api_client,
    settings,
    channel_USD,
    site_settings,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        friend = _register(
            api_client,
            settings,
            channel_USD,
            "newcomer@example.com",
            {"referral_code": "ZZZZZZZZ"},
        )
    assert friend.pk and not Referral.objects.exists()


def test_R3_an_inactive_plugin_ignores_registration_metadata(
    plugin_configuration_row,
    api_client,
    settings,
    channel_USD,
    site_settings,
    sponsor_code,
    django_capture_on_commit_callbacks,
):
    plugin_configuration_row(active=False)
    with django_capture_on_commit_callbacks(execute=True):
        _register(
            api_client,
            settings,
            channel_USD,
            "newcomer@example.com",
            {"referral_code": sponsor_code},
        )
    assert not Referral.objects.exists()


def test_R3_claim_after_registration_names_the_sponsor(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    customer_user,
    sponsor,
    sponsor_code,
):
    result = _claim(rewards_api, customer_user, sponsor_code)
    assert result["errors"] == []
    assert result["sponsor"]["code"] == sponsor_code
    referral = Referral.objects.get(friend_id=customer_user.pk)
    assert (referral.sponsor_id, referral.source) == (sponsor.pk, ReferralSource.CLAIM)


def test_R3_a_second_claim_keeps_the_first_sponsor(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    customer_user,
    sponsor,
    sponsor_code,
):
    _claim(rewards_api, customer_user, sponsor_code)
    other_code = referrals.create_code(_user("other@example.com").pk)
    (error,) = _claim(rewards_api, customer_user, other_code)["errors"]
    assert error["code"] == "ALREADY_EXISTS"
    assert Referral.objects.get(friend_id=customer_user.pk).sponsor_id == sponsor.pk


def test_R4_the_21st_friend_is_refused(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    customer_user,
    sponsor,
    sponsor_code,
):
    # given a sponsor with 20 friends (the default limit)
    Referral.objects.bulk_create(
        Referral(sponsor_id=sponsor.pk, friend_id=900_000 + n, source="claim") for n in range(20)
    )

    # when a 21st customer claims the code
    (error,) = _claim(rewards_api, customer_user, sponsor_code)["errors"]

    # then the limit refuses it
    assert (error["code"], error["field"]) == ("LIMIT_EXCEEDED", "code")
    assert Referral.objects.filter(sponsor_id=sponsor.pk).count() == 20


def test_R5_own_code_is_refused(
    active_rewards_plugin, rewards_api, channel_USD, sponsor, sponsor_code
):
    (error,) = _claim(rewards_api, sponsor, sponsor_code)["errors"]
    assert error["code"] == "NOT_ELIGIBLE"
    assert not Referral.objects.exists()


def test_R5_another_account_of_the_same_mailbox_is_refused(
    active_rewards_plugin, rewards_api, channel_USD, sponsor, sponsor_code
):
    # given a second account of the sponsor's Gmail inbox (dots and +tag differ)
    twin = _user("janedoe+deals@googlemail.com")

    (error,) = _claim(rewards_api, twin, sponsor_code)["errors"]

    assert error["code"] == "NOT_ELIGIBLE"
    assert not Referral.objects.exists()


def test_R5_a_customer_with_a_paid_order_is_refused(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    customer_user,
    order,
    sponsor_code,
):
    # given the customer's order is charged in full
    order.charge_status = OrderChargeStatus.FULL
    order.save(update_fields=["charge_status"])

    (error,) = _claim(rewards_api, customer_user, sponsor_code)["errors"]

    assert error["code"] == "NOT_ELIGIBLE"
    assert not Referral.objects.exists()


def test_R5_an_unpaid_order_does_not_stop_a_claim(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    customer_user,
    order,
    sponsor_code,
):
    assert order.charge_status == OrderChargeStatus.NONE
    assert _claim(rewards_api, customer_user, sponsor_code)["errors"] == []


def test_R2_invitations_go_out_through_saleors_mail_backend(
    active_rewards_plugin,
    rewards_api,
    channel_USD,
    site_settings,
    sponsor,
    sponsor_code,
):
    # given the shop's name in Saleor's site settings
    site_settings.site.name = "Mirumee Shop"
    site_settings.site.save()

    # when the sponsor invites two friends, one typed twice
    emails = ["ann@example.com", "Bob@Example.com", "ann@example.com"]
    body = rewards_api.execute(
        INVITE,
        {"channel": channel_USD.slug, "emails": emails},
        token=create_access_token(sponsor),
    )

    # then two e-mails were sent from the shop's sender, naming the code
    result = body["data"]["rewardsReferralInvite"]
    assert result["errors"] == []
    assert (result["sent"], result["skipped"]) == (2, 1)
    assert sorted(m.to[0] for m in mail.outbox) == ["ann@example.com", "bob@example.com"]
    message = mail.outbox[0]
    assert message.from_email == site_settings.default_from_email
    assert "Mirumee Shop" in message.subject
    assert sponsor_code in message.body

    # and the database holds only keyed hashes of the addresses (P3), not the
    # plain SHA-256 a dictionary of addresses reverses
    hashes = set(ReferralInvite.objects.values_list("email_hash", flat=True))
    assert hashes == {
        keyed_hash("ann@example.com", "invite"),
        keyed_hash("bob@example.com", "invite"),
    }
    assert hashlib.sha256(b"ann@example.com").hexdigest() not in hashes


def test_R2_invitations_are_rate_limited(
    active_rewards_plugin, rewards_api, channel_USD, site_settings, sponsor
):
    emails = [f"friend{n}@example.com" for n in range(11)]
    body = rewards_api.execute(
        INVITE,
        {"channel": channel_USD.slug, "emails": emails},
        token=create_access_token(sponsor),
    )
    (error,) = body["data"]["rewardsReferralInvite"]["errors"]
    assert (error["code"], error["field"]) == ("LIMIT_EXCEEDED", "emails")
    assert not mail.outbox and not ReferralInvite.objects.exists()


def test_R1_me_shows_code_url_share_links_and_friends(
    plugin_configuration_row,
    rewards_api,
    channel_USD,
    program,
    customer_user,
    order,
    sponsor,
    sponsor_code,
):
    # given a shop with a storefront referral URL, and two friends of the sponsor:
    # one who just registered, one whose first order earned a pending reward
    plugin_configuration_row(active=True, storefront_referral_url=SHARE_URL)
    newcomer = _user("newcomer@example.com")
    for friend in (newcomer, customer_user):
        Referral.objects.create(sponsor_id=sponsor.pk, friend_id=friend.pk, source="claim")
    values = {"expiry_days_referral": 60}
    open_award(
        program,
        str(order.id),
        NewAward(
            AwardKind.REFERRAL, sponsor.pk, Decimal(100), Decimal(1), 100, "Friend's first order"
        ),
        values,
        timezone.now(),
    )

    # when the sponsor reads their referral
    body = rewards_api.execute(
        REFERRAL, {"channel": channel_USD.slug}, token=create_access_token(sponsor)
    )

    # then it shows the code, URL, share links, limit and friends, masked
    referral = body["data"]["rewardsMe"]["referral"]
    url = f"https://shop.example/?ref={sponsor_code}"
    assert (referral["code"], referral["url"]) == (sponsor_code, url)
    assert [link["network"] for link in referral["shareLinks"]] == [
        "EMAIL",
        "FACEBOOK",
        "TWITTER",
        "LINKEDIN",
        "WEIBO",
        "WHATSAPP",
    ]
    assert all("shop.example%2F%3Fref%3D" in link["url"] for link in referral["shareLinks"])
    assert (referral["friendsCount"], referral["friendsLimit"]) == (2, 20)
    friends = [edge["node"] for edge in referral["friends"]["edges"]]
    assert [(f["email"], f["state"]) for f in friends] == [
        ("t***@example.com", "ORDERED"),  # customer_user, newest first
        ("n***@example.com", "REGISTERED"),
    ]
    assert Lot.objects.filter(account__member_id=sponsor.pk, status="pending").exists()


def test_R3_a_failing_queue_never_breaks_registration(
    active_rewards_plugin,
    api_client,
    settings,
    channel_USD,
    site_settings,
    sponsor_code,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    # given the task queue is down
    from saleor_rewards.saleor_adapter import plugin as plugin_module

    def broken_queue(user_id):
        raise ConnectionError("broker unreachable")

    monkeypatch.setattr(plugin_module.attribute_new_customer, "delay", broken_queue)

    # when a customer registers naming a sponsor, the registration still succeeds
    with django_capture_on_commit_callbacks(execute=True):
        friend = _register(
            api_client,
            settings,
            channel_USD,
            "newcomer@example.com",
            {"referral_code": sponsor_code},
        )
    assert friend.pk and not Referral.objects.exists()
