"""Program settings: one definition per setting, its SPEC default and its parser.

The same table drives the Dashboard's plugin settings (``CONFIG_STRUCTURE``), their
validation, and per-channel overrides stored on ``Program.settings``. Values arrive
as text from the Dashboard; ``parse`` turns them into ``bool`` / ``int`` /
``Decimal`` / ``str`` and raises ``SettingsError`` naming each bad field.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .ledger.errors import InvalidInput


class SettingsError(InvalidInput):
    """Bad settings; ``errors`` maps each field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]):
        self.errors = errors
        field, message = next(iter(errors.items()))
        super().__init__("; ".join(f"{name}: {text}" for name, text in errors.items()), field=field)
        self.first_message = message


def _bool(value) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ValueError("must be true or false")


def _int(minimum: int = 0, maximum: int | None = None) -> Callable:
    def parse(value) -> int:
        if isinstance(value, bool):
            raise ValueError("must be a whole number")
        try:
            number = int(str(value).strip())
        except ValueError:
            raise ValueError("must be a whole number") from None
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise ValueError(f"must be at most {maximum}")
        return number

    return parse


def _decimal(minimum: Decimal = Decimal(0), maximum: Decimal | None = None) -> Callable:
    def parse(value) -> Decimal:
        if isinstance(value, bool | float):
            raise ValueError("must be a decimal number written as text")
        try:
            number = Decimal(str(value).strip())
        except InvalidOperation:
            raise ValueError("must be a number") from None
        if not number.is_finite():
            raise ValueError("must be a number")
        if number < minimum:
            raise ValueError(f"must be at least {minimum}")
        if maximum is not None and number > maximum:
            raise ValueError(f"must be at most {maximum}")
        return number

    return parse


_percent = _decimal(Decimal(0), Decimal(100))


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _url_template(value, placeholder: str = "{code}", what: str = "the referral code") -> str:
    text = _text(value)
    if text and not text.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    if text and placeholder not in text:
        raise ValueError(f"must contain {placeholder} where {what} goes")
    return text


def _optout_url_template(value) -> str:
    return _url_template(value, "{token}", "the opt-out token")


def _currency_table(value) -> dict[str, Decimal]:
    """``EUR:200, USD:222`` -> ``{"EUR": Decimal("200"), ...}`` (W3: a per-currency table)."""
    if isinstance(value, Mapping):
        items = [(str(code), str(amount)) for code, amount in value.items()]
    else:
        items = []
        for part in _text(value).split(","):
            if not part.strip():
                continue
            code, colon, amount = part.partition(":")
            if not colon:
                raise ValueError(f"needs CURRENCY:AMOUNT pairs, got {part.strip()!r}")
            items.append((code, amount))
    table = {}
    for code, amount in items:
        code = code.strip().upper()
        if len(code) != 3 or not code.isalpha() or not code.isascii():
            raise ValueError(f"{code!r} is not a currency code")
        table[code] = _decimal()(amount)
    return table


def _affiliate_url_template(value) -> str:
    text = _text(value)
    if text and not text.startswith(("https://", "http://")):
        raise ValueError("must be an http(s) URL")
    if text and ("{code}" not in text or "{product}" not in text):
        raise ValueError("must contain {code} and {product} where the code and product go")
    return text


def _slug(value) -> str:
    text = _text(value)
    if len(text) > 255 or any(c.isspace() for c in text):
        raise ValueError("must be a collection's slug (no spaces)")
    return text


@dataclass(frozen=True)
class Setting:
    name: str
    label: str
    help: str
    default: object
    parse: Callable
    boolean: bool = False
    # False: set in the plugin configuration only, never overridden per channel.
    per_channel: bool = True

    def as_text(self, value) -> str:
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, Mapping):
            return ", ".join(f"{code}:{amount}" for code, amount in value.items())
        return str(value)


def _s(name, label, help, default, parse, **kw) -> Setting:
    return Setting(name, label, help, default, parse, **kw)


