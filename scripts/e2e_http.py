"""End to end over HTTP against a running Saleor 3.23 with the plugin installed.

    .venv/bin/python scripts/e2e_http.py [--fresh] [--port 8765]

1. `django-admin migrate` with Saleor's own settings on a database of its own
   (default saleor_rewards_e2e; --fresh drops it first: ~4 minutes of migrations);
2. checks that Saleor lists saleor_rewards.plugin.RewardsPlugin in PLUGINS;
3. creates a channel, a customer with some points, and activates the plugin;
4. starts Saleor's ASGI app with uvicorn on 127.0.0.1, signs the customer in with
   Saleor's own `tokenCreate` mutation, and asks the plugin's endpoint for
   `rewardsMe` with that JWT; also checks that no token gets PERMISSION_DENIED.

Exits non-zero on any failure. Talks only to 127.0.0.1.
"""

import argparse
import json
import sys

import saleor_server as srv

PASSWORD = "e2e-Passw0rd!"
EMAIL = "e2e-customer@example.com"

SETUP = f"""
from django.conf import settings
from saleor.account.models import User
from saleor.channel.models import Channel
from saleor.plugins.models import PluginConfiguration
from saleor_rewards import ledger
from saleor_rewards.saleor_adapter.use_cases.programs import create_program

assert "saleor_rewards.plugin.RewardsPlugin" in settings.PLUGINS, settings.PLUGINS
print("PLUGINS lists saleor_rewards.plugin.RewardsPlugin")
channel, _ = Channel.objects.get_or_create(
    slug="e2e", defaults=dict(name="E2E", currency_code="EUR", default_country="DE",
                              is_active=True))
user = User.objects.filter(email="{EMAIL}").first()
if user is None:
    user = User(email="{EMAIL}", is_active=True, is_confirmed=True)
    user.set_password("{PASSWORD}")
    user.save()
PluginConfiguration.objects.update_or_create(
    identifier="saleor_rewards", channel=None, defaults=dict(active=True, name="Rewards"))
program = create_program(channel)  # what channel_created does
points = ledger.open_account(program, user.id, "points")
ledger.credit(points, 300, key="e2e-seed-available", source="bonus", expires_in_days=60)
ledger.credit(points, 45, key="e2e-seed-pending", source="loyalty", pending=True)
print("customer", user.id, "seeded: 300 available, 45 pending")
"""


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true", help="drop the database first")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--database", default="saleor_rewards_e2e")
    args = parser.parse_args()

    env = srv.saleor_env(args.database)
    if args.fresh:
        srv.step(f"Dropping database {args.database}")
        srv.drop_database(args.database)
    if not srv.database_exists(args.database):
        srv.create_database(args.database)

    srv.step("manage.py migrate (Saleor's settings; saleor_rewards' migrations included)")
    print(f"migrate took {srv.migrate(env):.0f} s")
    shown = srv.admin(env, "showmigrations", "saleor_rewards", capture=True)
    print(shown)
    if "[ ]" in shown or "[X]" not in shown:
        print("FAIL: saleor_rewards migrations are not all applied")
        return 1

    srv.step("Channel, customer, points; plugin activated")
    srv.admin(env, "shell", "-c", SETUP)

    srv.step(f"Starting Saleor (uvicorn saleor.asgi:application) on 127.0.0.1:{args.port}")
    with srv.Saleor(env, args.port) as saleor:
        srv.step("Customer signs in with Saleor's tokenCreate")
        login = srv.post(
            f"{saleor.base}/graphql/",
            {
                "query": "mutation($e: String!, $p: String!) { tokenCreate(email: $e, "
                "password: $p) { token errors { message } } }",
                "variables": {"e": EMAIL, "p": PASSWORD},
            },
        )
        token = login["data"]["tokenCreate"]["token"]
        if not token:
            print("FAIL:", login)
            return 1
        print("got a JWT of", len(token), "characters")

        endpoint = f"{saleor.base}/plugins/global/saleor_rewards/graphql/"
        query = {
            "query": 'query { rewardsMe(channel: "e2e") { userId '
            "points { available pending held } "
            "history(first: 5) { totalCount } } }"
        }
        srv.step(f"POST {endpoint} rewardsMe with the customer's JWT")
        answer = srv.post(endpoint, query, token)
        print(json.dumps(answer, indent=2))
        me = (answer.get("data") or {}).get("rewardsMe") or {}
        ok = me.get("points") == {"available": 300, "pending": 45, "held": 0}
        ok = ok and me.get("history", {}).get("totalCount") == 2

        srv.step("The same query without a token")
        anonymous = srv.post(endpoint, query)
        print(json.dumps(anonymous))
        denied = anonymous["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
        if ok and denied and anonymous["data"]["rewardsMe"] is None:
            print("\nPASS: a customer's JWT gets rewardsMe over HTTP; no token is denied")
            return 0
        print("\nFAIL: unexpected answers")
        return 1


if __name__ == "__main__":
    sys.exit(main())
