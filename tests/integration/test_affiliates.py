"""The affiliate program from real Saleor orders (SPEC A1-A4).

An approved affiliate (``customer_user2``) shares a product link; the storefront
reports the visit and then the checkout it led to; another customer
(``customer_user``, who shops through ``store``) pays through either of Saleor's
payment flows; the commission lands in the affiliate's cash balance, pending until
delivery, taken back with the order like points.
"""

from datetime import timedelta
from decimal import Decimal
from urllib.parse import quote

import pytest
from django.core import mail
from django.core.cache import cache
from django.utils import timezone
from saleor.core.jwt import create_access_token

from saleor_rewards.events.models import AuditEvent
from saleor_rewards.ledger import Kind
from saleor_rewards.ledger.models import Account, Program
from saleor_rewards.programs.affiliates import privacy, services
from saleor_rewards.programs.affiliates.models import (
    Affiliate,
    AffiliateCommission,
    AffiliateVisit,
)
from saleor_rewards.programs.affiliates.retention import VISIT_HASH_DAYS, purge_visit_hashes
from saleor_rewards.saleor_adapter.shop.affiliates import ATTRIBUTION_KEY

from .storefront import gid, run

ON = {"program_enabled": True}

TRACK = """
mutation Track($code: String!, $product: ID!, $checkout: ID, $token: String) {
  rewardsAffiliateTrackVisit(code: $code, productId: $product, checkoutId: $checkout,
                             attributionToken: $token) {
    attributionToken attributed
    errors { field code message }
  }
}
"""

APPLY = """
mutation Apply($channel: String!, $input: RewardsAffiliateApplyInput!) {
  rewardsAffiliateApply(channel: $channel, input: $input) {
    affiliate { id status code }
    errors { field code message }
  }
}
"""

APPLICATIONS = """
query Applications($channel: String!, $status: RewardsAffiliateStatus) {
  rewardsAffiliateApplications(channel: $channel, status: $status, first: 10) {
    totalCount
    edges { node { id status website socialProfiles audience message } }
  }
}
"""

REVIEW = """
mutation Review($id: ID!, $action: RewardsAffiliateAction!, $percent: Decimal, $note: String) {
  rewardsAffiliateReview(id: $id, action: $action, commissionPercent: $percent, note: $note) {
    affiliate { id status code commissionPercent }
    errors { field code message }
  }
}
"""

ME = """
query Me($channel: String!, $product: ID!) {
  rewardsAffiliateLink(channel: $channel, productId: $product)
  rewardsMe(channel: $channel) {
    affiliate {
      status code commissionPercent
      stats {
        visits orders
        commissionPending { amount currency } commissionEarned { amount currency }
      }
    }
  }
}
"""


@pytest.fixture(autouse=True)
def fresh_rate_limits():
    """The visit limiter counts in Django's cache, which outlives a test."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def configure(store, plugin_configuration_row):
    """The store's plugin saved again with ``values``."""
    from saleor.plugins.models import PluginConfiguration

    def make(**values):
        PluginConfiguration.objects.filter(identifier="saleor_rewards").delete()
        plugin_configuration_row(active=True, **values)
        return store

    return make


@pytest.fixture
def shop_program(store, channel_USD):
    return Program.objects.get(channel_slug=channel_USD.slug)


def approve(program, user, percent=None) -> Affiliate:
    affiliate = services.apply(
        program,
        user.pk,
        services.Application(website="https://blog.example/"),
        settings=ON,
        email=user.email,
    )
    return services.review(affiliate.id, "approve", commission_percent=percent)


@pytest.fixture
def affiliate(shop_program, customer_user2):
    return approve(shop_program, customer_user2)


def track(rewards_api, code, product, checkout_id=None, token=None, meta=None) -> dict:
    body = rewards_api.execute(
        TRACK,
        {
            "code": code,
            "product": gid("Product", product.pk),
            "checkout": checkout_id,
            "token": token,
        },
        meta=meta,
    )
    assert "errors" not in body, body
    return body["data"]["rewardsAffiliateTrackVisit"]


