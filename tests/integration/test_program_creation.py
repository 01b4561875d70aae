"""Programs, tiers and referral codes are created when Saleor creates the channel or
the customer, or when the plugin is switched on; reading them never writes (U1, T1,
R1)."""

import io
import logging

from django.core.management import call_command
from saleor.core.jwt import create_access_token
from saleor.graphql.tests.utils import get_graphql_content
from saleor.plugins.manager import get_plugins_manager

from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import ReferralCode
from saleor_rewards.programs.tiers.models import Tier
from saleor_rewards.programs.tiers.services import DEFAULT_TIERS
from saleor_rewards.saleor_adapter import plugin

from .helpers import ME_QUERY, PLUGIN_ID, error_codes
from .test_plugin_settings import PLUGIN_UPDATE
from .test_referrals import _register

CHANNEL_CREATE = """
mutation CreateChannel($input: ChannelCreateInput!) {
  channelCreate(input: $input) { channel { slug currencyCode } errors { field message } }
}
"""
REFERRAL_CODE = """
query Code($channel: String!) {
  rewardsMe(channel: $channel) { referral { code url shareLinks { network } } }
}
"""


def _create_channel(staff_api_client, permission_manage_channels, capture, slug="pl"):
    variables = {
        "input": {"name": "Polska", "slug": slug, "currencyCode": "PLN", "defaultCountry": "PL"}
    }
    with capture(execute=True):  # Saleor calls channel_created after its commit
        response = staff_api_client.post_graphql(
            CHANNEL_CREATE, variables, permissions=(permission_manage_channels,)
        )
    assert get_graphql_content(response)["data"]["channelCreate"]["errors"] == []


def _tier_names(slug):
    return list(Tier.objects.filter(program__channel_slug=slug).values_list("name", flat=True))


def test_U1_a_channel_saleor_creates_gets_its_program_in_its_currency_with_tiers(
    active_rewards_plugin,
    rewards_api,
    staff_api_client,
    permission_manage_channels,
    customer_user,
    django_capture_on_commit_callbacks,
):
    # when staff create a PLN channel in Saleor while the plugin is on
    _create_channel(
        staff_api_client, permission_manage_channels, django_capture_on_commit_callbacks
    )

    # then it has its program, in PLN, with the default tiers (T1)
    assert Program.objects.get(channel_slug="pl").currency == "PLN"
    assert _tier_names("pl") == [tier.name for tier in DEFAULT_TIERS]

    # and customers read their rewards there at once
    token = create_access_token(customer_user)
    body = rewards_api.execute(ME_QUERY, {"channel": "pl"}, token=token)
    assert body["data"]["rewardsMe"]["cash"]["available"] == {"amount": 0.0, "currency": "PLN"}


def test_U1_a_failure_to_create_the_program_is_logged_not_raised(
    active_rewards_plugin, channel_PLN, monkeypatch, caplog
):
    def broken(channel):
        raise ConnectionError("database gone")

    monkeypatch.setattr(plugin, "create_program", broken)
    with caplog.at_level(logging.ERROR):
        get_plugins_manager(allow_replica=False).channel_created(channel_PLN)
    assert "could not create the program of channel c-pln" in caplog.text


def test_U1_a_channel_made_while_the_plugin_was_off_gets_its_program_when_it_is_on(
    plugin_configuration_row,
    staff_api_client_can_manage_plugins,
    permission_manage_channels,
    django_capture_on_commit_callbacks,
):
    # given a channel Saleor created while the plugin was installed but off
    plugin_configuration_row(active=False)
    _create_channel(
        staff_api_client_can_manage_plugins,
        permission_manage_channels,
        django_capture_on_commit_callbacks,
    )
    assert not Program.objects.filter(channel_slug="pl").exists()

    # when the merchant switches the plugin on in the Dashboard
    with django_capture_on_commit_callbacks(execute=True):
        response = staff_api_client_can_manage_plugins.post_graphql(
            PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": True}
        )
    assert get_graphql_content(response)["data"]["pluginUpdate"]["pluginsErrors"] == []

    # then the channel has its program and tiers
    assert Program.objects.get(channel_slug="pl").currency == "PLN"
    assert len(_tier_names("pl")) == len(DEFAULT_TIERS)


