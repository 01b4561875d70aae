"""Fixtures of the integration suite: saleor-rewards inside a real Saleor 3.23.

Saleor ships its fixture modules but not its root ``conftest.py``; this file is its
equivalent (the ``pytest_plugins`` list, the fake replica connection, the
multi-database trick) plus the plugin's own fixtures.

Run it on its own, naming this directory, with Saleor's test settings::

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<name> \\
    DJANGO_SETTINGS_MODULE=saleor.tests.settings \\
    python -m pytest tests/integration --reuse-db

(pytest accepts ``pytest_plugins`` only in a conftest it loads at start-up, i.e.
one on the path given on the command line.) The first run creates Saleor's test
database ``test_<name>`` with every Saleor migration and ours (a few minutes);
``--reuse-db`` keeps it for later runs.
"""

import io
import os

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "saleor.tests.settings")
pytest.importorskip("saleor")

import django  # noqa: E402
import django.test  # noqa: E402
from django.apps import apps  # noqa: E402

if not apps.ready:  # no --ds / DJANGO_SETTINGS_MODULE: pytest-django set up nothing yet
    django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from saleor.tests.utils import prepare_test_db_connections  # noqa: E402

from .helpers import (  # noqa: E402
    PLUGIN_ID,
    PLUGIN_PATH,
    RewardsApi,
    grant,
    settle_deferred_checks,
)
from .storefront import DUMMY_GATEWAY, Storefront  # noqa: E402

# As Saleor's root conftest: every test case may use both the writer and the
# (fake) replica alias, which share one connection and one transaction.
TEST_DATABASES = {
    settings.DATABASE_CONNECTION_DEFAULT_NAME,
    settings.DATABASE_CONNECTION_REPLICA_NAME,
}
django.test.TransactionTestCase.databases = TEST_DATABASES
django.test.TestCase.databases = TEST_DATABASES

prepare_test_db_connections()

# Saleor's own fixtures (customer_user, staff_user, app, channel_USD, permission_*,
# staff_api_client, ...), the same list as Saleor 3.23.28's root conftest.
pytest_plugins = [
    "saleor.tests.fixtures",
    "saleor.app.tests.fixtures",
    "saleor.plugins.tests.fixtures",
    "saleor.graphql.tests.fixtures",
    "saleor.webhook.tests.fixtures",
    "saleor.tax.tests.fixtures",
    "saleor.channel.tests.fixtures",
    "saleor.page.tests.fixtures",
    "saleor.menu.tests.fixtures",
    "saleor.warehouse.tests.fixtures",
    "saleor.thumbnail.tests.fixtures",
    "saleor.order.tests.fixtures",
    "saleor.product.tests.fixtures",
    "saleor.site.tests.fixtures",
    "saleor.shipping.tests.fixtures",
    "saleor.permission.tests.fixtures",
    "saleor.giftcard.tests.fixtures",
    "saleor.discount.tests.fixtures",
    "saleor.checkout.tests.fixtures",
    "saleor.attribute.tests.fixtures",
    "saleor.account.tests.fixtures",
    "saleor.graphql.account.tests.fixtures",
    "saleor.payment.tests.fixtures",
    "saleor.webhook.tests.circuit_breaker.fixtures",
]


@pytest.fixture(autouse=True)
def ledger_is_sound(db):
    """After every test: the ledger's writes pass what COMMIT and the audit check.

    pytest-django rolls each test back, so the ledger's deferred constraint triggers
    (migration 0002) would never fire; fire them here, then run ``rewards_audit``
    (SPEC U5) over whatever the test wrote through Saleor.
    """
    yield
    if connection.needs_rollback:
        return  # the test broke its own transaction; it has already failed
    settle_deferred_checks()
    call_command("rewards_audit", stdout=io.StringIO())


@pytest.fixture
def rewards_plugin(settings):
    """Saleor loads the plugin (saleor.tests.settings sets ``PLUGINS = []``)."""
    settings.PLUGINS = [PLUGIN_PATH]
    return PLUGIN_ID


@pytest.fixture
def plugin_configuration_row(rewards_plugin, channel_USD):
    """Makes the plugin's global PluginConfiguration, as the Dashboard saves it.

    Saved active, it does what saving it through ``pluginUpdate`` does: the
    channels that exist (``main`` at least) get their programs and tiers
    (``RewardsPlugin.pre_save_plugin_configuration``).
    """
    from saleor.plugins.models import PluginConfiguration

    from saleor_rewards.plugin import RewardsPlugin

    def make(active=True, **values):
        configuration = [dict(item) for item in RewardsPlugin.DEFAULT_CONFIGURATION]
        for item in configuration:
            if item["name"] in values:
                item["value"] = values.pop(item["name"])
        assert not values, f"unknown settings {values}"
        row = PluginConfiguration(
            identifier=PLUGIN_ID,
            name=RewardsPlugin.PLUGIN_NAME,
            channel=None,
            active=active,
            configuration=configuration,
        )
        RewardsPlugin.pre_save_plugin_configuration(row)
        row.save()
        return row

    return make


@pytest.fixture
def active_rewards_plugin(plugin_configuration_row):
    return plugin_configuration_row(active=True)


@pytest.fixture
def rewards_api(client):
    """POSTs to the plugin's endpoint through Django's URL routing and middleware."""
    return RewardsApi(client)


