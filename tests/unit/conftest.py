"""Fixtures of the Saleor-independent ledger suite (real PostgreSQL, no Saleor).

Run with a DATABASE_URL; ``--ds=tests.settings`` is the default set here.
"""

import itertools
import os

import pytest
from hypothesis import Phase, settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

# The property test's examples run dozens of SQL statements per step: shrinking a
# failure can take minutes. By default a failure is reported as found (the whole
# step sequence); ``--hypothesis-profile=ledger-shrink`` shrinks it to a minimal one.
settings.register_profile(
    "ledger", phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target]
)
settings.register_profile("ledger-shrink", phases=list(Phase))


def pytest_configure(config):
    if not config.getoption("hypothesis_profile", default=None):
        settings.load_profile("ledger")
    # With --ds (or DJANGO_SETTINGS_MODULE) pytest-django has set Django up already;
    # without, the default above is only read here, before test modules import models.
    import django

    django.setup()
    from tests import fast_flush

    fast_flush.install()


_member_ids = itertools.count(1001)


@pytest.fixture
def program(db):
    from saleor_rewards.ledger.models import Program

    return Program.objects.create(channel_slug="web-eu", currency="EUR")


@pytest.fixture
def other_program(db):
    from saleor_rewards.ledger.models import Program

    return Program.objects.create(channel_slug="app-us", currency="USD")


@pytest.fixture
def new_member():
    """A factory of member ids never used before in this run."""
    return lambda: next(_member_ids)


@pytest.fixture
def member(new_member):
    return new_member()


@pytest.fixture
def points(program, member):
    from saleor_rewards.ledger import Kind, open_account

    return open_account(program, member, Kind.POINTS)


@pytest.fixture
def cash(program, member):
    from saleor_rewards.ledger import Kind, open_account

    return open_account(program, member, Kind.CASH)