SETTINGS: tuple[Setting, ...] = (
    _s(
        "program_enabled",
        "Program enabled",
        "Members earn and spend only while on.",
        True,
        _bool,
        boolean=True,
    ),
    _s(
        "points_per_unit",
        "Points per currency unit",
        "How many points are worth 1.00 of the channel's currency (U2).",
        100,
        _int(1, 1_000_000),
    ),
    _s(
        "loyalty_earn_percent",
        "Loyalty earn percent",
        "Percent of a paid order's product amount earned in points (L1).",
        Decimal("2.5"),
        _percent,
    ),
    _s(
        "hold_days",
        "Days before points become available",
        "Days after delivery before pending points can be spent (L2).",
        0,
        _int(0, 365),
    ),
    _s(
        "auto_confirm_days",
        "Days after shipment until delivery counts as confirmed",
        "Orders the customer does not confirm as delivered count as delivered this many "
        "days after fulfilment; 0 = at fulfilment (L2).",
        0,
        _int(0, 365),
    ),
    _s(
        "expiry_days_loyalty",
        "Expiry of purchase points (days)",
        "Days after points became available before they expire (L4).",
        60,
        _int(1, 3650),
    ),
    _s("expiry_days_referral", "Expiry of referral points (days)", "R8.", 60, _int(1, 3650)),
    _s("expiry_days_bonus", "Expiry of bonus points (days)", "B1.", 60, _int(1, 3650)),
    _s("expiry_days_review", "Expiry of review points (days)", "B2.", 60, _int(1, 3650)),
    _s(
        "expiry_days_adjustment",
        "Expiry of staff adjustments (days)",
        "Default expiry of points added by staff.",
        60,
        _int(1, 3650),
    ),
    _s("signup_bonus_points", "E-mail verification bonus (points)", "B1.", 100, _int()),
    _s("review_points", "Review points", "For an approved review (B2).", 5, _int()),
    _s(
        "review_min_chars",
        "Review minimum length",
        "Characters a review needs to earn points (B2).",
        30,
        _int(),
    ),
    _s("review_photo_points", "Review photo points", "With at least one photo (B2).", 5, _int()),
    _s(
        "daily_points_cap",
        "Daily activity points cap",
        "Most activity points per member per day; 0 = no cap (B3).",
        0,
        _int(),
    ),
    _s(
        "daily_cap_includes_purchases",
        "Daily cap includes purchase points",
        "B3.",
        False,
        _bool,
        boolean=True,
    ),
    _s(
        "storefront_referral_url",
        "Storefront referral URL",
        "Share URL with {code}, e.g. https://shop.example/?ref={code} (R1).",
        "",
        _url_template,
    ),
    _s(
        "invite_optout_url",
        "Storefront invitation opt-out URL",
        "Page with {token} that calls rewardsInviteOptOut, e.g. "
        "https://shop.example/no-invitations?token={token}; every invitation links to "
        "it (P6). Empty: the mail carries the bare token.",
        "",
        _optout_url_template,
    ),
    _s(
        "invite_retention_days",
        "Invitation retention (days)",
        "Days the keyed hash of an invited address is kept (it stops the same sponsor "
        "inviting the address twice); older ones are purged (P3).",
        180,
        _int(1, 3650),
        per_channel=False,
    ),
    _s("referral_max_friends", "Friends per sponsor", "R4.", 20, _int(0, 100_000)),
    _s(
        "referral_reward_percent",
        "Referral reward percent",
        "Percent of the friend's first order earned by the sponsor (R6).",
        Decimal(1),
        _percent,
    ),
    _s("referral_reward_points", "Referral reward (fixed points)", "R6.", 0, _int()),
    _s("referee_signup_bonus_points", "Friend's welcome bonus (points)", "R6.", 0, _int()),
    _s(
        "affiliate_commission_percent",
        "Affiliate commission percent",
        "Percent of an attributed order's affiliate products paid to the affiliate's "
        "cash balance; approval may set another per affiliate (A3).",
        Decimal(1),
        _percent,
    ),
    _s(
        "affiliate_window_days",
        "Affiliate attribution window (days)",
        "Days after a visit through an affiliate link during which an order earns the "
        "affiliate a commission (A2).",
        30,
        _int(1, 3650),
    ),
    _s(
        "affiliate_collection",
        "Affiliate products collection",
        "Slug of the collection whose products earn commissions besides the linked "
        "product; empty = every product (A3).",
        "",
        _slug,
    ),
    _s(
        "storefront_affiliate_url",
        "Storefront affiliate link",
        "Product link with {code} and {product}, e.g. "
        "https://shop.example/p/{product}?aff={code} (A1, A2).",
        "",
        _affiliate_url_template,
    ),
    _s(
        "max_redeem_percent",
        "Redemption cap (percent)",
        "Most of a checkout's product subtotal payable with rewards (S1).",
        Decimal(50),
        _percent,
    ),
    _s(
        "redemption_hold_hours", "Abandoned redemption release (hours)", "S2.", 24, _int(1, 24 * 90)
    ),
    _s("voucher_valid_days", "Voucher validity (days)", "S5.", 90, _int(1, 3650)),
    _s(
        "tier_window_days",
        "Tier consumption window (days)",
        "0 = lifetime consumption; else a rolling window (T2).",
        0,
        _int(0, 3650),
    ),
    _s(
        "adjust_max_points",
        "Most points per staff credit",
        "Largest credit one staff adjustment may add, in points (cash by its value "
        "in points); 0 = staff cannot credit at all, only correct down (I2).",
        10_000,
        _int(0, 10**12),
    ),
    _s(
        "withdrawal_max",
        "Most cash per withdrawal, per currency",
        "CURRENCY:AMOUNT pairs; a currency not listed has no maximum (W3).",
        {"EUR": Decimal(200), "USD": Decimal(222), "CNY": Decimal("1549.80")},
        _currency_table,
    ),
    _s(
        "withdrawal_min",
        "Least cash per withdrawal",
        "In the channel's currency; 0 = any amount (W3).",
        Decimal(0),
        _decimal(),
    ),
    _s(
        "retention_days",
        "Payout details kept after a withdrawal closes (days)",
        "A withdrawal's bank, PayPal or Alipay details are deleted this many days "
        "after it is paid, rejected, failed or cancelled (W2, P3).",
        90,
        _int(0, 3650),
    ),
    _s(
        "reminder_days_before",
        "Expiry reminder (days before)",
        "Mail members who agreed to reminders when their points expire within this many "
        "days, once per lot; 0 = no reminders (O1, P6).",
        7,
        _int(0, 365),
    ),
    _s(
        "claim_window_days",
        "Guarantee claim window (days)",
        "Days after an order was fulfilled during which its buyer may file a "
        "guarantee claim on its lines (C1).",
        90,
        _int(1, 3650),
    ),
    _s(
        "claim_evidence_retention_days",
        "Claim evidence kept after the decision (days)",
        "A guarantee claim's evidence documents are deleted from private storage this "
        "many days after the claim was approved or rejected; the claim, its decision and "
        "its amounts stay (C1, P3).",
        365,
        _int(1, 3650),
    ),
    _s(
        "allow_negative_deposit",
        "Allow a negative merchant deposit",
        "Approve guarantee claims even when the channel's security deposit cannot "
        "cover them; what it lacks is owed and paid by the next top-up (C3).",
        False,
        _bool,
        boolean=True,
    ),
    _s(
        "deposit_low_amount",
        "Merchant deposit low mark",
        "The deposit report flags the deposit as low at or below this amount of the "
        "channel's currency (C3).",
        Decimal(0),
        _decimal(Decimal(0), Decimal(10) ** 12),
    ),
    _s(
        "graphiql_enabled",
        "Serve GraphiQL",
        "Open the GraphiQL explorer at the rewards API's URL in a browser; it is "
        "always served while Django's DEBUG is on (I4).",
        False,
        _bool,
        boolean=True,
        per_channel=False,
    ),
)

