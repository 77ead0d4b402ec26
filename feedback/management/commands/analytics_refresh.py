"""Rebuild the analytics read model by hand: after a restore, a bulk import
or a change to how facts are derived (or to TIME_ZONE: the rollup's days are
local days)."""

import time

from django.core.management.base import BaseCommand

from feedback import analytics


class Command(BaseCommand):
    help = (
        "Refresh the order facts and the rollup the analytics read: the orders with events "
        "since the last refresh, every order with --all, or only the rollup, from the facts "
        "as they are, with --rollup."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--all", action="store_true", help="rebuild the facts of every order and the rollup"
        )
        parser.add_argument(
            "--rollup", action="store_true", help="rebuild only the rollup from the facts"
        )

    def handle(self, *args, all=False, rollup=False, **options):
        started = time.perf_counter()
        if rollup:
            analytics.rollup_rebuild()
            written = 0
        else:
            written = analytics.facts_refresh() if all else analytics.facts_refresh_changed()
        seconds = time.perf_counter() - started
        what = "the rollup rebuilt" if rollup else f"{written} order facts written"
        self.stdout.write(f"{what} in {seconds:.2f} s")
