import graphene

from ...programs.affiliates import services as affiliates
from ..ids import decode_id, decode_uuid_id
from .base import RewardsMutation


class RewardsAffiliateTrackVisit(RewardsMutation):
    """Public: the storefront reports a visit through an affiliate link (A2).

    Answers a signed ``attributionToken`` to keep (a cookie). Once the visitor has a
    checkout, send it again with the ``checkoutId``: the checkout (and the order it
    becomes) is attributed to that visit for ``affiliate_window_days``; the last
    visit reported wins. Rate-limited per client (LIMIT_EXCEEDED).
    """

    class Arguments:
        code = graphene.String(required=True, description="The affiliate code of the link.")
        product_id = graphene.ID(required=True, description="Saleor Product id of the link.")
        checkout_id = graphene.ID(description="Saleor Checkout id, once there is one.")
        attribution_token = graphene.String(description="The token an earlier visit answered.")

    attribution_token = graphene.String()
    attributed = graphene.Boolean(description="The checkout is now attributed to this visit.")

    @classmethod
    def perform(cls, root, info, *, code, product_id, checkout_id=None, attribution_token=None):
        context = info.context
        product = decode_id(product_id, "Product", field="productId")
        token = decode_uuid_id(checkout_id, "Checkout", field="checkoutId") if checkout_id else None
        tracked = affiliates.track_visit(
            code,
            product,
            shop=context.shop.affiliates,
            client_ip=context.client_ip,
            checkout_token=token,
            token=attribution_token,
            settings_for=context.settings_for,
        )
        return {"attribution_token": tracked.token, "attributed": tracked.attributed}
