"""RewardsPlugin: what Saleor loads through the ``saleor.plugins`` entry point."""

import logging
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpResponseNotFound
from saleor.plugins.base_plugin import BasePlugin, ConfigurationTypeField

from .. import config
from ..console_app import pages as console_pages
from ..graphql import view
from ..graphql.context import RewardsContext
from ..graphql.ports import Shop
from .auth import requestor_from_request
from .client_address import client_address
from .evidence import serve_evidence
from .shop import affiliates as affiliate_shop
from .shop import (
    channels,
    checkouts,
    claims,
    customers,
    gift_cards,
    mail,
    order_lines,
    orders,
    vouchers,
    withdrawal_mail,
)
from .shop.card_payments import (
    checkout_cards,
    refuse_foreign_rewards_card,
    take_off_foreign_cards,
)
from .shop.tier_discounts import refuse_foreign_tier_code
from .tasks import tiers as tier_tasks
from .tasks.accounts import enqueue_email_verified_bonus
from .tasks.orders import enqueue_order_sync
from .tasks.privacy import enqueue_erasure
from .tasks.redemption_cap import enqueue_fit_to_cap
from .tasks.referrals import (
    attribute_new_customer,
    create_missing_referral_codes,
    create_referral_code,
)
from .tasks.tiers import enqueue_member_tiers, enqueue_tier_discount
from .use_cases import plugin_audit
from .use_cases.programs import create_missing_programs, create_program
from .use_cases.redemption_cap import give_back_voucher_use, refuse_above_cap

logger = logging.getLogger(__name__)

GRAPHQL_PATHS = ("/graphql/", "/graphql")
EVIDENCE_PREFIX = "/claims/evidence/"  # a claim's documents, with a signed token (C1)
# Where the console's pages are, whichever of Saleor's routes a request came by.
CONSOLE_PATH = "/plugins/global/saleor_rewards/app/"


def _console_url(request) -> str:
    # Saleor's PUBLIC_URL when the merchant set it (behind a proxy, another port):
    # Saleor 3.23's HTTP client fetches the manifest with a Host header without the
    # port, so the request alone cannot always tell the console's address.
    public_url = getattr(settings, "PUBLIC_URL", None)
    if public_url:
        return urljoin(public_url, CONSOLE_PATH)
    return request.build_absolute_uri(CONSOLE_PATH)


# Saleor behind each feature's port (programs/<feature>/ports.py). The adapters are
# modules of functions, stateless, so one bundle serves every request.
SALEOR_SHOP = Shop(
    channels=channels,
    customers=customers,
    mailer=mail,
    order_lines=order_lines,
    orders=orders,
    vouchers=vouchers,
    checkouts=checkouts,
    gift_cards=gift_cards,
    tier_discounts=tier_tasks,
    withdrawal_mail=withdrawal_mail,
    affiliates=affiliate_shop,
    claims=claims,
)


