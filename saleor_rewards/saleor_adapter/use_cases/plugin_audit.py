"""The plugin's own configuration in the audit trail (P4).

Saleor's ``pluginUpdate`` saves the plugin's settings through
``BasePlugin.save_plugin_configuration`` (a classmethod Saleor 3.23 calls on the
plugin instance the request's manager built, so the instance knows the requestor);
``RewardsPlugin`` wraps it and records one event with what changed.
"""

from saleor.account.models import User
from saleor.app.models import App

from ...events.events import plugin_settings_changed_event
from ...ledger import SYSTEM, Actor, ActorType

SECRET_SUFFIXES = ("_key", "_secret")
MASK = "********"


def audited_values(plugin_configuration) -> dict[str, object]:
    """``active`` and every setting's value; a secret's is masked (a change still
    shows, as a masked before and after)."""
    values: dict[str, object] = {"active": bool(plugin_configuration.active)}
    for item in plugin_configuration.configuration or []:
        name, value = item.get("name"), item.get("value")
        if name:
            values[name] = MASK if name.endswith(SECRET_SUFFIXES) and value else value
    return values


def _raw_values(plugin_configuration) -> dict[str, object]:
    return {
        "active": bool(plugin_configuration.active),
        **{
            item.get("name"): item.get("value") for item in plugin_configuration.configuration or []
        },
    }


def actor_of(requestor) -> Actor:
    """The staff user or App of Saleor's requestor (a lazy object, or None)."""
    if requestor is None:
        return SYSTEM
    # A SimpleLazyObject answers isinstance for what it wraps.
    if isinstance(requestor, App):
        return Actor(ActorType.APP, str(requestor.pk))
    if isinstance(requestor, User):
        return Actor(ActorType.STAFF, str(requestor.pk))
    return SYSTEM


def record_change(plugin_id: str, before_row: dict, after_row, *, requestor) -> None:
    """One event when anything changed; nothing when the save changed nothing.

    ``before_row`` is ``{"raw": ..., "shown": ...}`` taken before the save."""
    after_raw, after_shown = _raw_values(after_row), audited_values(after_row)
    changed = sorted(
        name
        for name in set(before_row["raw"]) | set(after_raw)
        if before_row["raw"].get(name) != after_raw.get(name)
    )
    if not changed:
        return
    plugin_settings_changed_event(
        plugin_id,
        {name: before_row["shown"].get(name) for name in changed},
        {name: after_shown.get(name) for name in changed},
        actor=actor_of(requestor),
    )


def snapshot(plugin_configuration) -> dict:
    return {
        "raw": _raw_values(plugin_configuration),
        "shown": audited_values(plugin_configuration),
    }
