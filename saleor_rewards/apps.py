from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "saleor_rewards"
    label = "saleor_rewards"
    verbose_name = "Rewards"
    default_auto_field = "django.db.models.BigAutoField"
