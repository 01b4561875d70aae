import graphene

from ...config import SettingsError
from ...programs.channel.settings import update_program_settings
from ..errors import RewardsErrorCode
from ..permissions import MANAGE_PLUGINS
from ..types.program import RewardsProgram
from .base import RewardsMutation


class RewardsProgramSettingInput(graphene.InputObjectType):
    name = graphene.String(required=True, description="e.g. points_per_unit")
    value = graphene.String(required=True, description="As text: 200, 2.5, true, ...")


class RewardsProgramInput(graphene.InputObjectType):
    settings = graphene.List(
        graphene.NonNull(RewardsProgramSettingInput),
        description="Values this channel overrides.",
    )
    reset = graphene.List(
        graphene.NonNull(graphene.String),
        description="Names whose override is dropped: the channel inherits the "
        "plugin configuration's value again.",
    )


class RewardsProgramUpdate(RewardsMutation):
    """Staff / Apps: override or reset a channel's program settings (MANAGE_PLUGINS).

    All or nothing: any bad setting is reported (one error per setting, ``field``
    = its name) and nothing is changed. Each change is recorded in ``changes``.
    """

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        input = RewardsProgramInput(required=True)

    program = graphene.Field(RewardsProgram)

    @classmethod
    def errors_for(cls, error):
        if not isinstance(error, SettingsError):
            return super().errors_for(error)
        return [
            {"field": name, "code": RewardsErrorCode.INVALID.value, "message": f"{name}: {message}"}
            for name, message in error.errors.items()
        ]

    @classmethod
    def perform(cls, root, info, *, channel, input):
        context = info.context
        program = context.staff_program(channel, MANAGE_PLUGINS)
        settings = update_program_settings(
            program,
            context.plugin_settings,
            values=[(item.name, item.value) for item in input.get("settings") or []],
            reset=input.get("reset") or [],
            actor=context.requestor.actor(),
        )
        return {"program": settings}