def _already_queued(key) -> bool:
    """The same work is queued for this commit already (issue 14: Saleor's
    checkoutComplete fires a dozen order hooks in one transaction; one sync after the
    commit sees them all). Only a callback that survives whenever a new one would (it
    was registered outside every savepoint still open, or in the same one) counts."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    open_savepoints = set(connection.savepoint_ids)
    return any(
        getattr(func, "rewards_key", None) == key
        and not getattr(func, "ran", False)  # run already (tests run them early)
        and savepoints <= open_savepoints
        for savepoints, func, *_ in connection.run_on_commit
    )


def _after_commit(what: str, enqueue, object_id) -> None:
    """Queue ``enqueue(object_id)`` once Saleor's transaction commits.

    Saleor runs hooks after its commit and an exception would break the customer's
    request (SPEC §0): a broken queue is logged, never raised; the scheduled jobs and
    ``rewards_sync_orders`` catch up.
    """

    def run():
        run.ran = True
        try:
            enqueue(object_id)
        except Exception:  # noqa: BLE001 - a hook must never break Saleor's request
            logger.exception("saleor-rewards could not queue %s %s", what, object_id)

    run.rewards_key = (what, object_id)
    try:
        if _already_queued(run.rewards_key):
            return
        transaction.on_commit(run)
    except Exception:  # noqa: BLE001
        logger.exception("saleor-rewards could not schedule %s %s", what, object_id)


def _config_structure() -> dict:
    return {
        setting.name: {
            "type": ConfigurationTypeField.BOOLEAN
            if setting.boolean
            else ConfigurationTypeField.STRING,
            "label": setting.label,
            "help_text": f"{setting.help} Default: {setting.as_text(setting.default)}.",
        }
        for setting in config.SETTINGS
    }


def _default_configuration() -> list[dict]:
    return [
        {
            "name": setting.name,
            "value": setting.default if setting.boolean else setting.as_text(setting.default),
        }
        for setting in config.SETTINGS
    ]


def _refuse_foreign_card(checkout_info, cards) -> None:
    """S6 at completion; a refusal gives back the voucher use Saleor's legacy flow
    counted before it asked (as the cap's refusal does)."""
    try:
        refuse_foreign_rewards_card(checkout_info.checkout, cards=cards)
    except ValidationError:
        give_back_voucher_use(checkout_info)
        raise


class RewardsPlugin(BasePlugin):
    PLUGIN_ID = "saleor_rewards"
    PLUGIN_NAME = "Rewards: loyalty, referrals, affiliates"
    PLUGIN_DESCRIPTION = (
        "Loyalty points, referral rewards, affiliate commissions, membership tiers, "
        "paying with points and guarantee claims. Per-channel values are edited in "
        "the rewards program settings (rewardsProgramUpdate)."
    )
    # Account hooks run without a channel (SPEC §0), so the plugin is global.
    CONFIGURATION_PER_CHANNEL = False
    DEFAULT_ACTIVE = False
    CONFIG_STRUCTURE = _config_structure()
    DEFAULT_CONFIGURATION = _default_configuration()

    @classmethod
    def validate_plugin_configuration(cls, plugin_configuration, **kwargs):
        # A row saved by an older version may still hold settings retired since;
        # Saleor drops them when it loads the plugin, so they are not validated.
        values = {
            item["name"]: item.get("value")
            for item in plugin_configuration.configuration
            if item["name"] in config.BY_NAME
        }
        try:
            config.parse(values)
        except config.SettingsError as error:
            raise ValidationError(
                {
                    name: ValidationError(message, code="invalid")
                    for name, message in error.errors.items()
                }
            ) from error

    @classmethod
    def pre_save_plugin_configuration(cls, plugin_configuration):
        """Saved active (``pluginUpdate``): channels and customers Saleor created while
        the plugin was off get their program and code (hooks only run on active
        plugins). Programs now, in the mutation's transaction: a handful of rows;
        codes, one per customer, in a task after the commit. Both are idempotent, so
        saving the settings again is harmless (and catches up anything missed)."""
        if not plugin_configuration.active:
            return
        try:
            create_missing_programs()
        except Exception:  # noqa: BLE001 - switching the plugin on must not fail on it
            logger.exception("saleor-rewards could not create the missing programs")
        _after_commit(
            "the referral codes of",
            lambda _: create_missing_referral_codes.delay(),
            "the existing customers",
        )

    def save_plugin_configuration(self, plugin_configuration, cleaned_data):
        """Saleor's save (``pluginUpdate``), and one audit event of what changed (P4).

        Saleor declares this a classmethod but calls it on the request's plugin
        instance (``PluginsManager.save_plugin_configuration``, 3.23), which knows
        the requestor: the staff user or App who saved."""
        with transaction.atomic():
            before = plugin_audit.snapshot(plugin_configuration)
            saved = super().save_plugin_configuration(plugin_configuration, cleaned_data)
            plugin_audit.record_change(
                self.PLUGIN_ID, before, saved, requestor=getattr(self, "requestor", None)
            )
        return saved

    def settings(self) -> dict:
        return {item["name"]: item.get("value") for item in self.configuration}

    def webhook(self, request, path, previous_value):
        # I1: Saleor's legacy route /plugins/<id>/ runs this for an inactive plugin
        # too (PluginsManager.webhook_endpoint_without_channel, Saleor 3.23): switched
        # off, every route answers 404, whichever route Saleor came by.
        if not self.active:
            return HttpResponseNotFound()
        if path.startswith(EVIDENCE_PREFIX):
            return serve_evidence(request, path[len(EVIDENCE_PREFIX) :])
        if console_pages.handles(path):  # the operator console (SPEC O4)
            return console_pages.respond(request, path, app_base_url=_console_url(request))
        if path not in GRAPHQL_PATHS:
            return HttpResponseNotFound("Not found. The rewards API is at graphql/.")
        context = RewardsContext(
            shop=SALEOR_SHOP,
            requestor=requestor_from_request(request),
            plugin_settings=self.settings(),
            client_ip=client_address(request),
        )
        return view.handle(request, context)

    # --- Channels (SPEC §0 program settings, T1) -------------------------------------
    # A new channel gets its program and default tiers at once, so the storefront
    # and staff can use it right away; reads never create one. Saleor calls this
    # after its commit: a failure is logged (``rewards_create_programs`` catches up).

    def channel_created(self, channel, previous_value=None, **kwargs):
        if self.active:
            try:
                create_program(channel)
            except Exception:  # noqa: BLE001 - a hook must never break Saleor's request
                logger.exception(
                    "saleor-rewards could not create the program of channel %s", channel.slug
                )
        return previous_value

    # --- Orders (L1-L3, R6, R7) -------------------------------------------------
    # Saleor calls these after its commit, sometimes more than once per order
    # (SPEC §0). Each only queues a sync of the order after the current
    # transaction; the task reads the order's state, so which hook fired, and
    # how often, does not matter.

    def _sync_order_later(self, order, previous_value):
        # Saleor runs hooks of active plugins only; checked here as well, since a
        # plugin switched off posts nothing (I1), whoever calls it.
        if self.active:
            _after_commit("the sync of order", enqueue_order_sync, order.pk)
        return previous_value

    # Saleor 3.23 fires order_paid on every charge (order.actions.order_charged). A
    # partial charge earns nothing, but it may be the rewards card's: the gift card
    # gateway charges it when the order is confirmed, and its hold is captured then
    # (S6), whether or not the rest of the order is paid yet.

    def order_paid(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_fully_paid(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_fulfilled(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_cancelled(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_expired(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_refunded(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_fully_refunded(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    # A charge-back (CHARGE_BACK event) or a payment App lowering what its transaction
    # charged fires only order_updated (order.actions.order_transaction_updated): the
    # order may no longer be fully paid, a payment failure (L3). Saleor fires it for
    # many other changes too; the sync then finds nothing to do.

    def order_updated(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    # --- Paying with points (S1) -------------------------------------------------
    # The order placed from a checkout with a rewards gift card captures its hold:
    # the card is taken at creation (legacy route) or charged at confirmation
    # (gift card payment gateway), whether or not the order is ever paid.

    def order_created(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    def order_confirmed(self, order, previous_value=None, **kwargs):
        return self._sync_order_later(order, previous_value)

    # --- Referrals (R1, R3) -----------------------------------------------------
    # The new customer's own code, and the sponsor named in the account's metadata.

    def customer_created(self, customer, previous_value=None, **kwargs):
        if self.active:
            _after_commit("the referral code of user", create_referral_code.delay, customer.pk)
            _after_commit("the referral of user", attribute_new_customer.delay, customer.pk)
        return previous_value

    # --- Erasure (P2) ------------------------------------------------------------
    # Staff delete a customer (customer_deleted) or the customer their own account
    # (account_deleted): the member's rewards data is erased in a task after the
    # commit. Queued even while the plugin is switched off: erasure is a duty, not a
    # feature (Saleor calls hooks of active plugins only, so a deletion while it is
    # off is caught up by staff's rewardsMemberErase).

    def _erase_later(self, user, previous_value):
        if user is not None and user.pk is not None:
            _after_commit("the erasure of user", lambda _: enqueue_erasure(user), user.pk)
        return previous_value

    def customer_deleted(self, customer, previous_value=None, **kwargs):
        return self._erase_later(customer, previous_value)

    def account_deleted(self, user, previous_value=None, **kwargs):
        return self._erase_later(user, previous_value)

    # --- Bonus points (B1) -----------------------------------------------------
    # Saleor's account_confirmed has no channel; the task credits the bonus in
    # every active channel, once per member (the ledger key), however often this
    # fires.

    def account_confirmed(self, user, previous_value=None, **kwargs):
        if self.active:
            _after_commit("the e-mail bonus of user", enqueue_email_verified_bonus, user.pk)
            # Tiers (T1): a verified member leaves the Unverified tier.
            _after_commit("the tier of user", enqueue_member_tiers, user.pk)
        return previous_value

    # --- Membership tiers (T4) -------------------------------------------------
    # Checkout hooks run after Saleor's commit: the task puts the member's tier
    # discount code on the checkout (or takes a foreign one off). At completion,
    # which Saleor validates synchronously through preprocess_order_creation, a
    # member's code on someone else's checkout is refused: that hook exists to stop
    # an order and may raise Saleor's ValidationError (never anything else).

    def _tier_discount_later(self, checkout, previous_value):
        if self.active:
            _after_commit("the tier discount of checkout", enqueue_tier_discount, checkout.token)
        return previous_value

    def checkout_created(self, checkout, previous_value=None, **kwargs):
        return self._tier_discount_later(checkout, previous_value)

    def checkout_updated(self, checkout, previous_value=None, **kwargs):
        if self.active:
            # S6: a rewards card of another checkout comes off this one first.
            self._foreign_cards_off_later(checkout)
            # Paying with points (S1): a redemption that no longer fits the changed
            # checkout is lowered to its cap, after the tier discount settled.
            self._tier_discount_later(checkout, previous_value)
            _after_commit("the redemption cap of checkout", enqueue_fit_to_cap, checkout.token)
        return previous_value

    # --- Paying with points (S6) ------------------------------------------------
    # A rewards card pays only the checkout it was issued for, but Saleor lets its
    # customer put it on any of their checkouts (a promo code, or the gift card
    # gateway's authorisation). The plugin takes it off again once Saleor has
    # committed (checkout_updated, checkout_fully_authorized), and refuses the
    # completion of a checkout that still carries one (preprocess_order_creation).

    def _foreign_cards_off_later(self, checkout):
        if self.active:
            _after_commit(
                "the foreign rewards cards of checkout", take_off_foreign_cards, checkout.token
            )

    def checkout_fully_authorized(self, checkout, previous_value=None, **kwargs):
        self._foreign_cards_off_later(checkout)
        return previous_value

    def preprocess_order_creation(self, checkout_info, lines=None, previous_value=None, **kwargs):
        if not self.active:
            return previous_value
        # T4: a member's tier code; S6: a rewards card of another checkout (before the
        # cap, which counts the cards on the checkout); S1: the rewards gift cards pay
        # at most the member's cap of the checkout's products as it is completed,
        # whatever changed since the points were applied. The checkout's gift cards
        # are read once for both card checks (None: each reads them itself).
        try:
            cards = checkout_cards(checkout_info.checkout.token)
        except Exception:  # noqa: BLE001 - only the refusal may stop Saleor
            logger.exception("saleor-rewards could not read the checkout's gift cards")
            cards = None
        for refuse, what in (
            (refuse_foreign_tier_code, "tier discount code"),
            (lambda checkout: _refuse_foreign_card(checkout_info, cards), "rewards gift cards"),
            (lambda checkout: refuse_above_cap(checkout_info, lines, cards), "redemption cap"),
        ):
            try:
                refuse(checkout_info.checkout)
            except ValidationError:
                raise
            except Exception:  # noqa: BLE001 - only the refusal may stop Saleor
                logger.exception("saleor-rewards could not check the %s", what)
        return previous_value
