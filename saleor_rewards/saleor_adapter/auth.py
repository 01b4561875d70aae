"""The caller of the plugin's endpoint, resolved by Saleor's own machinery.

An App token (Saleor's 30-character tokens) makes an App requestor; a Saleor access
token (JWT) a customer or staff requestor; anything else, including a forged,
expired or revoked token, is anonymous.

A staff member acts in the channels Saleor gives them (SPEC §0): through their
permission groups, all channels unless every group is restricted
(``restricted_access_to_channels``), and none without a group — Saleor's own rule
(``graphql/account/dataloaders.py``, as ``check_channel_permissions`` applies it).
Apps are not channel-restricted, in Saleor either.
"""

import logging

from saleor.core.utils.lazyobjects import unwrap_lazy
from saleor.graphql.account.dataloaders import (
    AccessibleChannelsByUserIdLoader,
    RestrictedChannelAccessByUserIdLoader,
)
from saleor.graphql.app.dataloaders.utils import promise_app
from saleor.graphql.context import get_context_value

from ..graphql.context import ANONYMOUS, Requestor, RequestorKind
from ..graphql.permissions import (
    HANDLE_PAYMENTS,
    MANAGE_DISCOUNTS,
    MANAGE_GIFT_CARD,
    MANAGE_ORDERS,
    MANAGE_PLUGINS,
    MANAGE_USERS,
)

logger = logging.getLogger(__name__)

# The Saleor permissions the plugin's operations check (graphql/permissions.py).
PERMISSIONS = (
    MANAGE_USERS,
    MANAGE_PLUGINS,
    MANAGE_GIFT_CARD,
    MANAGE_DISCOUNTS,
    HANDLE_PAYMENTS,
    MANAGE_ORDERS,
)


def staff_channels(context, user) -> frozenset[str] | None:
    """The slugs of the channels ``user`` may act in; None = every channel."""
    if not RestrictedChannelAccessByUserIdLoader(context).load(user.id).get():
        return None
    channels = AccessibleChannelsByUserIdLoader(context).load(user.id).get()
    return frozenset(channel.slug for channel in channels)


def requestor_from_request(request) -> Requestor:
    try:
        context = get_context_value(request)
        app = promise_app(context).get()
        if app is not None:
            if not app.is_active:
                return ANONYMOUS
            return Requestor(
                kind=RequestorKind.APP,
                app_id=app.id,
                permissions=frozenset(p for p in PERMISSIONS if app.has_perm(p)),
            )
        # Saleor's context.user is a SimpleLazyObject, wrapping None when no token.
        user = unwrap_lazy(context.user)
        if user is None or not user.is_active:
            return ANONYMOUS
        channels = staff_channels(context, user) if user.is_staff else None
    except Exception as error:  # a bad token: jwt errors, unknown user, ...
        logger.info("rewards endpoint: token refused, caller is anonymous: %s", error)
        return ANONYMOUS
    if user.is_staff:
        return Requestor(
            kind=RequestorKind.STAFF,
            user_id=user.id,
            email=user.email,
            permissions=frozenset(p for p in PERMISSIONS if user.has_perm(p)),
            channels=channels,
        )
    return Requestor(kind=RequestorKind.CUSTOMER, user_id=user.id, email=user.email)
