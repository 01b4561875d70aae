"""``python -m saleor_rewards.graphql.print_schema > rewards_schema.graphql``"""

import os


def printed_schema() -> str:
    from .schema import schema

    return str(schema).rstrip() + "\n"


if __name__ == "__main__":
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
    django.setup()
    print(printed_schema(), end="")
