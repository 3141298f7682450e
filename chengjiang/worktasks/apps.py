from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorktasksConfig(AppConfig):
    name = "chengjiang.worktasks"
    label = "worktasks"
    verbose_name = _("Annual work tasks")

    def ready(self) -> None:
        from chengjiang import measures

        from . import (  # noqa: F401  audit registers the audited models
            audit,
            invalidation,
            jobs,
        )

        invalidation.connect()
        # Discover every app's measures.py, as the admin discovers admin.py.
        measures.autodiscover()