def referred_checkout(store, rewards_api, code, product, lines) -> str:
    """The visitor follows the link (a visit, a token), then builds a checkout and the
    storefront reports it with the token."""
    clicked = track(rewards_api, code, product)
    assert clicked["errors"] == [] and clicked["attributionToken"]
    checkout_id = store.checkout(lines)
    tied = track(rewards_api, code, product, checkout_id, clicked["attributionToken"])
    assert tied["errors"] == []
    return checkout_id, tied


def cash(user) -> dict:
    account = Account.objects.filter(member_id=user.pk, kind=Kind.CASH).first()
    if account is None:
        return {"available": Decimal(0), "pending": Decimal(0)}
    return {"available": account.available, "pending": account.pending}


def codes(payload) -> list[str]:
    return [error["code"] for error in payload["errors"]]


# A1: applications and decisions


def test_A1_apply_then_staff_approve_with_a_commission_audited_and_mailed(
    store, configure, rewards_api, customer_user2, staff_can_manage_users, product
):
    configure(storefront_affiliate_url="https://shop.example/p/{product}?aff={code}")
    member = create_access_token(customer_user2)
    staff = create_access_token(staff_can_manage_users)
    applied = rewards_api.execute(
        APPLY,
        {
            "channel": "main",
            "input": {
                "website": "https://blog.example/",
                "socialProfiles": ["https://social.example/@ann"],
                "audience": "10k readers",
                "message": "Hello",
            },
        },
        token=member,
    )["data"]["rewardsAffiliateApply"]
    assert applied["errors"] == [] and applied["affiliate"]["status"] == "PENDING"
    assert applied["affiliate"]["code"] is None
    listed = rewards_api.execute(
        APPLICATIONS, {"channel": "main", "status": "PENDING"}, token=staff
    )["data"]["rewardsAffiliateApplications"]
    assert listed["totalCount"] == 1
    assert listed["edges"][0]["node"]["socialProfiles"] == ["https://social.example/@ann"]

    with store.capture(execute=True):
        decided = rewards_api.execute(
            REVIEW,
            {"id": applied["affiliate"]["id"], "action": "APPROVE", "percent": "2.5"},
            token=staff,
        )["data"]["rewardsAffiliateReview"]

    assert decided["errors"] == []
    code = decided["affiliate"]["code"]
    assert decided["affiliate"]["status"] == "APPROVED" and len(code) == 8
    assert decided["affiliate"]["commissionPercent"] == 2.5
    (event,) = AuditEvent.objects.filter(subject_type="affiliate")
    assert event.type == "affiliate_approved"
    assert event.before["status"] == "pending" and event.after["code"] == code
    assert event.actor_id == str(staff_can_manage_users.pk)
    (message,) = mail.outbox
    assert message.to == [customer_user2.email] and code in message.body
    me = rewards_api.execute(
        ME, {"channel": "main", "product": gid("Product", product.pk)}, token=member
    )["data"]
    product_id = quote(gid("Product", product.pk), safe="")  # "=" padding escaped
    assert me["rewardsAffiliateLink"] == f"https://shop.example/p/{product_id}?aff={code}"
    assert me["rewardsMe"]["affiliate"]["status"] == "APPROVED"
    assert me["rewardsMe"]["affiliate"]["commissionPercent"] == 2.5


def test_A1_applying_twice_is_already_exists_and_customers_cannot_decide(
    store, rewards_api, customer_user2
):
    member = create_access_token(customer_user2)
    variables = {"channel": "main", "input": {"website": "https://blog.example/"}}
    first = rewards_api.execute(APPLY, variables, token=member)["data"]["rewardsAffiliateApply"]
    second = rewards_api.execute(APPLY, variables, token=member)["data"]["rewardsAffiliateApply"]
    decided = rewards_api.execute(
        REVIEW, {"id": first["affiliate"]["id"], "action": "APPROVE"}, token=member
    )["data"]["rewardsAffiliateReview"]

    assert codes(second) == ["ALREADY_EXISTS"]
    assert codes(decided) == ["PERMISSION_DENIED"]
    assert Affiliate.objects.get().status == "pending"


