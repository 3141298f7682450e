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

        from django.contrib.auth.signals import user_logged_in

        from chengjiang.middleware import session_refreshed_at_login

        # Signing in is activity: the session it saves starts the idle timeout's minute.
        user_logged_in.connect(session_refreshed_at_login, dispatch_uid="accounts.session_login")
