"""Rebuild the analytics read model by hand: after a restore, a bulk import
or a change to how facts are derived."""

import time

from django.core.management.base import BaseCommand

from feedback import analytics


class Command(BaseCommand):
    help = (
        "Refresh the order facts the analytics read: the orders with events since the "
        "last refresh, or every order with --all."
    )

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="rebuild the facts of every order")

    def handle(self, *args, all=False, **options):
        started = time.perf_counter()
        written = analytics.facts_refresh() if all else analytics.facts_refresh_changed()
        seconds = time.perf_counter() - started
        self.stdout.write(f"{written} order facts written in {seconds:.2f} s")