def test_A1_reject_and_suspend_are_audited_once_each_and_final_states_conflict(
    store, rewards_api, shop_program, customer_user, customer_user2, staff_can_manage_users
):
    staff = create_access_token(staff_can_manage_users)
    pending = services.apply(
        shop_program,
        customer_user.pk,
        services.Application(website="https://a.example/"),
        settings=ON,
    )
    approved = approve(shop_program, customer_user2)
    before = set(AuditEvent.objects.values_list("id", flat=True))

    def review(affiliate, action):
        return rewards_api.execute(
            REVIEW, {"id": gid("RewardsAffiliate", affiliate.id), "action": action}, token=staff
        )["data"]["rewardsAffiliateReview"]

    assert review(pending, "REJECT")["affiliate"]["status"] == "REJECTED"
    assert review(approved, "SUSPEND")["affiliate"]["status"] == "SUSPENDED"
    assert codes(review(pending, "SUSPEND")) == ["CONFLICT"]
    assert codes(review(approved, "REJECT")) == ["CONFLICT"]
    assert sorted(AuditEvent.objects.exclude(id__in=before).values_list("type", flat=True)) == [
        "affiliate_rejected",
        "affiliate_suspended",
    ]


def test_A1_nobody_decides_their_own_application(
    store, rewards_api, shop_program, staff_can_manage_users
):
    own = services.apply(
        shop_program,
        staff_can_manage_users.pk,
        services.Application(website="https://me.example/"),
        settings=ON,
    )
    body = rewards_api.execute(
        REVIEW,
        {"id": gid("RewardsAffiliate", own.id), "action": "APPROVE"},
        token=create_access_token(staff_can_manage_users),
    )["data"]["rewardsAffiliateReview"]

    assert codes(body) == ["PERMISSION_DENIED"]
    assert Affiliate.objects.get().status == "pending"


# A2-A4: a tracked sale


@pytest.mark.parametrize("pay", ["pay_legacy", "pay_transaction"])
def test_A3_A4_another_customers_order_earns_one_percent_pending_then_available(
    pay, store, rewards_api, affiliate, customer_user, customer_user2, product
):
    checkout, tied = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    assert tied["attributed"] is True

    order = run(store, getattr(store, pay), checkout)

    # 1 % of the line's 30.00 (shipping aside), in the affiliate's cash, pending
    assert order["chargeStatus"] == "FULL"
    assert cash(customer_user2) == {"available": Decimal(0), "pending": Decimal("0.30")}
    assert cash(customer_user) == {"available": Decimal(0), "pending": Decimal(0)}
    commission = AffiliateCommission.objects.get()
    assert (commission.basis, commission.amount) == (Decimal("30.000"), Decimal("0.300"))

    run(store, store.fulfil, order["id"])

    assert cash(customer_user2) == {"available": Decimal("0.30"), "pending": Decimal(0)}


def test_A3_a_replayed_sync_pays_once(store, rewards_api, affiliate, customer_user2, product):
    from saleor_rewards.saleor_adapter.tasks.orders import sync_order_now

    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 2)]
    )
    order = run(store, store.pay_legacy, checkout)
    order_pk = __import__("graphene").Node.from_global_id(order["id"])[1]

    sync_order_now(order_pk)
    sync_order_now(order_pk)

    assert cash(customer_user2)["pending"] == Decimal("0.20")


@pytest.fixture
def collection_products(product_list, collection):
    """product_list: 10.00, 20.00, 30.00; the second is in the affiliate collection."""
    collection.products.add(product_list[1])
    return product_list


