"""Load the demo: 澄江街道 with the 2024 records that reproduce the year-end report's figures.

Each app owns its part in ``<app>/demo.py`` (a ``load(ctx)`` function); this command runs them in
dependency order inside one transaction, so a second run changes nothing (idempotent).
"""

import importlib

from django.core.management.base import BaseCommand
from django.db import transaction

DEMO_MODULES = ("branches.demo", "cadres.demo", "training.demo", "chengjiang.worktasks.demo")
DEFAULT_PASSWORD = "Chengjiang-2024"


class Command(BaseCommand):
    help = "Load the Chengjiang demo data (idempotent) and print the demo logins."

    def add_arguments(self, parser):
        parser.add_argument("--password", default=DEFAULT_PASSWORD)

    def handle(self, *args, password, **options):
        ctx: dict = {"password": password, "stdout": self.stdout}
        with transaction.atomic():
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
