"""Build the kept 三会一课 cells (``branches.cadence``) from the records.

Every write through the portal, the admin or an import keeps them current; needed after records
were written without them (a restore, SQL by hand), and once a year so that next year is kept
before it starts (a year not kept is counted from the records: correct, only slower).
"""

import time

from django.core.management.base import BaseCommand

from branches.cadence import rebuild_cadence


class Command(BaseCommand):
    help = "Build the kept cadence cells of this year and the next (or of --year) from the records."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, action="append", help="a year to build (repeat)")

    def handle(self, *args, **options):
        started = time.perf_counter()
        rows = rebuild_cadence(options["year"])
        self.stdout.write(f"rebuild_cadence: {rows} rows in {time.perf_counter() - started:.1f} s")
