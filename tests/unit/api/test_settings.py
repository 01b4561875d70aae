"""Plugin settings: SPEC defaults, and bad values refused naming the field."""

from decimal import Decimal

import pytest

from saleor_rewards import config


def test_defaults_are_the_spec_values():
    settings = config.parse({})
    assert settings["points_per_unit"] == 100  # U2
    assert settings["loyalty_earn_percent"] == Decimal("2.5")  # L1
    assert settings["expiry_days_loyalty"] == 60  # L4
    assert settings["max_redeem_percent"] == Decimal(50)  # S1
    assert settings["referral_max_friends"] == 20  # R4
    assert settings["withdrawal_max"] == {
        "EUR": Decimal(200), "USD": Decimal(222), "CNY": Decimal("1549.80")
    }  # W3  # fmt: skip
    assert settings["claim_window_days"] == 90  # C1


def test_text_values_from_the_dashboard_are_parsed():
    settings = config.parse(
        {"loyalty_earn_percent": "3.5", "program_enabled": "false",
         "withdrawal_max": "eur:150, PLN:900.50"}
    )  # fmt: skip
    assert settings["loyalty_earn_percent"] == Decimal("3.5")
    assert settings["program_enabled"] is False
    assert settings["withdrawal_max"] == {"EUR": Decimal(150), "PLN": Decimal("900.50")}


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("loyalty_earn_percent", "-1", "at least 0"),
        ("loyalty_earn_percent", "150", "at most 100"),
        ("points_per_unit", "abc", "whole number"),
        ("points_per_unit", "0", "at least 1"),
        ("withdrawal_max", "XXX:10", "unknown currency 'XXX'"),
        ("withdrawal_max", "EUR=10", "not CURRENCY:AMOUNT"),
        ("withdrawal_max", "EUR:-5", "at least 0"),
        ("program_enabled", "maybe", "true or false"),
        ("storefront_referral_url", "https://shop.example/", "{code}"),
        ("no_such_setting", "1", "not a rewards setting"),
    ],
)
def test_bad_values_are_refused_naming_the_field(name, value, words):
    with pytest.raises(config.SettingsError) as error:
        config.parse({name: value})
    assert set(error.value.errors) == {name}
    assert words in error.value.errors[name]


def test_every_bad_field_is_reported_at_once():
    with pytest.raises(config.SettingsError) as error:
        config.parse({"hold_days": "x", "review_points": "-3", "hold_days_ok": "1"})
    assert set(error.value.errors) == {"hold_days", "review_points", "hold_days_ok"}


def test_channel_overrides_win_over_plugin_values_except_global_ones():
    merged = config.resolve(
        {"loyalty_earn_percent": "2", "retention_days": "30"},
        {"loyalty_earn_percent": "4", "retention_days": "999"},
    )
    assert merged["loyalty_earn_percent"] == Decimal(4)
    assert merged["retention_days"] == 30
