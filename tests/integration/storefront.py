"""Orders made the way a shop makes them: through Saleor's own GraphQL API.

A customer builds a checkout and completes it, paying through either of Saleor's
payment flows; staff fulfil, cancel and refund with the Dashboard's mutations; a
payment App reports refunds on the transactions API. Every call asserts that Saleor
answered without errors, so a test fails at the step that went wrong.
"""

from decimal import Decimal

import graphene

DUMMY_GATEWAY = "saleor.payment.gateways.dummy.plugin.DeprecatedDummyGatewayPlugin"

CHECKOUT_CREATE = """
mutation Create($input: CheckoutCreateInput!) {
  checkoutCreate(input: $input) {
    errors { field code message }
    checkout { id token totalPrice { gross { amount } } shippingMethods { id } }
  }
}
"""

DELIVERY_UPDATE = """
mutation Delivery($id: ID!, $method: ID!) {
  checkoutDeliveryMethodUpdate(id: $id, deliveryMethodId: $method) {
    errors { field code message }
    checkout { totalPrice { gross { amount } } }
  }
}
"""

PROMO_CODE = """
mutation Promo($id: ID!, $code: String!) {
  checkoutAddPromoCode(id: $id, promoCode: $code) {
    errors { field code message }
    checkout { totalPrice { gross { amount } } }
  }
}
"""

CHECKOUT_TOTAL = """
query Total($id: ID!) { checkout(id: $id) { totalPrice { gross { amount currency } } } }
"""

PAYMENT_CREATE = """
mutation Pay($id: ID!, $input: PaymentInput!) {
  checkoutPaymentCreate(id: $id, input: $input) { errors { field code message } }
}
"""

TRANSACTION_CREATE = """
mutation Tx($id: ID!, $transaction: TransactionCreateInput!) {
  transactionCreate(id: $id, transaction: $transaction) {
    errors { field code message }
    transaction { id }
  }
}
"""

CHECKOUT_COMPLETE = """
mutation Complete($id: ID!) {
  checkoutComplete(id: $id) {
    errors { field code message }
    order { id status chargeStatus total { gross { amount } } }
  }
}
"""

ORDER_LINES = """
query Order($id: ID!) {
  order(id: $id) {
    status chargeStatus
    lines { id quantity variant { id } }
    fulfillments { id status }
    transactions { id name }
  }
}
"""

ORDER_FULFILL = """
mutation Fulfill($order: ID!, $input: OrderFulfillInput!) {
  orderFulfill(order: $order, input: $input) {
    errors { field code message }
    fulfillments { id }
  }
}
"""

FULFILLMENT_CANCEL = """
mutation CancelFulfillment($id: ID!, $input: FulfillmentCancelInput) {
  orderFulfillmentCancel(id: $id, input: $input) { errors { field code message } }
}
"""

ORDER_CANCEL = """
mutation Cancel($id: ID!) {
  orderCancel(id: $id) { errors { field code message } order { status } }
}
"""

ORDER_REFUND = """
mutation Refund($id: ID!, $amount: PositiveDecimal!) {
  orderRefund(id: $id, amount: $amount) { errors { field code message } }
}
"""

REFUND_PRODUCTS = """
mutation RefundProducts($order: ID!, $input: OrderRefundProductsInput!) {
  orderFulfillmentRefundProducts(order: $order, input: $input) {
    errors { field code message }
  }
}
"""

GRANT_REFUND = """
mutation Grant($id: ID!, $input: OrderGrantRefundCreateInput!) {
  orderGrantRefundCreate(id: $id, input: $input) {
    errors { field code message }
    grantedRefund { id amount { amount } }
  }
}
"""

REFUND_GRANTED = """
mutation RefundGranted($grant: ID!, $id: ID!) {
  transactionRequestRefundForGrantedRefund(grantedRefundId: $grant, id: $id) {
    errors { field code message }
  }
}
"""

TRANSACTION_UPDATE = """
mutation TxUpdate($id: ID!, $transaction: TransactionUpdateInput!) {
  transactionUpdate(id: $id, transaction: $transaction) { errors { field code message } }
}
"""

TRANSACTION_EVENT_REPORT = """
mutation Report($id: ID!, $type: TransactionEventTypeEnum!, $amount: PositiveDecimal!,
                $psp: String!) {
  transactionEventReport(id: $id, type: $type, amount: $amount, pspReference: $psp) {
    errors { field code message }
  }
}
"""


def gid(type_name: str, pk) -> str:
    return graphene.Node.to_global_id(type_name, pk)


def _data(response, name: str) -> dict:
    content = response.json()
    assert "errors" not in content, content["errors"]
    data = content["data"][name]
    assert not data.get("errors"), data["errors"]
    return data


