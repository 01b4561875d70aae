"""The App manifest Saleor reads when a merchant installs the console (SPEC O4).

Saleor's ``appInstall`` fetches it from the manifest URL and creates the App and its
Dashboard extensions from it (``saleor/app/installation_utils.py``, 3.23). The App asks
only for the permissions the screens use (SPEC §0): a staff member sees, through the
App, the intersection of the App's permissions and their own, so these are a ceiling,
never a grant.
"""

APP_ID = "saleor-rewards.console"
APP_NAME = "Rewards console"

# Screen -> the Saleor permission the plugin checks for it (graphql/permissions.py,
# SPEC §0). Adding a screen that needs another permission adds it here.
PERMISSIONS = (
    "MANAGE_USERS",  # members, reviews, affiliates (read, moderate, restrict, erase)
    "MANAGE_GIFT_CARD",  # balance credits
    "MANAGE_DISCOUNTS",  # tiers' discounts and caps
    "MANAGE_PLUGINS",  # program settings, liability, audit trail
    "HANDLE_PAYMENTS",  # withdrawals and their payout files
    "MANAGE_ORDERS",  # claims and the deposit
)

# The pages the Dashboard mounts (app-sdk's AppExtensionMount for Saleor 3.23). Each
# URL is a page of the console; the Dashboard adds ``customerId`` / ``orderId``.
EXTENSIONS = (
    {
        "identifier": "rewards-navigation",
        "label": "Rewards",
        "mount": "NAVIGATION_CUSTOMERS",
        "target": "APP_PAGE",
        "page": "members",
        "permissions": ["MANAGE_USERS"],
    },
    {
        "identifier": "rewards-customer",
        "label": "Rewards",
        "mount": "CUSTOMER_DETAILS_MORE_ACTIONS",
        "target": "POPUP",
        "page": "member",
        "permissions": ["MANAGE_USERS"],
    },
    {
        "identifier": "rewards-order-claims",
        "label": "Claims",
        "mount": "ORDER_DETAILS_MORE_ACTIONS",
        "target": "POPUP",
        "page": "order-claims",
        "permissions": ["MANAGE_ORDERS"],
    },
)


def app_manifest(app_base_url: str, *, version: str) -> dict:
    """The manifest, every URL absolute under ``app_base_url`` (``.../app/``)."""
    base = app_base_url.rstrip("/") + "/"
    return {
        "id": APP_ID,
        "name": APP_NAME,
        "version": version,
        "about": "Operate saleor-rewards: members, reviews, affiliates, withdrawals, "
        "claims, tiers, program settings and the liability report.",
        "permissions": list(PERMISSIONS),
        "appUrl": base,
        "tokenTargetUrl": base + "register",
        "dataPrivacy": "The console stores nothing: it shows what the rewards API "
        "answers to the signed-in staff member.",
        "extensions": [
            {
                "identifier": extension["identifier"],
                "label": extension["label"],
                "mount": extension["mount"],
                "target": extension["target"],
                "url": base + extension["page"],
                "permissions": list(extension["permissions"]),
            }
            for extension in EXTENSIONS
        ],
    }
