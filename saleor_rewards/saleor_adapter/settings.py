"""The plugin's configuration as Saleor stores it, for code that runs outside a request.

Tasks run in a Celery worker where no plugin instance is at hand, so they read the
global ``PluginConfiguration`` row the Dashboard saves (the plugin is global:
``CONFIGURATION_PER_CHANNEL = False``). An inactive or unconfigured plugin earns
nothing: its programs count as disabled.
"""

import logging

from saleor.core.db.connection import allow_writer
from saleor.plugins.models import PluginConfiguration

from .. import config
from ..ledger.models import Program

PLUGIN_ID = "saleor_rewards"

logger = logging.getLogger(__name__)


def _stored() -> PluginConfiguration | None:
    return PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel=None).first()


def plugin_active() -> bool:
    """Whether the merchant has the plugin switched on (SPEC I1)."""
    stored = _stored()
    return stored is not None and stored.active


def switched_off(job: str) -> bool:
    """True, and logged, when a scheduled ``job`` must not run: switched off, the
    plugin posts nothing (I1). Every job catches up once it is switched on again:
    what fell due meanwhile is still due."""
    with allow_writer():  # a Celery task: Saleor's writer guard needs a say-so
        if plugin_active():
            return False
    logger.info("saleor-rewards is switched off: %s skipped.", job)
    return True


def plugin_settings() -> dict:
    """Raw setting values: the saved configuration over the defaults.

    ``program_enabled`` is forced off while the plugin is inactive in the Dashboard.
    """
    values = {setting.name: setting.default for setting in config.SETTINGS}
    stored = _stored()
    if stored is not None:
        values.update(
            {
                item["name"]: item.get("value")
                for item in stored.configuration
                if item.get("name") in config.BY_NAME
            }
        )
    if stored is None or not stored.active:
        values["program_enabled"] = False
    return values


def program_settings(program: Program) -> dict:
    """A channel's effective settings (per-channel overrides over the plugin's)."""
    return config.resolve(plugin_settings(), program.settings)


# Jobs of the programs (the retention purges) read the plugin's values through config.
config.read_plugin_values_with(plugin_settings)
