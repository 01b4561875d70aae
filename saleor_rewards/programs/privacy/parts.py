"""The privacy parts of every feature (P1, P2), found like the retention purges.

A feature holding member data has ``programs/<feature>/privacy.py`` with::

    NAME = "<feature>"
    def export_member(member_id: int) -> dict: ...
        # JSON-safe, every channel; others' data (friends, payout details, secrets)
        # masked
    def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]: ...
        # deletes or blanks personal data, never ledger amounts; counts per thing
        # erased; a second call erases nothing more (0s)

``email_hash`` is the member's address as invitations store it
(``referrals.emails.email_hash``: the keyed hash of its canonical form), or None
when the shop no longer knows it. A part never imports this package.

``discover()`` imports each feature's module once and returns the parts in the
order erasure writes them: the row-lock order of ``programs/locks.py`` (tiers,
referrals, reviews, order awards, redemptions), any other feature, and the ledger's
accounts last.
"""

import importlib
import pkgutil
from types import ModuleType

from . import consent

# Erasure order (locks.py): parts named here first, in this order; "ledger" last.
FIRST = ("tiers", "referrals", "reviews", "orders", "redemption", "vouchers")
LAST = ("ledger",)


def _check(module: ModuleType) -> ModuleType:
    for attribute in ("NAME", "export_member", "erase_member"):
        if not hasattr(module, attribute):
            raise TypeError(f"{module.__name__} has no {attribute}: not a privacy part")
    return module


def discover() -> list[ModuleType]:
    from .. import __path__ as programs_path

    found = {consent.NAME: consent}
    for package in pkgutil.iter_modules(programs_path):
        if not package.ispkg or package.name == "privacy":
            continue
        name = f"saleor_rewards.programs.{package.name}.privacy"
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as missing:
            if missing.name != name:
                raise
            continue
        module = _check(module)
        if module.NAME in found:
            raise ValueError(f"two privacy parts are named {module.NAME!r}")
        found[module.NAME] = module

    def position(name: str) -> tuple[int, int, str]:
        if name in FIRST:
            return (0, FIRST.index(name), name)
        if name in LAST:
            return (2, LAST.index(name), name)
        return (1, 0, name)

    return [found[name] for name in sorted(found, key=position)]
