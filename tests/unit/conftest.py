"""Fixtures of the Saleor-independent ledger suite (real PostgreSQL, no Saleor).

Run with ``--ds=tests.settings`` (set here as a default too) and a DATABASE_URL.
"""

import itertools
import os

import pytest

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

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
