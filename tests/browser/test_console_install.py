"""SPEC O4: Saleor installs the console from the plugin's manifest URL (its own
``appInstall``, on a running server) and lists its Dashboard extensions."""

APP_PATH = "/plugins/global/saleor_rewards/app/"


def test_O4_saleor_installs_the_console_from_the_manifest_url(shop):
    # given the merchant's appInstall with the manifest URL (the suite's set-up)
    # then the installation succeeded and Saleor made an active App of it
    assert shop.installation["status"] in ("SUCCESS", "PENDING"), shop.installation
    console = next(a for a in shop.apps if a["id"] == shop.app_id)
    assert console["isActive"] is True
    assert console["name"] == "Rewards console"


def test_O4_extensions_appear_in_saleors_app_extensions(shop):
    console = next(a for a in shop.apps if a["id"] == shop.app_id)
    extensions = {e["mountName"]: e for e in console["extensions"]}

    # Saleor 3.23 stores mounts and targets lower-case and answers them upper-case
    assert set(extensions) == {
        "NAVIGATION_CUSTOMERS",
        "CUSTOMER_DETAILS_MORE_ACTIONS",
        "ORDER_DETAILS_MORE_ACTIONS",
    }
    customer = extensions["CUSTOMER_DETAILS_MORE_ACTIONS"]
    assert customer["label"] == "Rewards"
    assert customer["targetName"] == "POPUP"
    assert customer["url"] == f"{shop.base}{APP_PATH}member"
    assert [p["code"] for p in customer["permissions"]] == ["MANAGE_USERS"]
    order = extensions["ORDER_DETAILS_MORE_ACTIONS"]
    assert order["label"] == "Claims"
    assert [p["code"] for p in order["permissions"]] == ["MANAGE_ORDERS"]
    assert extensions["NAVIGATION_CUSTOMERS"]["targetName"] == "APP_PAGE"


def test_O4_the_apps_token_for_staff_carries_only_what_both_may_do(shop):
    # given a staff member without HANDLE_PAYMENTS
    import base64
    import json

    token = shop.console_token(shop.token("limited@example.com"))
    payload = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))

    # then the token the Dashboard hands the console does not carry it either
    assert "HANDLE_PAYMENTS" not in payload["permissions"]
    assert "MANAGE_USERS" in payload["permissions"]
