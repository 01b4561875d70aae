"""The browser suite (SPEC O4): the operator console in a real headless Chromium,
against a real Saleor 3.23 with the plugin, served over HTTP, with seeded data.

    python -m pytest -p no:django tests/browser      # scripts/test.sh runs it

- Saleor: Saleor's own settings on a database of its own (``REWARDS_BROWSER_DB``,
  default ``saleor_rewards_browser``), a fresh copy of a migrated template
  (``<name>_template``, migrated once, ~4 minutes), under uvicorn on 127.0.0.1
  (scripts/saleor_server.py); its output goes to ``.venv-reports/browser-saleor.log``.
- Data: the demo's shop (a channel, a product, staff), an EUR channel for SEPA payouts
  with the demo's payout settings (Fernet keys, the shop's debtor account), a customer
  who bought and received it and reviewed it, thirty more customers (the members list pages), a
  staff member without HANDLE_PAYMENTS; the console installed through Saleor's own
  ``appInstall`` from the plugin's manifest URL.
- The Dashboard: a page of its own (served on another loopback port, another origin;
  Chromium refuses a public page framing a loopback one) that frames the console as
  Saleor's Dashboard does and hands it the App's token
  for the staff member (Saleor's ``app { accessToken }``) through the App Bridge
  hand-shake; the console is driven inside that frame.
- Chromium: Debian's (``CHROMIUM``, default /usr/bin/chromium), never a download.
  Without it, Playwright or Saleor 3.23 the suite is skipped, saying why.
- Screenshots of every screen: ``.venv-reports/screenshots/``.
"""

import http.server
import json
import os
import pathlib
import shutil
import socket
import sys
import threading

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import demo  # noqa: E402  (scripts/demo.py: the shop set-up and a customer's story)
import demo_withdrawals  # noqa: E402  (payout keys, the shop's SEPA account, an EUR channel)
import saleor_server as srv  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
DATABASE = os.environ.get("REWARDS_BROWSER_DB", "saleor_rewards_browser")
TEMPLATE = f"{DATABASE}_template"
REPORTS = ROOT / ".venv-reports"
SCREENSHOTS = REPORTS / "screenshots"
APP_PATH = "/plugins/global/saleor_rewards/app/"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def _why_not() -> str | None:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; the test extras have it)"
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import saleor
    except ImportError:
        return "Saleor is not importable"
    if not saleor.__version__.startswith("3.23."):
        return f"Saleor {saleor.__version__} is installed, the console needs 3.23"
    return None


WHY_NOT = _why_not()


def pytest_collection_modifyitems(config, items):
    if WHY_NOT:
        skip = pytest.mark.skip(reason=f"browser suite skipped: {WHY_NOT}")
        for item in items:
            item.add_marker(skip)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PASSWORD = demo.PASSWORD  # the demo's shop set-up and story sign everyone in with it
LIMITED_STAFF = "limited@example.com"

EXTRA_SEED = """
from saleor.account.models import Group, User
from saleor.permission.models import Permission
limited = User(email="{limited}", is_staff=True, is_active=True, is_confirmed=True)
limited.set_password("{password}")
limited.save()
group = Group.objects.create(name="Rewards without payments", restricted_access_to_channels=False)
group.permissions.set(Permission.objects.filter(codename__in=[
    "manage_users", "manage_gift_card", "manage_discounts", "manage_plugins", "manage_orders",
    "manage_apps"]))
group.user_set.add(limited)
User.objects.bulk_create([
    User(email=f"member{n:02d}@example.com", first_name="Member", last_name=f"{n:02d}",
         is_active=True, is_confirmed=True)
    for n in range(30)
])
"""

TOKEN_CREATE = """mutation($email: String!, $password: String!) {
  tokenCreate(email: $email, password: $password) { token errors { field message } } }"""
APP_INSTALL = """mutation($input: AppInstallInput!) {
  appInstall(input: $input) {
    errors { field code message } appInstallation { id status message } } }"""
APPS = """{ apps(first: 10) { edges { node { id name identifier isActive
  extensions { label mountName targetName url permissions { code } } } } } }"""
APP_TOKEN = """query($id: ID!) { app(id: $id) { accessToken } }"""
REVIEW_SUBMIT = """mutation($line: ID!, $text: String!) {
  rewardsReviewSubmit(orderLineId: $line, text: $text) {
    errors { field code message } review { id } } }"""
CUSTOMER_ID = """query($email: String!) { user(email: $email) { id } }"""