def _address() -> dict:
    return {
        "firstName": "Ada",
        "lastName": "Lovelace",
        "streetAddress1": "1470  Pinewood Avenue",
        "city": "Michigan",
        "postalCode": "49855",
        "country": "US",
        "countryArea": "MI",
        "phone": "+12025550123",
    }


class Storefront:
    """A customer at the shop, plus the staff and the payment App behind it."""

    def __init__(self, customer_client, staff_client, app_client, channel, warehouse):
        self.customer = customer_client
        self.staff = staff_client
        self.app = app_client
        self.channel = channel
        self.warehouse = warehouse

    # --- checkout -----------------------------------------------------------------

    def checkout(self, lines, *, promo_code=None, shipping=True) -> str:
        """A checkout of ``lines`` [(variant, quantity)], with shipping chosen."""
        data = _data(
            self.customer.post_graphql(
                CHECKOUT_CREATE,
                {
                    "input": {
                        "channel": self.channel.slug,
                        "lines": [
                            {"variantId": gid("ProductVariant", v.pk), "quantity": q}
                            for v, q in lines
                        ],
                        "shippingAddress": _address(),
                        "billingAddress": _address(),
                    }
                },
            ),
            "checkoutCreate",
        )
        checkout_id = data["checkout"]["id"]
        methods = data["checkout"]["shippingMethods"]
        if shipping and methods:
            _data(
                self.customer.post_graphql(
                    DELIVERY_UPDATE, {"id": checkout_id, "method": methods[0]["id"]}
                ),
                "checkoutDeliveryMethodUpdate",
            )
        if promo_code:
            _data(
                self.customer.post_graphql(PROMO_CODE, {"id": checkout_id, "code": promo_code}),
                "checkoutAddPromoCode",
            )
        return checkout_id

    def total(self, checkout_id) -> Decimal:
        content = self.customer.post_graphql(CHECKOUT_TOTAL, {"id": checkout_id}).json()
        return Decimal(str(content["data"]["checkout"]["totalPrice"]["gross"]["amount"]))

    def _complete(self, checkout_id) -> dict:
        return _data(
            self.customer.post_graphql(CHECKOUT_COMPLETE, {"id": checkout_id}),
            "checkoutComplete",
        )["order"]

    def pay_legacy(self, checkout_id, amount=None) -> dict:
        """Legacy payments API: the dummy gateway charges, then the checkout completes."""
        amount = self.total(checkout_id) if amount is None else amount
        _data(
            self.customer.post_graphql(
                PAYMENT_CREATE,
                {
                    "id": checkout_id,
                    "input": {
                        "gateway": "mirumee.payments.dummy",
                        "token": "fully_charged",
                        "amount": str(amount),
                    },
                },
            ),
            "checkoutPaymentCreate",
        )
        return self._complete(checkout_id)

    def pay_transaction(self, checkout_id, amount=None) -> dict:
        """Transactions API: the payment App reports a charge, then the checkout completes."""
        amount = self.total(checkout_id) if amount is None else amount
        _data(
            self.app.post_graphql(
                TRANSACTION_CREATE,
                {
                    "id": checkout_id,
                    "transaction": {
                        "name": "Credit card",
                        "pspReference": f"psp-{checkout_id[-8:]}",
                        "availableActions": ["REFUND"],
                        "amountCharged": {
                            "amount": str(amount),
                            "currency": self.channel.currency_code,
                        },
                    },
                },
            ),
            "transactionCreate",
        )
        return self._complete(checkout_id)

    # --- staff ----------------------------------------------------------------------

    def order(self, order_id) -> dict:
        content = self.staff.post_graphql(ORDER_LINES, {"id": order_id}).json()
        assert "errors" not in content, content["errors"]
        return content["data"]["order"]

    def fulfil(self, order_id, quantities=None) -> str:
        """Fulfil the order (all of it, or {line_id: quantity}); the fulfilment's id."""
        lines = self.order(order_id)["lines"]
        quantities = quantities or {line["id"]: line["quantity"] for line in lines}
        data = _data(
            self.staff.post_graphql(
                ORDER_FULFILL,
                {
                    "order": order_id,
                    "input": {
                        "notifyCustomer": False,
                        "lines": [
                            {
                                "orderLineId": line_id,
                                "stocks": [
                                    {
                                        "quantity": quantity,
                                        "warehouse": gid("Warehouse", self.warehouse.pk),
                                    }
                                ],
                            }
                            for line_id, quantity in quantities.items()
                        ],
                    },
                },
            ),
            "orderFulfill",
        )
        return data["fulfillments"][0]["id"]

    def cancel_fulfilment(self, fulfilment_id) -> None:
        _data(
            self.staff.post_graphql(
                FULFILLMENT_CANCEL,
                {
                    "id": fulfilment_id,
                    "input": {"warehouseId": gid("Warehouse", self.warehouse.pk)},
                },
            ),
            "orderFulfillmentCancel",
        )

    def cancel(self, order_id) -> None:
        _data(self.staff.post_graphql(ORDER_CANCEL, {"id": order_id}), "orderCancel")

    def refund_legacy(self, order_id, amount) -> None:
        _data(
            self.staff.post_graphql(ORDER_REFUND, {"id": order_id, "amount": str(amount)}),
            "orderRefund",
        )

    def refund_lines_legacy(self, order_id, quantities, *, shipping=False) -> None:
        """Refund products with their lines (and the shipping costs, if asked):
        Saleor computes the amount from the lines' prices."""
        _data(
            self.staff.post_graphql(
                REFUND_PRODUCTS,
                {
                    "order": order_id,
                    "input": {
                        "orderLines": [
                            {"orderLineId": line_id, "quantity": quantity}
                            for line_id, quantity in quantities.items()
                        ],
                        "includeShippingCosts": shipping,
                    },
                },
            ),
            "orderFulfillmentRefundProducts",
        )

    def money_transaction(self, order_id) -> str:
        """The payment App's transaction of the order (not the gift card gateway's)."""
        transactions = self.order(order_id)["transactions"]
        return next(t["id"] for t in transactions if t["name"] == "Credit card")

    def report(self, order_id, event_type, amount, psp=None) -> None:
        """The payment App reports an event on the order's money transaction."""
        _data(
            self.app.post_graphql(
                TRANSACTION_EVENT_REPORT,
                {
                    "id": self.money_transaction(order_id),
                    "type": event_type,
                    "amount": str(amount),
                    "psp": psp or f"{event_type.lower()}-{amount}",
                },
            ),
            "transactionEventReport",
        )

    def refund_transaction(self, order_id, amount) -> None:
        """The payment App reports money refunded on the order's transaction."""
        self.report(order_id, "REFUND_SUCCESS", amount, f"refund-{amount}")

    def set_charged(self, order_id, amount) -> None:
        """The payment App rewrites what its transaction has charged (transactionUpdate)."""
        _data(
            self.app.post_graphql(
                TRANSACTION_UPDATE,
                {
                    "id": self.money_transaction(order_id),
                    "transaction": {
                        "amountCharged": {
                            "amount": str(amount),
                            "currency": self.channel.currency_code,
                        }
                    },
                },
            ),
            "transactionUpdate",
        )

    def refund_granted(self, order_id, quantities, *, shipping=False) -> None:
        """Transactions API: staff grant a refund of lines (Saleor computes the amount),
        request it from the payment App's transaction, and the App reports it done.

        The App's side of the request (a webhook Saleor would call) is played here:
        it answers with a PSP reference, as a real App's response would.
        """
        from unittest import mock

        from saleor.plugins.manager import PluginsManager

        transaction_id = self.money_transaction(order_id)
        granted = _data(
            self.staff.post_graphql(
                GRANT_REFUND,
                {
                    "id": order_id,
                    "input": {
                        "transactionId": transaction_id,
                        "grantRefundForShipping": shipping,
                        "lines": [
                            {"id": line_id, "quantity": quantity}
                            for line_id, quantity in quantities.items()
                        ],
                    },
                },
            ),
            "orderGrantRefundCreate",
        )["grantedRefund"]
        psp = f"grant-{granted['id'][-6:]}"

        def app_accepts(manager, action, channel_slug):
            action.event.psp_reference = psp
            action.event.save(update_fields=["psp_reference"])

        with (
            mock.patch.object(PluginsManager, "is_event_active_for_any_plugin", return_value=True),
            mock.patch.object(PluginsManager, "transaction_refund_requested", app_accepts),
        ):
            _data(
                self.app.post_graphql(
                    REFUND_GRANTED, {"grant": granted["id"], "id": transaction_id}
                ),
                "transactionRequestRefundForGrantedRefund",
            )
        amount = granted["amount"]["amount"]
        self.report(order_id, "REFUND_SUCCESS", amount, psp)


def run(store, step, *args, **kwargs):
    """One storefront step, with the after-commit hooks (and tasks) it triggers."""
    with store.capture(execute=True):
        return step(*args, **kwargs)


def points(customer) -> dict:
    from saleor_rewards.ledger import Kind
    from saleor_rewards.ledger.models import Account

    account = Account.objects.filter(member_id=customer.pk, kind=Kind.POINTS).first()
    if account is None:
        return {"available": 0, "pending": 0}
    return {"available": int(account.available), "pending": int(account.pending)}


def entries(customer) -> list[tuple[str, int]]:
    from saleor_rewards.ledger import Kind
    from saleor_rewards.ledger.models import Entry

    return [
        (entry.type, int(entry.available_delta + entry.pending_delta))
        for entry in Entry.objects.filter(
            account__member_id=customer.pk, account__kind=Kind.POINTS
        ).order_by("id")
    ]
