from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "chengjiang.jobs"
    label = "jobs"
    verbose_name = _("Background jobs")

    def ready(self):
        from . import kinds  # noqa: F401  (registers the portal's kinds of long work)