def test_A3_other_collection_products_earn_others_do_not(
    configure, rewards_api, shop_program, customer_user2, product, collection_products
):
    store = configure(affiliate_collection="collection")
    affiliate = approve(shop_program, customer_user2)
    in_collection, outside = collection_products[1], collection_products[2]
    lines = [
        (product.variants.get(), 3),  # the referred product: 30.00
        (in_collection.variants.first(), 1),  # 20.00, an affiliate product
        (outside.variants.first(), 1),  # 30.00, not an affiliate product
    ]
    checkout, _ = referred_checkout(store, rewards_api, affiliate.code, product, lines)

    run(store, store.pay_transaction, checkout)

    assert cash(customer_user2)["pending"] == Decimal("0.50")  # 1 % of 50.00


def test_A3_an_empty_collection_setting_counts_every_product(
    store, rewards_api, affiliate, customer_user2, product, product_list
):
    lines = [(product.variants.get(), 1), (product_list[2].variants.first(), 1)]
    checkout, _ = referred_checkout(store, rewards_api, affiliate.code, product, lines)

    run(store, store.pay_legacy, checkout)

    assert cash(customer_user2)["pending"] == Decimal("0.40")  # 1 % of 10.00 + 30.00


def test_A3_per_affiliate_commission_percent(
    store, rewards_api, shop_program, customer_user2, product
):
    affiliate = approve(shop_program, customer_user2, percent="2.5")
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )

    run(store, store.pay_legacy, checkout)

    assert cash(customer_user2)["pending"] == Decimal("0.75")


def test_A3_own_orders_never_earn(store, rewards_api, shop_program, customer_user, product):
    own = approve(shop_program, customer_user)  # the affiliate is the buyer
    checkout, tied = referred_checkout(
        store, rewards_api, own.code, product, [(product.variants.get(), 3)]
    )
    assert tied["attributed"] is False
    # Even an attribution written on the checkout by other means earns nothing.
    from saleor.checkout.models import Checkout
    from saleor.checkout.utils import get_or_create_checkout_metadata

    visit = AffiliateVisit.objects.filter(affiliate=own).first()
    metadata = get_or_create_checkout_metadata(
        Checkout.objects.get(token=__import__("graphene").Node.from_global_id(checkout)[1])
    )
    metadata.store_value_in_private_metadata({ATTRIBUTION_KEY: services.attribution_token(visit)})
    metadata.save()

    run(store, store.pay_legacy, checkout)

    assert cash(customer_user) == {"available": Decimal(0), "pending": Decimal(0)}
    assert AffiliateCommission.objects.get().amount == 0


def test_A4_a_refund_of_a_line_before_delivery_voids_its_share(
    store, rewards_api, affiliate, customer_user2, product
):
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    order = run(store, store.pay_legacy, checkout)
    line_id = store.order(order["id"])["lines"][0]["id"]

    run(store, store.refund_lines_legacy, order["id"], {line_id: 1})

    assert cash(customer_user2) == {"available": Decimal(0), "pending": Decimal("0.20")}
    assert AffiliateCommission.objects.get().taken_back == Decimal("0.100")


def test_A4_a_refund_of_a_line_after_delivery_revokes_its_share(
    store, rewards_api, affiliate, customer_user2, product
):
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    order = run(store, store.pay_transaction, checkout)
    run(store, store.fulfil, order["id"])
    line_id = store.order(order["id"])["lines"][0]["id"]

    run(store, store.refund_granted, order["id"], {line_id: 1})

    assert cash(customer_user2) == {"available": Decimal("0.20"), "pending": Decimal(0)}
    assert AffiliateCommission.objects.get().taken_back == Decimal("0.100")


def test_A4_a_cancelled_order_voids_the_pending_commission(
    store, rewards_api, affiliate, customer_user2, product
):
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    order = run(store, store.pay_legacy, checkout)

    run(store, store.cancel, order["id"])

    assert cash(customer_user2) == {"available": Decimal(0), "pending": Decimal(0)}
    assert AffiliateCommission.objects.get().reversed


