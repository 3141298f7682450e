"""Recompute the monthly summary of the counted measures from the records.

Needed only after records were written without the services (a restore, SQL by hand): every
save and delete through the portal, the admin or an import keeps the summary current itself.
"""

import time

from django.core.management.base import BaseCommand

from chengjiang.worktasks.summary import rebuild_summaries


class Command(BaseCommand):
    help = "Recompute the monthly summary of the counted measures from the records."

    def handle(self, *args, **options):
        started = time.perf_counter()

        def progress(done: int, total: int) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"{done}/{total}")

        rows = rebuild_summaries(progress=progress)
        self.stdout.write(
            f"rebuild_summaries: {rows} rows in {time.perf_counter() - started:.1f} s"
        )