@pytest.fixture
def program(db, channel_USD):
    """The rewards program of Saleor's channel ``main`` (USD), with its default
    tiers, made as the plugin makes it when Saleor creates a channel."""
    from saleor_rewards.saleor_adapter.use_cases.programs import create_program

    return create_program(channel_USD)


@pytest.fixture
def staff_can_manage_users(staff_user, permission_manage_users):
    """Staff who read members and moderate reviews, in every channel (SPEC §0)."""
    return grant(staff_user, permission_manage_users)


@pytest.fixture
def staff_can_adjust(staff_user, permission_manage_users, permission_manage_gift_card):
    """Staff who read members and credit balances (MANAGE_GIFT_CARD, SPEC §0)."""
    return grant(staff_user, permission_manage_users, permission_manage_gift_card)


@pytest.fixture
def staff_can_manage_discounts(staff_user, permission_manage_discounts):
    """Staff who edit tiers: their discounts and caps (MANAGE_DISCOUNTS, SPEC §0)."""
    return grant(staff_user, permission_manage_discounts)


@pytest.fixture
def app_can_manage_users(app, permission_manage_users):
    app.permissions.add(permission_manage_users)
    return app


@pytest.fixture
def app_can_adjust(app, permission_manage_users, permission_manage_gift_card):
    app.permissions.add(permission_manage_users, permission_manage_gift_card)
    return app


@pytest.fixture
def staff_api_client_can_manage_plugins(staff_api_client, permission_manage_plugins):
    # Saleor keeps this one in saleor/graphql/plugins/tests/conftest.py (not a
    # fixture module), so it is repeated here.
    staff_api_client.user.user_permissions.add(permission_manage_plugins)
    return staff_api_client


@pytest.fixture
def customer_balance(program, customer_user):
    """The customer's balances in ``main``, seeded through the ledger.

    points: 500 (expire in 10 days) + 300 (in 60 days) available, 200 pending,
            150 held for a checkout (taken from the soonest-expiring lot)
            -> available 650, pending 200, held 150, expiring soon 350
    cash:   12.50 available, 3.25 pending, 2.50 held for a withdrawal
            -> available 10.00, pending 3.25, held 2.50 USD
    """
    from saleor_rewards.ledger import (
        Kind,
        LotSource,
        Reference,
        credit,
        hold,
        open_account,
    )

    points = open_account(program, customer_user.pk, Kind.POINTS)
    credit(
        points,
        500,
        key="seed:order-1",
        source=LotSource.LOYALTY,
        expires_in_days=10,
        reason="Order 1",
        reference=Reference("ORDER", "1"),
    )
    credit(
        points,
        300,
        key="seed:signup",
        source=LotSource.BONUS,
        expires_in_days=60,
        reason="E-mail verified",
    )
    credit(
        points,
        200,
        key="seed:order-2",
        source=LotSource.LOYALTY,
        pending=True,
        expires_in_days=60,
        reason="Order 2",
    )
    hold(points, 150, key="seed:checkout", reason="Checkout")
    cash = open_account(program, customer_user.pk, Kind.CASH)
    credit(cash, "12.50", key="seed:commission-1", source=LotSource.AFFILIATE)
    credit(cash, "3.25", key="seed:commission-2", source=LotSource.AFFILIATE, pending=True)
    hold(cash, "2.50", key="seed:withdrawal", reason="Withdrawal")
    settle_deferred_checks()
    return {"points": points, "cash": cash}


@pytest.fixture
def store(
    settings,
    plugin_configuration_row,
    user_api_client,
    staff_api_client,
    app_api_client,
    permission_group_manage_orders,
    permission_manage_payments,
    channel_USD,
    product,
    shipping_zone,
    warehouse,
    django_capture_on_commit_callbacks,
):
    """The plugin on (defaults: 2.5 %, 100 points per USD), a product at 10.00 USD."""
    settings.PLUGINS = [DUMMY_GATEWAY, PLUGIN_PATH]
    plugin_configuration_row(active=True)
    permission_group_manage_orders.user_set.add(staff_api_client.user)
    app_api_client.app.permissions.add(permission_manage_payments)
    channel_USD.automatically_confirm_all_new_orders = True
    channel_USD.save()
    storefront = Storefront(
        user_api_client, staff_api_client, app_api_client, channel_USD, warehouse
    )
    storefront.capture = django_capture_on_commit_callbacks
    _without_tier_discounts(channel_USD)
    return storefront


def _without_tier_discounts(channel):
    """Every tier at 0 % discount, so the amounts of other areas' tests stay round:
    by default (T1) a verified customer's checkout gets Regular's 0.5 % (T4).
    Tests of tiers use ``tiered_store``."""
    from saleor_rewards.programs.tiers.models import Tier
    from saleor_rewards.saleor_adapter.use_cases.programs import create_program

    program = create_program(channel)
    Tier.objects.filter(program=program).update(discount_percent=0)


@pytest.fixture
def tiered_store(store, channel_USD):
    """The store with T1's default tiers and their discounts (Regular 0.5 %, ...)."""
    from saleor_rewards.programs.tiers import services as tiers
    from saleor_rewards.programs.tiers.models import Tier
    from saleor_rewards.saleor_adapter.use_cases.programs import create_program

    program = create_program(channel_USD)
    Tier.objects.filter(program=program).delete()
    tiers.create_default_tiers(program)
    return store