def test_A1_a_suspended_affiliate_earns_nothing_new_earned_stays(
    store, rewards_api, affiliate, customer_user2, product
):
    variant = product.variants.get()
    earlier, _ = referred_checkout(store, rewards_api, affiliate.code, product, [(variant, 3)])
    earlier_order = run(store, store.pay_legacy, earlier)
    later, _ = referred_checkout(store, rewards_api, affiliate.code, product, [(variant, 2)])

    services.review(affiliate.id, "suspend")
    run(store, store.pay_legacy, later)
    run(store, store.fulfil, earlier_order["id"])

    assert cash(customer_user2) == {"available": Decimal("0.30"), "pending": Decimal(0)}
    clicked = rewards_api.execute(
        TRACK, {"code": affiliate.code, "product": gid("Product", product.pk)}
    )["data"]["rewardsAffiliateTrackVisit"]
    assert codes(clicked) == ["NOT_FOUND"]


def test_A2_an_expired_window_earns_nothing(store, rewards_api, affiliate, customer_user2, product):
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    AffiliateVisit.objects.update(created_at=timezone.now() - timedelta(days=31))

    run(store, store.pay_legacy, checkout)

    assert cash(customer_user2) == {"available": Decimal(0), "pending": Decimal(0)}


def test_A2_last_click_wins(
    store, rewards_api, shop_program, affiliate, customer_user2, product, staff_user
):
    other = approve(shop_program, staff_user)
    variant = product.variants.get()
    checkout, _ = referred_checkout(store, rewards_api, affiliate.code, product, [(variant, 3)])
    clicked = track(rewards_api, other.code, product)
    track(rewards_api, other.code, product, checkout, clicked["attributionToken"])

    run(store, store.pay_legacy, checkout)

    assert cash(customer_user2)["pending"] == Decimal(0)
    assert cash(staff_user)["pending"] == Decimal("0.30")


def test_A2_visits_are_rate_limited_per_client_and_keep_no_raw_address(
    store, rewards_api, affiliate, product
):
    for _ in range(services.VISITS_PER_WINDOW):
        assert track(rewards_api, affiliate.code, product)["errors"] == []

    refused = track(rewards_api, affiliate.code, product)

    assert codes(refused) == ["LIMIT_EXCEEDED"]
    assert AffiliateVisit.objects.count() == services.VISITS_PER_WINDOW
    hashes = set(AffiliateVisit.objects.values_list("client_hash", flat=True))
    assert hashes == {services.client_hash("127.0.0.1")}
    assert "127.0.0.1" not in next(iter(hashes))


def test_A2_behind_one_trusted_proxy_a_forged_forwarded_for_does_not_escape_the_limit(
    store, rewards_api, affiliate, product, settings
):
    # SALEOR_REWARDS_TRUSTED_PROXIES=1: the proxy appends the address it saw; whatever
    # the client wrote before it changes with every request.
    settings.SALEOR_REWARDS_TRUSTED_PROXIES = "1"

    def forwarded(forged, client="203.0.113.7"):
        return {"HTTP_X_FORWARDED_FOR": f"{forged}, {client}"}

    for n in range(services.VISITS_PER_WINDOW):
        visit = track(rewards_api, affiliate.code, product, meta=forwarded(f"198.51.100.{n}"))
        assert visit["errors"] == []

    refused = track(rewards_api, affiliate.code, product, meta=forwarded("198.51.100.250"))
    other_client = track(
        rewards_api, affiliate.code, product, meta=forwarded("198.51.100.251", "203.0.113.8")
    )

    assert codes(refused) == ["LIMIT_EXCEEDED"]
    assert other_client["errors"] == []
    hashes = list(AffiliateVisit.objects.values_list("client_hash", flat=True))
    assert hashes.count(services.client_hash("203.0.113.7")) == services.VISITS_PER_WINDOW
    assert hashes.count(services.client_hash("203.0.113.8")) == 1


def test_A2_a_forged_token_or_unknown_code_attributes_nothing(
    store, rewards_api, affiliate, customer_user2, product
):
    checkout = store.checkout([(product.variants.get(), 1)])
    unknown = track(rewards_api, "NOSUCHCODE", product, checkout)
    forged = track(rewards_api, affiliate.code, product, checkout, "forged:token")

    assert codes(unknown) == ["NOT_FOUND"]
    assert forged["attributed"] is True  # a fresh visit, the forged token ignored
    assert AffiliateVisit.objects.count() == 1