def test_R1_switching_the_plugin_on_gives_existing_customers_their_codes(
    rewards_plugin,
    staff_api_client_can_manage_plugins,
    customer_user,
    channel_USD,
    django_capture_on_commit_callbacks,
):
    # given a customer who registered before the plugin was switched on
    assert not ReferralCode.objects.filter(member_id=customer_user.pk).exists()

    # when the merchant switches it on (the codes are made by a task after the commit)
    with django_capture_on_commit_callbacks(execute=True):
        staff_api_client_can_manage_plugins.post_graphql(
            PLUGIN_UPDATE, {"id": PLUGIN_ID, "active": True}
        )

    # then they have a code, and so does the staff user who did it
    assert referrals.code_of(customer_user.pk) is not None
    assert referrals.code_of(staff_api_client_can_manage_plugins.user.pk) is not None
    assert Program.objects.filter(channel_slug=channel_USD.slug).exists()


def test_R1_a_customer_saleor_creates_gets_a_code_before_anyone_reads_it(
    active_rewards_plugin,
    rewards_api,
    api_client,
    settings,
    channel_USD,
    site_settings,
    django_capture_on_commit_callbacks,
):
    # when someone registers through Saleor while the plugin is on
    with django_capture_on_commit_callbacks(execute=True):
        user = _register(api_client, settings, channel_USD, "ann@example.com", {})

    # then customer_created gave them their code, which rewardsMe shows
    code = referrals.code_of(user.pk)
    assert code is not None
    body = rewards_api.execute(
        REFERRAL_CODE, {"channel": channel_USD.slug}, token=create_access_token(user)
    )
    assert body["data"]["rewardsMe"]["referral"]["code"] == code


def test_reads_never_write_a_program_tiers_or_a_code(
    active_rewards_plugin, rewards_api, customer_user, channel_USD, channel_PLN
):
    # given a Saleor channel without a program and a customer without a code
    Program.objects.filter(channel_slug=channel_PLN.slug).delete()
    token = create_access_token(customer_user)

    # when the customer reads their rewards in both channels
    in_pln = rewards_api.execute(ME_QUERY, {"channel": channel_PLN.slug}, token=token)
    in_usd = rewards_api.execute(REFERRAL_CODE, {"channel": channel_USD.slug}, token=token)

    # then the channel without a program is not found, and nothing was created
    assert error_codes(in_pln) == ["NOT_FOUND"]
    assert not Program.objects.filter(channel_slug=channel_PLN.slug).exists()
    assert in_usd["data"]["rewardsMe"]["referral"] == {"code": None, "url": None, "shareLinks": []}
    assert not ReferralCode.objects.exists()


def test_rewards_create_programs_catches_up_channels_and_customers(
    db, channel_USD, channel_PLN, customer_user
):
    # given channels and a customer the plugin never saw created (switched on by SQL,
    # say), and a program made before tiers came with programs
    Program.objects.create(channel_slug=channel_USD.slug, currency="USD")

    # when the merchant runs the command
    out = io.StringIO()
    call_command("rewards_create_programs", stdout=out)

    # then every channel has a program with tiers and every customer a code
    assert "Created 1 program(s) and 1 referral code(s)." in out.getvalue()
    assert Program.objects.get(channel_slug=channel_PLN.slug).currency == "PLN"
    assert len(_tier_names(channel_USD.slug)) == len(DEFAULT_TIERS)
    assert referrals.code_of(customer_user.pk) is not None

    # and running it again changes nothing
    call_command("rewards_create_programs", stdout=out)
    assert "Created 0 program(s) and 0 referral code(s)." in out.getvalue()
    assert ReferralCode.objects.count() == 1
