"""The plugin's configuration as Saleor stores it, for code that runs outside a request.

Tasks run in a Celery worker where no plugin instance is at hand, so they read the
global ``PluginConfiguration`` row the Dashboard saves (the plugin is global:
``CONFIGURATION_PER_CHANNEL = False``). An inactive or unconfigured plugin earns
nothing: its programs count as disabled.
"""

from saleor.plugins.models import PluginConfiguration

from .. import config
from ..ledger.models import Program

PLUGIN_ID = "saleor_rewards"


def _stored() -> PluginConfiguration | None:
    return PluginConfiguration.objects.filter(identifier=PLUGIN_ID, channel=None).first()


def plugin_settings() -> dict:
    """Raw setting values: the saved configuration over the defaults.

    ``program_enabled`` is forced off while the plugin is inactive in the Dashboard.
    """
    values = {setting.name: setting.default for setting in config.SETTINGS}
    stored = _stored()
    if stored is not None:
        values.update(
            {item["name"]: item.get("value") for item in stored.configuration
             if item.get("name") in config.BY_NAME}
        )  # fmt: skip
    if stored is None or not stored.active:
        values["program_enabled"] = False
    return values


def program_settings(program: Program) -> dict:
    """A channel's effective settings (per-channel overrides over the plugin's)."""
    return config.resolve(plugin_settings(), program.settings)