def test_A4_stats_show_visits_orders_pending_and_earned(
    store, rewards_api, affiliate, customer_user2, product
):
    variant = product.variants.get()
    first, _ = referred_checkout(store, rewards_api, affiliate.code, product, [(variant, 3)])
    first_order = run(store, store.pay_legacy, first)
    second, _ = referred_checkout(store, rewards_api, affiliate.code, product, [(variant, 1)])
    run(store, store.pay_transaction, second)
    run(store, store.fulfil, first_order["id"])

    stats = rewards_api.execute(
        ME,
        {"channel": "main", "product": gid("Product", product.pk)},
        token=create_access_token(customer_user2),
    )["data"]["rewardsMe"]["affiliate"]["stats"]

    assert (stats["visits"], stats["orders"]) == (2, 2)
    assert stats["commissionPending"] == {"amount": 0.1, "currency": "USD"}
    assert stats["commissionEarned"] == {"amount": 0.3, "currency": "USD"}


# P1-P3


def test_privacy_export_and_erase(store, rewards_api, affiliate, customer_user2, product):
    track(rewards_api, affiliate.code, product)

    exported = privacy.export_member(customer_user2.pk)
    erased = privacy.erase_member(customer_user2.pk, email_hash=None)

    (application,) = exported["affiliateApplications"]
    assert (application["code"], application["visits"]) == (affiliate.code, 1)
    assert application["website"] == "https://blog.example/"
    assert erased == {"affiliates": 1, "affiliate_visits": 1, "affiliate_commissions": 0}
    row = Affiliate.objects.get()
    assert (row.member_id, row.website, row.email_hash, row.status) == (
        None,
        "",
        "",
        "suspended",
    )
    assert privacy.erase_member(customer_user2.pk, email_hash=None) == {
        "affiliates": 0,
        "affiliate_visits": 0,
        "affiliate_commissions": 0,
    }


def test_retention_blanks_stale_visit_hashes(store, rewards_api, affiliate, product):
    track(rewards_api, affiliate.code, product)
    track(rewards_api, affiliate.code, product)
    AffiliateVisit.objects.filter(id=AffiliateVisit.objects.first().id).update(
        created_at=timezone.now() - timedelta(days=VISIT_HASH_DAYS + 1)
    )
    done = []

    assert (
        purge_visit_hashes(timezone.now(), dry_run=True, batch_size=10, progress=done.append) == 1
    )
    purged = purge_visit_hashes(timezone.now(), dry_run=False, batch_size=10, progress=done.append)

    assert purged == 1 and done == [1]
    assert sorted(
        bool(h) for h in AffiliateVisit.objects.values_list("client_hash", flat=True)
    ) == [
        False,
        True,
    ]


CONFIRM = """
mutation Confirm($id: ID!) {
  rewardsOrderConfirmDelivery(orderId: $id) { errors { field code message } }
}
"""


def test_A4_the_buyers_delivery_confirmation_makes_the_commission_available(
    configure, rewards_api, shop_program, customer_user, customer_user2, product
):
    store = configure(auto_confirm_days="7")
    affiliate = approve(shop_program, customer_user2)
    checkout, _ = referred_checkout(
        store, rewards_api, affiliate.code, product, [(product.variants.get(), 3)]
    )
    order = run(store, store.pay_legacy, checkout)
    run(store, store.fulfil, order["id"])
    assert cash(customer_user2) == {"available": Decimal(0), "pending": Decimal("0.30")}

    body = rewards_api.execute(
        CONFIRM, {"id": order["id"]}, token=create_access_token(customer_user)
    )

    assert body["data"]["rewardsOrderConfirmDelivery"]["errors"] == []
    assert cash(customer_user2) == {"available": Decimal("0.30"), "pending": Decimal(0)}
