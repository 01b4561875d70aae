"""SPEC O4: the operator console is a Saleor App the plugin serves — its manifest,
its pages and their assets, the install hand-shake — through Saleor's real routing,
and Saleor's own ``appInstall`` installs it from the manifest URL of a running server.

The running server is Django's live-server thread serving Saleor's URLs over real
HTTP on 127.0.0.1, on the test's own database connection (as Django's live server
shares an in-memory SQLite one): Saleor's install task, run eagerly inside the
``appInstall`` request, fetches the manifest and posts the App's token over HTTP,
and the whole test still rolls back. The browser suite (tests/browser) does the same
against Saleor under uvicorn."""

import json

import graphene
import pytest
from django.core.servers.basehttp import ThreadedWSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread, QuietWSGIRequestHandler, _StaticFilesHandler
from saleor.app.manifest_validations import clean_manifest_data
from saleor.app.models import App, AppInstallation
from saleor.graphql.tests.utils import get_graphql_content

from .helpers import PLUGIN_ID

APP = f"/plugins/global/{PLUGIN_ID}/app"
MANIFEST = f"{APP}/manifest"


def _manifest(client):
    response = client.get(MANIFEST)
    assert response.status_code == 200, response.content
    return response.json()


def test_O4_manifest_names_the_console_pages_and_only_the_permissions_screens_use(
    active_rewards_plugin, client, settings
):
    # given a Saleor without PUBLIC_URL: the console is where the request came
    settings.PUBLIC_URL = None

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


def test_O4_manifest_urls_follow_saleors_public_url(active_rewards_plugin, client, settings):
    # given Saleor behind a proxy, its public address set
    settings.PUBLIC_URL = "https://shop.example:8443/"

    # then every URL of the console is under it, whatever Host the request named
    manifest = _manifest(client)
    base = f"https://shop.example:8443{APP}/"
    assert manifest["appUrl"] == base
    assert all(e["url"].startswith(base) for e in manifest["extensions"])


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


class _JoinedRequestsServer(ThreadedWSGIServer):
    # Closing the server waits for its request threads (each closes connections after
    # answering, possibly after the client has its answer), so none outlives the test.
    daemon_threads = False
    block_on_close = True


class _OneRequestPerConnection(QuietWSGIRequestHandler):
    protocol_version = "HTTP/1.0"  # no keep-alive: a request thread ends with its answer


class _LiveSaleor(LiveServerThread):
    server_class = _JoinedRequestsServer

    def _create_server(self, connections_override=None):
        return self.server_class(
            (self.host, self.port),
            _OneRequestPerConnection,
            allow_reuse_address=False,
            connections_override=connections_override,
        )


@pytest.fixture
def running_saleor(monkeypatch):
    """Saleor's URLs served over HTTP by a thread using this test's connections."""
    shared = {alias: connections[alias] for alias in connections}
    for connection in shared.values():
        # The server closes connections after each request; this one holds the
        # test's transaction, so it stays open until the test rolls it back.
        monkeypatch.setattr(connection, "close", lambda: None)
        connection.inc_thread_sharing()
    server = _LiveSaleor("127.0.0.1", _StaticFilesHandler, connections_override=shared)
    server.daemon = True
    server.start()
    server.is_ready.wait()
    if server.error:
        raise server.error
    yield f"http://127.0.0.1:{server.port}"
    server.terminate()
    for connection in shared.values():
        connection.dec_thread_sharing()


APP_INSTALL = """mutation($input: AppInstallInput!) { appInstall(input: $input) {
  errors { field code message } appInstallation { id status } } }"""
APP_EXTENSIONS = """query($id: ID!) { app(id: $id) { name isActive identifier
  extensions { label mountName targetName url permissions { code } } } }"""
CONSOLE_PERMISSIONS = [
    "MANAGE_USERS",
    "MANAGE_GIFT_CARD",
    "MANAGE_DISCOUNTS",
    "MANAGE_PLUGINS",
    "HANDLE_PAYMENTS",
    "MANAGE_ORDERS",
]


