"""Settings for the referral tests; the shop behind them is ``tests.fakes``
(``FakeCustomers``: known e-mails, paid customers, orders; ``DjangoMailer``:
invitations through Django's mail backend, locmem in tests)."""

from saleor_rewards import config


def settings(**values) -> dict:
    """Effective settings with ``values`` over the SPEC defaults."""
    return config.resolve({}, values)
