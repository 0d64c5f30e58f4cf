import time

from django.core.management.base import BaseCommand
from django.db import connection

from modules.search import rebuild_search_index


class Command(BaseCommand):
    help = (
        "Recompute every module's search vector, rebuild the 'did you mean' word list and "
        "merge the search index's pending list. Safe to run at any time."
    )

    def handle(self, *args, **options):
        started = time.perf_counter()
        modules, words = rebuild_search_index()
        if not connection.in_atomic_block:
            # Every module row was rewritten: reclaim the old versions now rather than
            # searching a table twice its size until autovacuum comes by.
            with connection.cursor() as cursor:
                cursor.execute("VACUUM (ANALYZE) modules_module")
        self.stdout.write(
            f"{modules} modules indexed, {words} words for suggestions"
            f" ({time.perf_counter() - started:.1f} s)"
        )
