import base64

import graphene
from graphql_relay import to_global_id

from ...programs.withdrawals.payout_files import create_payout_file
from ..types.money import RewardsMoney
from ..types.withdrawals import WITHDRAWAL_TYPE, RewardsPayoutFile, RewardsPayoutFileFormat
from .base import RewardsMutation
from .withdrawal_process import staff_withdrawal_ids


class RewardsWithdrawalPayoutFile(RewardsMutation):
    class Meta:
        description = (
            "Staff / Apps (HANDLE_PAYMENTS): the file that pays these approved "
            "withdrawals (W6): SEPA_XML (pain.001.001.03, EUR bank transfers, debited "
            "from the shop's account in its settings) or PAYPAL_CSV (a PayPal Payouts "
            "batch). It changes no withdrawal; mark them paid once the bank or PayPal "
            "executed it. Recorded in the audit trail."
        )

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        format = RewardsPayoutFileFormat(required=True)

    file = graphene.Field(RewardsPayoutFile)

    @classmethod
    def perform(cls, root, info, *, ids, format):
        context = info.context
        withdrawal_ids = staff_withdrawal_ids(context, ids, "ids")
        payout = create_payout_file(withdrawal_ids, format, actor=context.requestor.actor())
        return {
            "file": RewardsPayoutFile(
                filename=payout.filename,
                content_type=payout.content_type,
                content=base64.b64encode(payout.content).decode(),
                withdrawal_ids=[to_global_id(WITHDRAWAL_TYPE, i) for i in payout.withdrawal_ids],
                totals=[
                    RewardsMoney(amount=total, currency=currency)
                    for currency, total in sorted(payout.totals.items())
                ],
            )
        }
