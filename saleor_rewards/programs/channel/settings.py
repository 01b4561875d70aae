"""A channel's program settings: what is in effect, what the channel overrides, and
the audited change of those overrides (SPEC §0 program settings, P4).

Every setting of ``config.SETTINGS`` is either overridden in the channel
(``Program.settings[name]``, stored as its text form so it reads back exactly) or
inherited from the plugin configuration.

Audit (P4): each change writes one ``PROGRAM_SETTINGS_CHANGED`` audit event — who
(actor type and id), when, and per changed setting the effective value before and
after and whether it was overridden — and logs the same on the
``saleor_rewards.audit`` logger. The event is written under the program's row lock in
the same transaction as the overrides, so it cannot miss a change, and the database
refuses to change or delete it afterwards (migration 0008, which also moved the
history that used to live in ``Program.settings["_changes"]``).
"""

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from ... import config
from ...events.events import program_settings_changed_event
from ...events.models import AuditEvent, AuditEventType
from ...ledger import Actor
from ...ledger.models import Program
from .. import locks

logger = logging.getLogger("saleor_rewards.audit")

_ORDER = {setting.name: index for index, setting in enumerate(config.SETTINGS)}


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
    effective, states = _states(program, plugin_values)
    # Newest first in the order written (id), as the history was appended; not by
    # ``created_at``, which a caller may set.
    events = AuditEvent.objects.filter(
        program=program, type=AuditEventType.PROGRAM_SETTINGS_CHANGED
    ).order_by("-id")
    return ProgramSettings(
        channel=program.channel_slug,
        currency=program.currency,
        effective=effective,
        settings=states,
        changes=tuple(_change_from_event(event) for event in events),
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

    Raises ``config.SettingsError`` naming every bad setting (unknown, given twice,
    both set and reset, or an invalid value); then nothing is written. A change is
    recorded only when an override actually changed.
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

    with transaction.atomic():
        program = locks.programs().get(id=program.id)
        _, before = _states(program, plugin_values)
        stored = dict(program.settings)
        for name in reset:
            stored.pop(name, None)
        for name, value in parsed.items():
            stored[name] = config.BY_NAME[name].as_text(value)
        program.settings = stored
        _, after = _states(program, plugin_values)
        changed = tuple(
            SettingChange(old.name, old.value, new.value, old.overridden, new.overridden)
            for old, new in zip(before, after, strict=True)
            if (old.overridden, old.value) != (new.overridden, new.value)
        )
        if not changed:
            return program_settings(program, plugin_values)
        program.save(update_fields=["settings", "updated_at"])
        program_settings_changed_event(
            program,
            before={
                c.name: {"value": c.before, "overridden": c.overridden_before} for c in changed
            },
            after={c.name: {"value": c.after, "overridden": c.overridden_after} for c in changed},
            actor=actor,
            at=now or timezone.now(),
        )
    logger.info(
        "Rewards program %s: settings changed by %s %s: %s",
        program.channel_slug,
        actor.type,
        actor.id or "-",
        "; ".join(
            f"{c.name} {c.before!r}{' (own)' if c.overridden_before else ''} -> "
            f"{c.after!r}{' (own)' if c.overridden_after else ' (inherited)'}"
            for c in changed
        ),
    )
    return program_settings(program, plugin_values)


def _states(program: Program, plugin_values: Mapping[str, object]):
    """The effective typed values and the state of each per-channel setting."""
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
        )
        for s in config.SETTINGS
    )
    return effective, states


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
        if name not in config.BY_NAME:
            errors[name] = "is not a rewards setting"
        elif name in config.GLOBAL_ONLY:
            errors[name] = "is set in the plugin configuration only, not per channel"
    return errors


def _overrides(stored: Mapping[str, object]) -> dict:
    return {
        name: value
        for name, value in stored.items()
        if name in config.BY_NAME and name not in config.GLOBAL_ONLY
    }


def _change_from_event(event: AuditEvent) -> ProgramChange:
    # Settings in the table's order; one no longer in the table last, by name.
    names = sorted(event.after, key=lambda name: (_ORDER.get(name, len(_ORDER)), name))
    return ProgramChange(
        changed_at=event.created_at,
        actor=Actor(event.actor_type, event.actor_id),
        settings=tuple(
            SettingChange(
                name,
                event.before[name]["value"],
                event.after[name]["value"],
                event.before[name]["overridden"],
                event.after[name]["overridden"],
            )
            for name in names
        ),
    )
