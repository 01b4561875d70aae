"""SPEC O4: the operator console is a Saleor App the plugin serves — its manifest,
its pages and their assets, the install hand-shake — through Saleor's real routing.

Saleor's ``appInstall`` from the manifest URL on a running server, and the extensions
in ``app { extensions }``, are in ``tests/browser/test_console_install.py`` (it needs
Saleor serving HTTP, which the browser suite starts)."""

import json

import pytest
from saleor.app.manifest_validations import clean_manifest_data

from .helpers import PLUGIN_ID

APP = f"/plugins/global/{PLUGIN_ID}/app"
MANIFEST = f"{APP}/manifest"


def _manifest(client):
    response = client.get(MANIFEST)
    assert response.status_code == 200, response.content
    return response.json()


def test_O4_manifest_names_the_console_pages_and_only_the_permissions_screens_use(
    active_rewards_plugin, client
):
    # when Saleor (or a merchant) reads the manifest URL
    manifest = _manifest(client)

    # then it is an App manifest whose URLs are the plugin's own pages
    base = f"http://testserver{APP}/"
    assert manifest["id"] == "saleor-rewards.console"
    assert manifest["appUrl"] == base
    assert manifest["tokenTargetUrl"] == base + "register"
    assert sorted(manifest["permissions"]) == sorted(
        [
            "MANAGE_USERS",
            "MANAGE_GIFT_CARD",
            "MANAGE_DISCOUNTS",
            "MANAGE_PLUGINS",
            "HANDLE_PAYMENTS",
            "MANAGE_ORDERS",
        ]
    )
    mounts = {e["mount"]: e for e in manifest["extensions"]}
    assert set(mounts) == {
        "NAVIGATION_CUSTOMERS",
        "CUSTOMER_DETAILS_MORE_ACTIONS",
        "ORDER_DETAILS_MORE_ACTIONS",
    }
    assert mounts["CUSTOMER_DETAILS_MORE_ACTIONS"]["label"] == "Rewards"
    assert mounts["ORDER_DETAILS_MORE_ACTIONS"]["label"] == "Claims"
    assert mounts["ORDER_DETAILS_MORE_ACTIONS"]["permissions"] == ["MANAGE_ORDERS"]
    for extension in manifest["extensions"]:
        assert extension["url"].startswith(base)
        assert set(extension["permissions"]) <= set(manifest["permissions"])


def test_O4_saleor_accepts_the_manifest(active_rewards_plugin, client):
    # given the manifest the plugin serves
    manifest = _manifest(client)

    # when Saleor validates it as appInstall does (saleor/app/installation_utils.py)
    clean_manifest_data(manifest, raise_for_saleor_version=True)

    # then it raised nothing, and Saleor resolved every permission it asks for
    assert {p.codename for p in manifest["permissions"]} == {
        "manage_users",
        "manage_gift_card",
        "manage_discounts",
        "manage_plugins",
        "handle_payments",
        "manage_orders",
    }


@pytest.mark.parametrize("page", ["", "members", "member", "order-claims", "withdrawals"])
def test_O4_every_console_page_is_the_built_single_page_app(active_rewards_plugin, client, page):
    # when the Dashboard opens a page of the console in its iframe
    response = client.get(f"{APP}/{page}", {"customerId": "VXNlcjox"})

    # then the built page answers, never cached, its script under the plugin's route
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert response["Cache-Control"] == "no-cache"
    html = response.content.decode()
    assert f'src="{APP}/assets/' in html
    assert '<div id="root">' in html


def test_O4_built_assets_are_served_with_their_type_and_cached_for_good(
    active_rewards_plugin, client
):
    # given the script the page loads
    html = client.get(f"{APP}/").content.decode()
    script = html.split('src="', 1)[1].split('"', 1)[0]

    # when the browser fetches it
    response = client.get(script)

    # then it is JavaScript, immutable (its name is its content hash)
    assert response.status_code == 200
    assert response["Content-Type"] in ("text/javascript", "application/javascript")
    assert "immutable" in response["Cache-Control"]
    assert b"saleorApiUrl" in b"".join(response.streaming_content)


@pytest.mark.parametrize(
    "path",
    [
        "assets/missing.js",
        "assets/../manifest.py",
        "assets/../../plugin.py",
        "assets/%2e%2e/pages.py",
        "assets/",
    ],
)
def test_O4_nothing_outside_the_built_assets_is_served(active_rewards_plugin, client, path):
    # when a request names a file that is not a built asset, or climbs out of them
    response = client.get(f"{APP}/{path}")

    # then 404, never a file of the package
    assert response.status_code == 404


def test_O4_console_is_off_while_the_plugin_is_off(plugin_configuration_row, client):
    # given the merchant switched the plugin off (I1)
    plugin_configuration_row(active=False)

    # then neither the manifest nor a page is served
    assert client.get(MANIFEST).status_code == 404
    assert client.get(f"{APP}/members").status_code == 404


def test_O4_install_hand_shake_is_acknowledged_and_the_token_not_kept(
    active_rewards_plugin, client
):
    # when Saleor posts the App's token to tokenTargetUrl at installation
    response = client.post(
        f"{APP}/register",
        data=json.dumps({"auth_token": "a" * 30}),
        content_type="application/json",
    )

    # then the plugin answers success (it acts with the staff member's token instead)
    assert response.status_code == 200
    assert response.json() == {"success": True}


@pytest.mark.parametrize("body", [b"", b"not json", b'{"auth_token": 5}', b"[]"])
def test_O4_install_hand_shake_refuses_a_body_without_a_token(active_rewards_plugin, client, body):
    response = client.post(f"{APP}/register", data=body, content_type="application/json")

    assert response.status_code == 400


def test_O4_pages_refuse_other_methods(active_rewards_plugin, client):
    assert client.post(f"{APP}/members").status_code == 405
    assert client.get(f"{APP}/register").status_code == 405
