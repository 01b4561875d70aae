from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "saleor_rewards"
    label = "saleor_rewards"
    verbose_name = "Rewards"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # A deployment setting that is wrong stops Saleor at startup, rather than
        # leaving the visit limit to a forgeable address (A2).
        from .saleor_adapter.client_address import trusted_proxies

        trusted_proxies()
