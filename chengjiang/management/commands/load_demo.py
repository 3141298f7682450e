"""Load the demo: 澄江街道 with the 2024 records that reproduce the year-end report's figures.

Each app owns its part in ``<app>/demo.py`` (a ``load(ctx)`` function); this command runs them in
dependency order inside one transaction, so a second run changes nothing (idempotent).

The demo creates staff accounts with a published password, so it refuses to run with DEBUG off
(a production server) or on a database holding records that are not the demo's own: accounts
other than the demo logins, or an organisation tree other than the demo's.
"""

import importlib

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from chengjiang.measures import writing_many

DEMO_MODULES = ("branches.demo", "cadres.demo", "training.demo", "chengjiang.worktasks.demo")
DEFAULT_PASSWORD = "Chengjiang-2024"
DEMO_USERNAMES = ("office", "huayuan", "qingqiao", "leader")
DEMO_ROOT = "中共澄江街道工作委员会"
MSG_NO_DEBUG = (
    "拒绝加载演示数据：DEBUG 未开启。演示数据会创建使用公开密码的工作人员账号，只能在开发环境"
    "（DEBUG=1）中加载。 (load_demo refuses to run with DEBUG off.)"
)
MSG_FOREIGN = (
    "拒绝加载演示数据：数据库中已有非演示记录（%(what)s）。演示数据会创建使用公开密码的"
    "工作人员账号，只能加载到空数据库或演示数据库。 (load_demo refuses a database holding"
    " non-demo records.)"
)


def foreign_records() -> list[str]:
    """What in the database is not the demo's: other accounts, another organisation tree."""
    found = []
    users = get_user_model().objects.exclude(username__in=DEMO_USERNAMES)
    names = list(users.order_by("username").values_list("username", flat=True)[:5])
    if names:
        found.append("账号 " + "、".join(names))
    if apps.is_installed("branches"):
        Organization = apps.get_model("branches", "Organization")
        roots = Organization.objects.filter(parent=None).exclude(name=DEMO_ROOT)
        roots = list(roots.values_list("name", flat=True)[:5])
        if roots:
            found.append("组织 " + "、".join(roots))
    return found


class Command(BaseCommand):
    help = "Load the Chengjiang demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD)
        parser.add_argument(
            "--if-demo",
            action="store_true",
            help="On a database with non-demo records, say so and load nothing (exit 0): "
            "`make run` on a development database with accounts of its own.",
        )

    def handle(self, *args, password, if_demo=False, **options):
        if not (settings.DEBUG or getattr(settings, "TESTING", False)):
            raise CommandError(MSG_NO_DEBUG)
        foreign = foreign_records()
        if foreign:
            message = MSG_FOREIGN % {"what": "；".join(foreign)}
            if if_demo:
                self.stdout.write(self.style.WARNING(message))
                return
            raise CommandError(message)
        ctx: dict = {"password": password, "stdout": self.stdout}
        # one summary build at the end instead of an update per demo record (26 s → 1 s)
        with transaction.atomic(), writing_many():
            for name in DEMO_MODULES:
                try:
                    module = importlib.import_module(name)
                except ModuleNotFoundError as exc:
                    if exc.name != name:
                        raise
                    continue
                module.load(ctx)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪 (demo data loaded)."))
        self.stdout.write("登录 (logins) — password: %s" % password)
        for username, role in ctx.get("logins", []):
            self.stdout.write(f"  {username:<10} {role}")