class Shop:
    """The running Saleor and what the suite seeded in it."""

    def __init__(self, saleor, env):
        self.saleor, self.env = saleor, env
        self.base = saleor.base

    def token(self, email: str) -> str:
        data = self.saleor.graphql(TOKEN_CREATE, {"email": email, "password": PASSWORD})
        return data["tokenCreate"]["token"]

    def rewards(self, query, variables=None, token=None) -> dict:
        """The plugin's endpoint; the whole answer (errors included)."""
        return srv.post(
            f"{self.base}/plugins/global/saleor_rewards/graphql/",
            {"query": query, "variables": variables or {}},
            token,
        )

    def schema_has(self, root_field: str) -> bool:
        names = self.rewards(
            "{ __schema { queryType { fields { name } } mutationType { fields { name } } } }"
        )["data"]["__schema"]
        fields = {f["name"] for t in names.values() if t for f in t["fields"]}
        return root_field in fields

    def console_token(self, staff_token: str) -> str:
        """What the Dashboard hands the console: the App's token for this staff member."""
        data = self.saleor.graphql(APP_TOKEN, {"id": self.app_id}, staff_token)
        return data["app"]["accessToken"]


@pytest.fixture(scope="session")
def shop():
    if WHY_NOT:
        pytest.skip(WHY_NOT)
    REPORTS.mkdir(exist_ok=True)
    port = _free_port()
    # PUBLIC_URL: Saleor fetches the manifest with a Host header without the port.
    # The demo's payout settings: Fernet keys and the shop's account SEPA files debit
    # (without them the SEPA file is refused with a configuration error, W6).
    env = srv.saleor_env(
        DATABASE,
        HTTP_IP_FILTER_ALLOW_LOOPBACK_IPS="True",
        PUBLIC_URL=f"http://127.0.0.1:{port}/",
        **demo_withdrawals.DEMO_ENV,
    )
    with srv.logging_to(str(REPORTS / "browser-saleor.log")):
        if not srv.database_exists(TEMPLATE):
            srv.create_database(TEMPLATE)
            srv.migrate(dict(env, DATABASE_URL=f"{srv.SERVER}/{TEMPLATE}"))
        srv.drop_database(DATABASE)
        srv.create_database(DATABASE, template=TEMPLATE)
        srv.migrate(env)
        out = srv.admin(env, "shell", "-c", demo.SHOP_SETUP, capture=True)
        variant_id, warehouse_id = next(
            line.split()[1:] for line in out.splitlines() if line.startswith("IDS ")
        )
        srv.admin(
            env,
            "shell",
            "-c",
            EXTRA_SEED.replace("{limited}", LIMITED_STAFF).replace("{password}", PASSWORD),
        )
        # SEPA transfers are EUR only: the withdrawal queue's test cashes out there.
        srv.admin(env, "shell", "-c", demo_withdrawals.EUR_CHANNEL_SETUP)
        with srv.Saleor(env, port) as saleor:
            shop = Shop(saleor, env)
            _seed(shop, int(variant_id), warehouse_id)
            yield shop


def _seed(shop: Shop, variant_id: int, warehouse_id: str) -> None:
    saleor = shop.saleor
    staff = shop.token("staff@example.com")
    shop.staff_token = staff
    channel_id = saleor.graphql(demo.CHANNEL_ID, {"slug": demo.CHANNEL}, staff)["channel"]["id"]
    saleor.graphql(
        demo.PLUGIN_UPDATE,
        {"id": "saleor_rewards", "channel": None, "input": {"active": True}},
        staff,
    )
    saleor.graphql(
        demo.PLUGIN_UPDATE,
        {"id": "mirumee.payments.dummy", "channel": channel_id, "input": {"active": True}},
        staff,
    )
    # A customer buys, receives and reviews a coffee (B2): a review in the queue.
    story = demo.Story(saleor, shop.env)
    story.staff, story.variant_id, story.warehouse_id = staff, variant_id, warehouse_id
    story.register("Fay")
    story.confirm("Fay", 0)
    checkout_id, total = story.checkout("Fay", 2)
    order = story.pay("Fay", checkout_id, total)
    story.fulfil(order["id"])
    shop.customer_token = story.tokens["Fay"]
    shop.customer_email = story.emails["Fay"]
    shop.order_id = order["id"]
    shop.customer_id = saleor.graphql(CUSTOMER_ID, {"email": shop.customer_email}, staff)["user"][
        "id"
    ]
    line = saleor.graphql(demo.ORDER, {"id": order["id"]}, staff)["order"]["lines"][0]["id"]
    shop.order_line_id = line
    answer = shop.rewards(
        REVIEW_SUBMIT,
        {"line": line, "text": "Lovely coffee, strong and smooth; arrived well packed."},
        shop.customer_token,
    )
    assert not answer["data"]["rewardsReviewSubmit"]["errors"], answer
    # The merchant installs the console from the manifest URL (Apps -> Install).
    shop.manifest_url = f"{shop.base}{APP_PATH}manifest"
    installed = saleor.graphql(
        APP_INSTALL,
        {
            "input": {
                "appName": "Rewards console",
                "manifestUrl": shop.manifest_url,
                "activateAfterInstallation": True,
                "permissions": [
                    "MANAGE_USERS",
                    "MANAGE_GIFT_CARD",
                    "MANAGE_DISCOUNTS",
                    "MANAGE_PLUGINS",
                    "HANDLE_PAYMENTS",
                    "MANAGE_ORDERS",
                ],
            }
        },
        staff,
    )
    shop.installation = installed["appInstall"]["appInstallation"]
    apps = [e["node"] for e in saleor.graphql(APPS, token=staff)["apps"]["edges"]]
    shop.apps = apps
    console = next((a for a in apps if a["identifier"] == "saleor-rewards.console"), None)
    assert console, f"the console was not installed: {json.dumps(shop.installation)}"
    shop.app_id = console["id"]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


