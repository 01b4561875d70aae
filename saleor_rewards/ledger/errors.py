"""Domain errors. Each carries the API error code it maps to (API.md)."""


class RewardsError(Exception):
    code = "INVALID"

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(RewardsError):
    code = "INVALID"


class NotFound(RewardsError):
    code = "NOT_FOUND"


class UnknownChannel(NotFound):
    pass


class InsufficientBalance(RewardsError):
    code = "INSUFFICIENT_BALANCE"


class IdempotencyConflict(RewardsError):
    """The key was used before for a different operation."""

    code = "CONFLICT"


class HoldClosed(RewardsError):
    code = "CONFLICT"


class PermissionDenied(RewardsError):
    code = "PERMISSION_DENIED"


class ProgramDisabled(RewardsError):
    code = "PROGRAM_DISABLED"


class LimitExceeded(RewardsError):
    code = "LIMIT_EXCEEDED"


class NotEligible(RewardsError):
    """The member or the thing does not qualify (self-referral, an unfulfilled line)."""

    code = "NOT_ELIGIBLE"


class AlreadyExists(RewardsError):
    code = "ALREADY_EXISTS"


class Conflict(RewardsError):
    """The thing is no longer in a state that allows this (e.g. a decided review)."""

    code = "CONFLICT"


class WindowClosed(RewardsError):
    """Too late (or too early) for this: a claim after its window (C1)."""

    code = "WINDOW_CLOSED"
