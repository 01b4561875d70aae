"""What a request brings to the schema: who is calling, and the shop behind it.

The Saleor adapter builds these from Saleor's own auth and its implementations of
the features' ports (``ports.Shop``); the schema itself never imports Saleor, so it
also runs in the Saleor-independent suite (with the fakes of ``tests/fakes.py``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field

from .. import config
from ..ledger import Actor, ActorType
from ..ledger.errors import PermissionDenied, UnknownChannel
from ..ledger.models import Program
from .ports import Shop


class RequestorKind:
    ANONYMOUS = "anonymous"
    CUSTOMER = "customer"
    STAFF = "staff"
    APP = "app"


@dataclass(frozen=True)
class Requestor:
    kind: str = RequestorKind.ANONYMOUS
    user_id: int | None = None
    app_id: int | None = None
    email: str | None = None
    permissions: frozenset[str] = field(default_factory=frozenset)
    # The channel slugs a staff member may act in, from Saleor's permission groups
    # (``restricted_access_to_channels``); None = every channel (Apps are never
    # restricted, and customers only ever reach their own data).
    channels: frozenset[str] | None = None

    @property
    def is_anonymous(self) -> bool:
        return self.kind == RequestorKind.ANONYMOUS

    def has_perm(self, permission: str) -> bool:
        return self.kind in (RequestorKind.STAFF, RequestorKind.APP) and (
            permission in self.permissions
        )

    def require_user(self) -> int:
        if self.user_id is None:
            raise PermissionDenied("You need to sign in as a customer to do this.")
        return self.user_id

    def require_perm(self, permission: str) -> None:
        if not self.has_perm(permission):
            raise PermissionDenied(f"You need the {permission} permission to do this.")

    def require_any_perm(self, *permissions: str) -> None:
        if len(permissions) == 1:
            return self.require_perm(permissions[0])
        if not any(self.has_perm(permission) for permission in permissions):
            raise PermissionDenied(
                f"You need one of the permissions {', '.join(permissions)} to do this."
            )

    def may_act_in(self, channel_slug: str) -> bool:
        return self.channels is None or channel_slug in self.channels

    def require_channel(self, channel_slug: str) -> None:
        """Staff restricted to some channels act only there (SPEC §0)."""
        if not self.may_act_in(channel_slug):
            raise PermissionDenied(
                f"You have no access to channel {channel_slug!r}.", field="channel"
            )

    def actor(self) -> Actor:
        if self.kind == RequestorKind.APP:
            return Actor(ActorType.APP, str(self.app_id))
        if self.kind == RequestorKind.STAFF:
            return Actor(ActorType.STAFF, str(self.user_id))
        if self.kind == RequestorKind.CUSTOMER:
            return Actor(ActorType.CUSTOMER, str(self.user_id))
        return Actor()


ANONYMOUS = Requestor()


@dataclass(kw_only=True)
class RewardsContext:
    """One request: its caller, the shop behind it and the plugin's settings.

    ``dataloaders`` caches the request's batched reads (``graphql/dataloaders.py``).
    """

    shop: Shop
    requestor: Requestor = ANONYMOUS
    plugin_settings: Mapping[str, object] = field(default_factory=dict)
    # The caller's network address as the shop's trusted proxies report it
    # (``saleor_adapter/client_address.py``): only ever hashed (rate limits, A2),
    # never stored or logged.
    client_ip: str = field(default="", repr=False)
    dataloaders: dict = field(default_factory=dict, repr=False)

    def program(self, channel_slug: str) -> Program:
        program = self.shop.channels.program(channel_slug)
        if program is None:
            raise UnknownChannel(f"Channel {channel_slug!r} does not exist.", field="channel")
        return program

    def staff_program(self, channel_slug: str, *permissions: str) -> Program:
        """A channel's program for a staff operation: one of ``permissions``, then
        access to the channel (SPEC §0)."""
        self.requestor.require_any_perm(*permissions)
        program = self.program(channel_slug)
        self.requestor.require_channel(program.channel_slug)
        return program

    def settings_for(self, program: Program) -> dict:
        return config.resolve(self.plugin_settings, program.settings)
