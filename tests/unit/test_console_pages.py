"""SPEC O4: the console's manifest and pages, as the plugin answers them (without
Saleor; tests/integration/test_console_app.py goes through Saleor's routing)."""

import json

import pytest
from django.test import RequestFactory

from saleor_rewards.console_app import manifest, pages

BASE = "https://shop.example/plugins/global/saleor_rewards/app/"


def _get(path, **params):
    request = RequestFactory().get(f"/plugins/global/saleor_rewards{path}", params)
    return pages.respond(request, path, app_base_url=BASE)


def test_O4_manifest_urls_are_pages_under_the_plugins_route():
    answer = manifest.app_manifest(BASE, version="1.2.3")

    assert answer["version"] == "1.2.3"
    assert answer["appUrl"] == BASE
    assert answer["tokenTargetUrl"] == BASE + "register"
    urls = [e["url"] for e in answer["extensions"]]
    assert urls == [BASE + "members", BASE + "member", BASE + "order-claims"]


def test_O4_extensions_ask_only_for_permissions_the_app_has():
    answer = manifest.app_manifest(BASE, version="1")

    for extension in answer["extensions"]:
        assert set(extension["permissions"]) <= set(answer["permissions"])
    assert len(set(answer["permissions"])) == len(answer["permissions"])


def test_O4_manifest_route_answers_json():
    response = _get("/app/manifest")

    assert response.status_code == 200
    assert json.loads(response.content)["id"] == manifest.APP_ID


@pytest.mark.parametrize("path", ["/app", "/app/", "/app/members", "/app/member"])
def test_O4_page_routes_answer_the_built_page(path):
    response = _get(path, customerId="VXNlcjox")

    assert response.status_code == 200
    assert b'<div id="root">' in response.content


@pytest.mark.parametrize(
    "path", ["/app/assets/../manifest.py", "/app/assets/../../plugin.py", "/app/assets/nope.js"]
)
def test_O4_only_built_assets_are_served(path):
    assert _get(path).status_code == 404


def test_O4_every_asset_the_page_names_is_served():
    html = _get("/app/").content.decode()
    names = [part.split('"', 1)[0] for part in html.split("/app/assets/")[1:]]

    assert names  # the script and the stylesheet
    for name in names:
        response = _get(f"/app/assets/{name}")
        assert response.status_code == 200, name
        assert "immutable" in response["Cache-Control"]


def test_O4_register_acknowledges_the_apps_token():
    request = RequestFactory().post(
        "/x", data=json.dumps({"auth_token": "t" * 30}), content_type="application/json"
    )

    response = pages.respond(request, "/app/register", app_base_url=BASE)

    assert response.status_code == 200
    assert json.loads(response.content) == {"success": True}


def test_O4_handles_only_the_consoles_route():
    assert pages.handles("/app/members")
    assert pages.handles("/app")
    assert not pages.handles("/graphql/")
    assert not pages.handles("/apple")
    assert not pages.handles(None)
