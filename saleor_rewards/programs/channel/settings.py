"""A channel's program settings: what is in effect, what the channel overrides, and
the audited change of those overrides (SPEC §0 program settings, P4).

Every per-channel setting of ``config.SETTINGS`` is either overridden in the channel
(``Program.settings[name]``, stored as its text form so it reads back exactly) or
inherited from the plugin configuration. Settings that are not per channel
(``per_channel=False``) are only set in the plugin configuration.

Audit (P4): each change appends one record to ``Program.settings["_changes"]`` — who
(actor type and id), when, and per setting the effective value before and after and
whether it was overridden — and logs the same on the ``saleor_rewards.audit`` logger.
The history lives in the program's own row, written under its row lock in the same
transaction as the overrides, so it cannot miss a change; unlike the ledger it is
append-only by this code only, not by a database trigger.
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone

from ... import config
from ...ledger import Actor
from ...ledger.models import Program
from .. import locks

logger = logging.getLogger("saleor_rewards.audit")

HISTORY_KEY = config.BOOKKEEPING_PREFIX + "changes"
PER_CHANNEL = tuple(setting for setting in config.SETTINGS if setting.per_channel)


@dataclass(frozen=True)
class SettingState:
    name: str
    label: str
    help: str
    value: str  # in effect in the channel
    plugin_value: str  # what the channel inherits: the plugin configuration's value
    default: str  # the SPEC default
    overridden: bool


@dataclass(frozen=True)
class SettingChange:
    name: str
    before: str
    after: str
    overridden_before: bool
    overridden_after: bool


@dataclass(frozen=True)
class ProgramChange:
    changed_at: datetime
    actor: Actor
    settings: tuple[SettingChange, ...]


@dataclass(frozen=True)
class ProgramSettings:
    channel: str
    currency: str
    effective: dict  # typed values, as ``config.resolve`` gives them
    settings: tuple[SettingState, ...]
    changes: tuple[ProgramChange, ...]  # newest first


def program_settings(program: Program, plugin_values: Mapping[str, object]):
    """The channel's settings in effect, each marked overridden or inherited."""
    inherited = config.parse(plugin_values)
    overrides = _overrides(program.settings)
    effective = config.resolve(plugin_values, overrides)
    states = tuple(
        SettingState(
            name=s.name,
            label=s.label,
            help=s.help,
            value=s.as_text(effective[s.name]),
            plugin_value=s.as_text(inherited[s.name]),
            default=s.as_text(s.default),
            overridden=s.name in overrides,
        )  # fmt: skip
        for s in PER_CHANNEL
    )
    history = program.settings.get(HISTORY_KEY, [])
    return ProgramSettings(
        channel=program.channel_slug,
        currency=program.currency,
        effective=effective,
        settings=states,
        changes=tuple(_change_from_json(record) for record in reversed(history)),
    )


def update_program_settings(
    program: Program,
    plugin_values: Mapping[str, object],
    *,
    values: Iterable[tuple[str, object]] = (),
    reset: Iterable[str] = (),
    actor: Actor,
    now: datetime | None = None,
) -> ProgramSettings:
    """Override ``values`` and drop the overrides of ``reset``, all or nothing.

    Raises ``config.SettingsError`` naming every bad setting (unknown, not per
    channel, given twice, both set and reset, or an invalid value); then nothing
    is written. A change is recorded only when an override actually changed.
    """
    values, reset = list(values), list(reset)
    errors = _shape_errors(values, reset)
    try:
        parsed = config.parse(
            {name: value for name, value in values if name not in errors}, partial=True
        )
    except config.SettingsError as error:
        errors.update(error.errors)
    if errors:
        raise config.SettingsError(errors)

    program = locks.programs().get(id=program.id)
    before = program_settings(program, plugin_values)
    stored = dict(program.settings)
    for name in reset:
        stored.pop(name, None)
    for name, value in parsed.items():
        stored[name] = config.BY_NAME[name].as_text(value)
    program.settings = stored
    after = program_settings(program, plugin_values)
    changed = tuple(
        SettingChange(old.name, old.value, new.value, old.overridden, new.overridden)
        for old, new in zip(before.settings, after.settings, strict=True)
        if (old.overridden, old.value) != (new.overridden, new.value)
    )
    if not changed:
        return before
    record = ProgramChange(now or timezone.now(), actor, changed)
    stored[HISTORY_KEY] = [*stored.get(HISTORY_KEY, []), _change_to_json(record)]
    program.settings = stored
    program.save(update_fields=["settings", "updated_at"])
    logger.info(
        "Rewards program %s: settings changed by %s %s: %s",
        program.channel_slug, actor.type, actor.id or "-",
        "; ".join(
            f"{c.name} {c.before!r}{' (own)' if c.overridden_before else ''} -> "
            f"{c.after!r}{' (own)' if c.overridden_after else ' (inherited)'}"
            for c in changed
        ),
    )  # fmt: skip
    return program_settings(program, plugin_values)


def _shape_errors(values: list[tuple[str, object]], reset: list[str]) -> dict:
    errors = {}
    seen = set()
    for name, _value in values:
        if name in seen:
            errors[name] = "is given more than once"
        seen.add(name)
    for name in reset:
        if name in seen:
            errors[name] = "cannot be both set and reset"
    for name in [name for name, _ in values] + reset:
        setting = config.BY_NAME.get(name)
        if setting is None:
            errors[name] = "is not a rewards setting"
        elif not setting.per_channel:
            errors[name] = (
                f"{setting.label} is set in the plugin configuration for all "
                "channels, not per channel"
            )
    return errors


def _overrides(stored: Mapping[str, object]) -> dict:
    return {
        name: value
        for name, value in stored.items()
        if name in config.BY_NAME and config.BY_NAME[name].per_channel
    }


def _change_to_json(change: ProgramChange) -> dict:
    return {
        "at": change.changed_at.isoformat(),
        "actor_type": change.actor.type,
        "actor_id": str(change.actor.id),
        "settings": [
            {"name": c.name, "before": c.before, "after": c.after,
             "overridden_before": c.overridden_before,
             "overridden_after": c.overridden_after}
            for c in change.settings
        ],
    }  # fmt: skip


def _change_from_json(record: Mapping) -> ProgramChange:
    return ProgramChange(
        changed_at=datetime.fromisoformat(record["at"]),
        actor=Actor(record["actor_type"], record["actor_id"]),
        settings=tuple(
            SettingChange(
                c["name"],
                c["before"],
                c["after"],
                c["overridden_before"],
                c["overridden_after"],
            )  # fmt: skip
            for c in record["settings"]
        ),
    )
