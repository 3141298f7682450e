from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("Organisation building")

    def ready(self) -> None:
        from . import audit  # noqa: F401  registers the audited models