@pytest.fixture
def staff_who_installs_apps(
    staff_api_client,
    permission_manage_apps,
    permission_manage_users,
    permission_manage_gift_card,
    permission_manage_discounts,
    permission_manage_plugins,
    permission_manage_payments,
    permission_manage_orders,
):
    # Saleor lets staff give an App only permissions they have themselves.
    staff_api_client.user.user_permissions.add(
        permission_manage_apps,
        permission_manage_users,
        permission_manage_gift_card,
        permission_manage_discounts,
        permission_manage_plugins,
        permission_manage_payments,
        permission_manage_orders,
    )
    return staff_api_client


def test_O4_saleor_installs_the_console_from_its_manifest_url(
    active_rewards_plugin, running_saleor, staff_who_installs_apps, settings
):
    # given the plugin running behind Saleor's HTTP server at its public URL
    settings.PUBLIC_URL = f"{running_saleor}/"
    manifest_url = f"{running_saleor}{MANIFEST}"

    # when a merchant installs the App from the manifest URL (Apps -> Install)
    response = staff_who_installs_apps.post_graphql(
        APP_INSTALL,
        {
            "input": {
                "appName": "Rewards console",
                "manifestUrl": manifest_url,
                "activateAfterInstallation": True,
                "permissions": CONSOLE_PERMISSIONS,
            }
        },
    )

    # then Saleor fetched the manifest, posted the token and made an active App
    assert get_graphql_content(response)["data"]["appInstall"]["errors"] == []
    assert not AppInstallation.objects.exists(), list(
        AppInstallation.objects.values("status", "message")
    )
    app = App.objects.get(identifier="saleor-rewards.console")
    assert app.is_active and app.is_installed
    assert app.manifest_url == manifest_url
    assert app.app_url == f"{running_saleor}{APP}/"
    assert sorted(p.codename for p in app.permissions.all()) == sorted(
        p.lower() for p in CONSOLE_PERMISSIONS
    )

    # and its extensions are in Saleor's app { extensions }
    answer = get_graphql_content(
        staff_who_installs_apps.post_graphql(
            APP_EXTENSIONS, {"id": graphene.Node.to_global_id("App", app.pk)}
        )
    )["data"]["app"]
    extensions = {e["mountName"]: e for e in answer["extensions"]}
    assert set(extensions) == {
        "NAVIGATION_CUSTOMERS",
        "CUSTOMER_DETAILS_MORE_ACTIONS",
        "ORDER_DETAILS_MORE_ACTIONS",
    }
    customer = extensions["CUSTOMER_DETAILS_MORE_ACTIONS"]
    assert (customer["label"], customer["targetName"]) == ("Rewards", "POPUP")
    assert customer["url"] == f"{running_saleor}{APP}/member"
    assert [p["code"] for p in customer["permissions"]] == ["MANAGE_USERS"]
    order = extensions["ORDER_DETAILS_MORE_ACTIONS"]
    assert (order["label"], order["targetName"]) == ("Claims", "POPUP")
    assert [p["code"] for p in order["permissions"]] == ["MANAGE_ORDERS"]
    assert extensions["NAVIGATION_CUSTOMERS"]["targetName"] == "APP_PAGE"


def test_O4_saleor_cannot_install_the_console_while_the_plugin_is_off(
    plugin_configuration_row, running_saleor, staff_who_installs_apps
):
    # given the plugin switched off: its manifest URL answers 404
    plugin_configuration_row(active=False)

    # when a merchant tries to install the console
    response = staff_who_installs_apps.post_graphql(
        APP_INSTALL,
        {
            "input": {
                "appName": "Rewards console",
                "manifestUrl": f"{running_saleor}{MANIFEST}",
                "permissions": ["MANAGE_USERS"],
            }
        },
    )

    # then Saleor records a failed installation and makes no App
    assert get_graphql_content(response)["data"]["appInstall"]["errors"] == []
    installation = AppInstallation.objects.get()
    assert installation.status == "failed"
    assert not App.objects.filter(identifier="saleor-rewards.console").exists()
