"""A2: without ``SALEOR_REWARDS_TRUSTED_PROXIES`` the plugin reads the client's
address as Saleor does (backwards compatible), forgeable as Saleor's is. The set
cases: tests/unit/test_client_address.py."""

import pytest
from django.test import RequestFactory
from saleor.core.utils import get_client_ip

from saleor_rewards.saleor_adapter.client_address import SETTING, client_address

HEADERS = [
    None,
    "",
    "6.6.6.6, 203.0.113.7",
    "6.6.6.6,203.0.113.7",
    "unknown, 203.0.113.7",
    "2001:db8::7",
    "not an address",
]


@pytest.mark.parametrize("forwarded_for", HEADERS)
def test_A2_unset_reads_the_address_as_saleor_does(settings, monkeypatch, forwarded_for):
    monkeypatch.delenv(SETTING, raising=False)
    assert not hasattr(settings, SETTING)
    meta = {"REMOTE_ADDR": "10.0.0.9"}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().post("/", **meta)

    assert client_address(request) == get_client_ip(request)


def test_A2_unset_takes_the_left_most_entry_the_client_can_forge(settings, monkeypatch):
    monkeypatch.delenv(SETTING, raising=False)
    request = RequestFactory().post(
        "/", REMOTE_ADDR="10.0.0.9", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.7"
    )
    assert client_address(request) == "6.6.6.6"
