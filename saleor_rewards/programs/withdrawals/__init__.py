"""Cash withdrawals (SPEC §6, W1-W6): a member asks for their cash balance to be paid
out by bank transfer, PayPal or Alipay; staff approve and pay it, in batches.

- ``details``: the payout details a method needs, validated and masked (W2).
- ``crypto``: the details encrypted at rest under rotating Fernet keys (W2, P3).
- ``services``: the member requests and cancels (W1, W3-W5).
- ``decisions``: staff approve, mark paid, reject, mark failed, one or a batch (W5).
- ``payout_files``: SEPA pain.001 and PayPal Payouts CSV for a batch (W6).
- ``retention`` and ``privacy``: details purged after ``retention_days``; export and
  erasure of a member's withdrawals (P1-P3).
"""
