from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BranchesConfig(AppConfig):
    name = "branches"
    verbose_name = _("Organisation building")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from . import audit  # noqa: F401  registers the audited models
        from . import cadence as kept_cadence

        kept_cadence.connect()  # the kept 三会一课 cells follow every write

        post_migrate.connect(seed_default_cadence, sender=self, dispatch_uid="branches.cadence")
        post_migrate.connect(install_db_guards, sender=self, dispatch_uid="branches.db_guards")


def install_db_guards(sender=None, using="default", **kwargs) -> None:
    """Re-create the village triggers after every migrate (a SQLite table rebuild drops them)."""
    from django.db import connections

    from . import db_guards

    db_guards.install(connections[using])


# 支委会 is owed only by a 党支部 with a committee (the migration that added the condition keeps
# its own copy of this, as migrations do).
DEFAULT_CONDITIONS = {"branch_committee": "committee"}


def seed_default_cadence(sender=None, using="default", apps=None, **kwargs) -> None:
    """Give an empty rule table the default 三会一课 cadence (migration 0002 does it first).

    Runs after every migrate and after a test database is flushed; it only acts when there are
    no rules at all, so a rule changed or removed in the admin stays as the office left it.
    """
    import importlib

    from django.apps import apps as global_apps

    CadenceRule = (apps or global_apps).get_model("branches", "CadenceRule")
    if CadenceRule.objects.using(using).exists():
        return
    defaults = importlib.import_module("branches.migrations.0002_default_cadence").DEFAULT_RULES
    conditions = DEFAULT_CONDITIONS
    CadenceRule.objects.using(using).bulk_create(
        CadenceRule(
            meeting_kind=kind,
            period=period,
            min_count=count,
            org_kinds=org_kinds,
            condition=conditions.get(kind, ""),
        )
        for kind, period, count, org_kinds in defaults
    )
