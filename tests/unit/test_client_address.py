"""A2: the visit limit counts a client by the address the shop's own proxies saw
(``SALEOR_REWARDS_TRUSTED_PROXIES``), never by what the client wrote in
X-Forwarded-For. The unset case is Saleor's reading: tests/integration/test_client_address.py.
"""

import pytest
from django.apps import apps
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from saleor_rewards.saleor_adapter.client_address import SETTING, client_address, trusted_proxies

PROXY = "10.0.0.9"  # REMOTE_ADDR: the innermost proxy, as Saleor's server sees it
FORGED = "6.6.6.6"
CLIENT = "203.0.113.7"


def request(forwarded_for=None, remote=PROXY):
    meta = {"REMOTE_ADDR": remote}
    if forwarded_for is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().post("/", **meta)


@pytest.fixture
def proxies(settings, monkeypatch):
    """Sets the number of trusted proxies as a Django setting."""
    monkeypatch.delenv(SETTING, raising=False)

    def set_to(value):
        setattr(settings, SETTING, value)

    return set_to


def test_A2_zero_proxies_ignores_the_header(proxies):
    proxies(0)
    assert client_address(request(f"{FORGED}, {CLIENT}")) == PROXY
    assert client_address(request(remote="2001:db8::5")) == "2001:db8::5"


def test_A2_one_proxy_takes_the_right_most_entry(proxies):
    proxies(1)
    assert client_address(request(CLIENT)) == CLIENT
    assert client_address(request(f"{FORGED}, {CLIENT}")) == CLIENT
    assert client_address(request(f"{FORGED},{FORGED} , {CLIENT}")) == CLIENT


def test_A2_two_proxies_take_the_second_entry_from_the_right(proxies):
    proxies(2)
    assert client_address(request(f"{CLIENT}, 10.0.0.2")) == CLIENT
    assert client_address(request(f"{FORGED}, {CLIENT}, 10.0.0.2")) == CLIENT


def test_A2_fewer_entries_than_proxies_is_the_remote_address_not_the_left_most(proxies):
    proxies(2)
    assert client_address(request(FORGED)) == PROXY
    assert client_address(request()) == PROXY
    proxies(1)
    assert client_address(request()) == PROXY
    assert client_address(request("")) == PROXY


def test_A2_an_entry_that_is_no_address_is_the_remote_address(proxies):
    proxies(1)
    assert client_address(request(f"{FORGED}, unknown")) == PROXY
    assert client_address(request(f"{FORGED}, {CLIENT}:443")) == PROXY
    assert client_address(request(f"{FORGED},")) == PROXY
    proxies(2)
    assert client_address(request(f"{FORGED}, 999.0.0.1, 10.0.0.2")) == PROXY


def test_A2_ipv6_entries_are_read_and_written_in_one_form(proxies):
    proxies(1)
    assert client_address(request(f"{FORGED}, 2001:DB8:0::7")) == "2001:db8::7"
    assert client_address(request("2001:db8::7, [2001:db8::9]:443")) == PROXY
    proxies(2)
    assert client_address(request(f"{FORGED}, 2001:db8::7, 2001:db8::9")) == "2001:db8::7"
    assert client_address(request("::ffff:203.0.113.7, 2001:db8::9")) == CLIENT


def test_A2_the_environment_variable_counts_and_the_django_setting_wins(settings, monkeypatch):
    monkeypatch.setenv(SETTING, " 1 ")
    assert trusted_proxies() == 1
    assert client_address(request(f"{FORGED}, {CLIENT}")) == CLIENT
    setattr(settings, SETTING, "0")
    assert trusted_proxies() == 0


def test_A2_unset_is_none(settings, monkeypatch):
    monkeypatch.delenv(SETTING, raising=False)
    assert not hasattr(settings, SETTING)
    assert trusted_proxies() is None


@pytest.mark.parametrize("value", ["-1", "one", "", " ", "1.5", "+1", "١", -1, 1.0, True])
def test_A2_a_value_that_is_no_count_of_proxies_is_refused_naming_the_setting(proxies, value):
    proxies(value)
    with pytest.raises(ImproperlyConfigured, match=SETTING):
        client_address(request(CLIENT))
    with pytest.raises(ImproperlyConfigured, match=SETTING):
        apps.get_app_config("saleor_rewards").ready()


def test_A2_a_bad_environment_variable_is_refused_too(monkeypatch):
    monkeypatch.setenv(SETTING, "two")
    with pytest.raises(ImproperlyConfigured, match="not 'two'"):
        trusted_proxies()
