from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Users"  # allauth's own app is "Accounts" in the admin too
