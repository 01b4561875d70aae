"""The demo's claim chapter (``scripts/demo_claims.py``) played through Django's test
client instead of HTTP: its queries, its upload and its arithmetic hold against this
Saleor, so ``make demo`` does not find out first."""

import json
import os
from types import SimpleNamespace

import pytest
from saleor.core.jwt import create_access_token

from .helpers import ENDPOINT
from .storefront import run

SCRIPTS = os.path.join(os.path.dirname(__file__), "..", "..", "scripts")


@pytest.fixture
def demo_claims(monkeypatch):
    monkeypatch.syspath_prepend(SCRIPTS)
    import demo_claims

    return demo_claims


class ClientSaleor:
    """``saleor_server.Saleor`` over Django's test client."""

    base = "http://testserver"

    def __init__(self, client, checked):
        self.client, self.checked = client, checked

    def _post(self, path, query, variables, token):
        headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
        response = self.client.post(
            path,
            json.dumps({"query": query, "variables": variables or {}}),
            content_type="application/json",
            **headers,
        )
        return self.checked(response.json())

    def graphql(self, query, variables=None, token=None):
        return self._post("/graphql/", query, variables, token)

    def rewards(self, query, variables=None, token=None):
        return self._post(ENDPOINT, query, variables, token)


class Answer:
    def __init__(self, response):
        self.content = response.content

    def read(self):
        return self.content

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_demo_claim_story_figures_hold(
    store, media_root, demo_claims, client, product, customer_user, staff_user, monkeypatch
):
    import saleor_server as srv

    def urlopen(request, timeout=None):  # the multipart upload, through the test client
        response = client.generic(
            "POST",
            "/graphql/",
            request.data,
            content_type=request.get_header("Content-type"),
            HTTP_AUTHORIZATION=request.get_header("Authorization"),
        )
        return Answer(response)

    monkeypatch.setattr(demo_claims.urllib.request, "urlopen", urlopen)
    variant = product.variants.get()

    def pay(name, checkout_id, amount):
        return run(store, store.pay_legacy, checkout_id, amount)

    story = SimpleNamespace(
        saleor=ClientSaleor(client, srv._checked),
        staff=create_access_token(staff_user),
        tokens={"Sam": create_access_token(customer_user)},
        failures=0,
        checkout=lambda name, quantity: (
            checkout := store.checkout([(variant, quantity)]),
            store.total(checkout),
        ),
        pay=pay,
        fulfil=lambda order_id: run(store, store.fulfil, order_id),
    )
    assert demo_claims.claim_story(story, channel=store.channel.slug) == 0
    assert story.failures == 0