HARNESS = """<!doctype html><html><head><title>Saleor Dashboard (test)</title></head>
<body style="margin:0">
<iframe id="app" src="%(src)s" style="border:0;width:100%%;height:%(height)dpx"></iframe>
<script>
  // What Saleor's Dashboard does for an App: hand it the token once it is ready,
  // and acknowledge its actions.
  const frame = document.getElementById("app");
  window.addEventListener("message", (event) => {
    const { type, payload } = event.data || {};
    if (!type) return;
    if (type === "notifyReady") {
      frame.contentWindow.postMessage(
        { type: "handshake", payload: { token: %(token)s, version: 1 } }, "*");
    }
    if (payload && payload.actionId) {
      frame.contentWindow.postMessage(
        { type: "response", payload: { actionId: payload.actionId, ok: true } }, "*");
    }
  });
</script></body></html>"""


class Console:
    """One page of the console, framed as the Dashboard frames it."""

    def __init__(self, page, frame):
        self.page, self.frame = page, frame

    def screenshot(self, name: str) -> pathlib.Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


class _Dashboard(http.server.BaseHTTPRequestHandler):
    pages: dict[str, str] = {}

    def do_GET(self):  # noqa: N802 - http.server's name
        body = self.pages.get(self.path, "").encode()
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def dashboard():
    """The test's Dashboard: serves the framing pages on 127.0.0.1, another origin."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Dashboard)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_console(shop, browser, dashboard, request):
    contexts = []

    def open_(
        page_path: str = "members", *, staff: str = "staff@example.com", params="", channel="demo"
    ):
        token = shop.console_token(shop.token(staff))
        src = (
            f"{shop.base}{APP_PATH}{page_path}?id={shop.app_id}&theme=light"
            f"&saleorApiUrl={shop.base}/graphql/{params}"
        )
        context = browser.new_context(
            viewport={"width": 1400, "height": 1500}, accept_downloads=True
        )
        contexts.append(context)
        page = context.new_page()
        # What the page said and threw: printed, so a failing test shows it.
        page.on("console", lambda message: print(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: print(f"page error: {error}"))
        page.on(
            "requestfailed",
            lambda request: print(f"request failed: {request.url} {request.failure}"),
        )
        html = HARNESS % {"src": src, "token": json.dumps(token), "height": 1480}
        path = f"/dashboard/{len(_Dashboard.pages)}"
        _Dashboard.pages[path] = html
        page.goto(f"{dashboard}{path}")
        frame = page.frame_locator("#app")
        frame.get_by_test_id("console").wait_for(timeout=30_000)
        if channel:  # the seeded data is in the demo's channel, not Saleor's default one
            picker = frame.get_by_test_id("channel").first
            picker.wait_for(timeout=15_000)
            picker.select_option(channel)
        return Console(page, frame)

    yield open_
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for n, context in enumerate(contexts):
        for page in context.pages:  # how each test left the console (failures included)
            page.screenshot(path=str(SCREENSHOTS / f"end-{request.node.name}-{n}.png"))
        context.close()


def copy_to_docs(path: pathlib.Path, name: str) -> None:
    docs = ROOT / "docs"
    docs.mkdir(exist_ok=True)
    shutil.copyfile(path, docs / name)
