from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "chengjiang.accounts"
    label = "accounts"
    verbose_name = _("Accounts and roles")

    def ready(self) -> None:
        from .roles import sync_roles

        # Roles are groups with model permissions; keep them in step with the models after every
        # migrate (the test database included), so no role is ever set up by hand.
        post_migrate.connect(sync_roles, dispatch_uid="accounts.sync_roles")