BY_NAME = {setting.name: setting for setting in SETTINGS}
GLOBAL_ONLY = frozenset(setting.name for setting in SETTINGS if not setting.per_channel)


# Where jobs outside a request read the plugin's own values (the Saleor adapter sets
# it: ``saleor_adapter/settings.py``); without it, the defaults.
_plugin_values: Callable[[], Mapping[str, object]] | None = None


def read_plugin_values_with(source: Callable[[], Mapping[str, object]]) -> None:
    global _plugin_values
    _plugin_values = source


def plugin_values() -> dict:
    """The plugin's own settings, typed: for jobs that run without a channel."""
    return parse(dict(_plugin_values()) if _plugin_values is not None else {})


def parse(values: Mapping[str, object], *, partial: bool = False) -> dict:
    """Typed settings from raw values; defaults fill the gaps unless ``partial``.

    Unknown names and bad values raise ``SettingsError`` listing every bad field.
    """
    errors, result = {}, {}
    for name, raw in values.items():
        setting = BY_NAME.get(name)
        if setting is None:
            errors[name] = "is not a rewards setting"
            continue
        if raw is None:
            continue
        try:
            result[name] = setting.parse(raw)
        except ValueError as error:
            errors[name] = f"{setting.label} {error}"
    if errors:
        raise SettingsError(errors)
    if not partial:
        for setting in SETTINGS:
            result.setdefault(setting.name, setting.default)
    return result


def resolve(global_values: Mapping[str, object], overrides: Mapping[str, object]):
    """A channel's effective settings: its overrides over the plugin's values."""
    merged = parse(global_values)
    # Skips any key that is no setting now: one retired since the row was written, or
    # the "_changes" history that lived there until migration 0008; and a setting of
    # the plugin configuration only.
    channel_values = {
        name: value
        for name, value in overrides.items()
        if name in BY_NAME and name not in GLOBAL_ONLY
    }
    merged.update(parse(channel_values, partial=True))
    return merged
