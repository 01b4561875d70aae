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


def test_text_values_from_the_dashboard_are_parsed():
    settings = config.parse(
        {"loyalty_earn_percent": "3.5", "program_enabled": "false", "hold_days": " 7 "}
    )
    assert settings["loyalty_earn_percent"] == Decimal("3.5")
    assert settings["program_enabled"] is False
    assert settings["hold_days"] == 7


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("loyalty_earn_percent", "-1", "at least 0"),
        ("loyalty_earn_percent", "150", "at most 100"),
        ("points_per_unit", "abc", "whole number"),
        ("points_per_unit", "0", "at least 1"),
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


def test_channel_overrides_win_over_plugin_values():
    merged = config.resolve(
        {"loyalty_earn_percent": "2", "hold_days": "3"}, {"loyalty_earn_percent": "4"}
    )
    assert merged["loyalty_earn_percent"] == Decimal(4)
    assert merged["hold_days"] == 3


def test_a_retired_setting_left_in_a_channels_overrides_is_ignored():
    # e.g. legacy_bonus_multiplier, stored by a version that had it
    merged = config.resolve({}, {"legacy_bonus_multiplier": "2", "hold_days": "2"})
    assert "legacy_bonus_multiplier" not in merged
    assert merged["hold_days"] == 2
