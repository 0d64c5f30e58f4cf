"""Search speed over a synthetic catalogue: 10,000 modules × 100 cues (one million cues).

Prints, for one- to three-word queries (rare words, a word in ~10% of modules, and words in
nearly every module):
  - the search as /search/ runs it (count, first page of 10 ranked modules, and their
    snippets), median and p95, with the GIN index;
  - the same count and page with index scans switched off (a sequential scan over the
    stored vectors), and once with no stored vector at all (to_tsvector on the fly);
  - snippets with the expression GIN index on the cue text, and without it;
  - the cost of building: COPY, vectors, word list, GIN pending list, one module's refresh.

    .venv/bin/python bench/search.py [--modules 10000] [--cues 100] [--repeat 15] [--rebuild]
        [--skip-on-the-fly]

It uses its own database (coachlearn_bench_search) on the embedded server, or DATABASE_URL,
and keeps the catalogue between runs (--rebuild makes it again).
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import statistics
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime

from common import configure, percentile, set_up_django

configure("coachlearn_bench_search")

WORDS_PER_CUE = 12
VOCABULARY_SIZE = 6000
# Domain words placed in a share of the modules (one cue each), on top of the Zipf text.
PLACED_WORDS = {"learner": 0.97, "agenda": 0.8, "feedback": 0.6, "reflection": 0.1}
RARE_PHRASE = "zyphora quillmark brambleton"  # in 5 modules
RAREST = "nimbalo"  # in 1 module
QUERIES = {
    "rare": [RAREST, "zyphora", "quillmark brambleton", RARE_PHRASE, f'"{RARE_PHRASE}"'],
    "in ~10% of modules": ["reflection", "reflection feedback"],
    "in nearly every module": ["learner", "learner agenda", "learner agenda feedback"],
}


def summary(values: list[float]) -> str:
    return f"median {statistics.median(values):8.1f} ms, p95 {percentile(values, 0.95):8.1f} ms"


@contextmanager
def step(label: str):
    started = time.perf_counter()
    yield
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def timed(function: Callable[[], object], repeat: int) -> list[float]:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        timings.append((time.perf_counter() - started) * 1000)
    return timings


# --- the synthetic catalogue -----------------------------------------------------------


def vocabulary(rng: random.Random) -> list[str]:
    """Pronounceable made-up words, so that frequencies are known (Zipf) and none is a stop
    word or one of the placed words."""
    onsets = (*"bcdfghjklmnprstvwz", "br", "ch", "cl", "dr", "fl", "gr", "pl", "sh", "st", "tr")
    vowels = (*"aeiou", "ai", "ea", "io", "ou")
    words: set[str] = set()
    while len(words) < VOCABULARY_SIZE:
        syllables = rng.choice((2, 2, 3, 3, 4))
        words.add("".join(rng.choice(onsets) + rng.choice(vowels) for _ in range(syllables)))
    return sorted(words - set(PLACED_WORDS) - set(RARE_PHRASE.split()) - {RAREST})


def build_catalogue(modules: int, cues: int, seed: int = 7) -> None:
    from django.db import connection

    rng = random.Random(seed)
    words = vocabulary(rng)
    rng.shuffle(words)
    weights = list(itertools.accumulate(1 / rank for rank in range(1, len(words) + 1)))

    def text(count: int) -> str:
        return " ".join(rng.choices(words, cum_weights=weights, k=count))

    placed = {
        word: set(rng.sample(range(modules), int(share * modules)))
        for word, share in PLACED_WORDS.items()
    }
    rare_modules = set(rng.sample(range(modules), min(5, modules)))
    rarest_module = rng.randrange(modules)
    now = datetime.now(UTC)

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE modules_cue, modules_learningobjective, modules_module_competencies,"
            " modules_module, modules_series, modules_competency, modules_searchword"
            " RESTART IDENTITY CASCADE"
        )
        with cursor.copy("COPY modules_series (title, slug, description) FROM STDIN") as copy:
            for number in range(1, 21):
                copy.write_row((f"Series {number}", f"series-{number}", text(20)))
        with cursor.copy("COPY modules_competency (name) FROM STDIN") as copy:
            for number in range(1, 11):
                copy.write_row((f"Competency {number} {text(2)}",))
        with step(f"COPY {modules:,} modules, objectives and competencies"):
            with cursor.copy(
                "COPY modules_module (series_id, position, title, slug, activity_code, summary,"
                " description, credit, video, poster, duration_seconds, disclosure_statement,"
                " participation_statement, is_published, published_at, created_at, updated_at)"
                " FROM STDIN"
            ) as copy:
                for number in range(1, modules + 1):
                    copy.write_row(
                        (
                            number % 20 + 1,
                            number,
                            text(5).capitalize(),
                            f"bench-{number:05d}",
                            f"BN-{number:05d}",
                            text(15),
                            text(60),
                            "0.50",
                            "",
                            "",
                            cues * 6,
                            "Nothing to disclose.",
                            "Watch and pass the quiz.",
                            True,
                            now,
                            now,
                            now,
                        )
                    )
            with cursor.copy(
                "COPY modules_learningobjective (module_id, position, text) FROM STDIN"
            ) as copy:
                for number in range(1, modules + 1):
                    for position in (1, 2, 3):
                        copy.write_row((number, position, text(10)))
            with cursor.copy(
                "COPY modules_module_competencies (module_id, competency_id) FROM STDIN"
            ) as copy:
                for number in range(1, modules + 1):
                    for competency in rng.sample(range(1, 11), 2):
                        copy.write_row((number, competency))
        # A bulk load is faster without the cue text index, built once afterwards (each
        # COPYed row would otherwise compute its vector into the GIN pending list).
        cursor.execute("DROP INDEX IF EXISTS cue_text_search_gin")
        with (
            step(f"COPY {modules * cues:,} cues"),
            cursor.copy(
                "COPY modules_cue (module_id, position, start_seconds, end_seconds, speaker, text)"
                " FROM STDIN"
            ) as copy,
        ):
            for index in range(modules):
                extra = {
                    rng.randrange(cues): word for word, chosen in placed.items() if index in chosen
                }
                if index in rare_modules:
                    extra[rng.randrange(cues)] = RARE_PHRASE
                if index == rarest_module:
                    extra[rng.randrange(cues)] = RAREST
                for position in range(cues):
                    line = text(WORDS_PER_CUE)
                    if position in extra:
                        line = f"{line} {extra[position]} {text(3)}"
                    copy.write_row(
                        (
                            index + 1,
                            position + 1,
                            position * 6.0,
                            position * 6.0 + 5.5,
                            ("Coach", "Learner")[position % 2],
                            line,
                        )
                    )
        with step("CREATE INDEX cue_text_search_gin (as in the migration)"):
            cursor.execute(
                "CREATE INDEX cue_text_search_gin ON modules_cue"
                " USING gin (to_tsvector('english'::regconfig, COALESCE(text, '')))"
            )
        cursor.execute("ANALYZE")


def index_the_catalogue() -> None:
    from django.db import connection

    from modules import search

    # The two statements of search.refresh_search_vectors(), timed one by one.
    with connection.cursor() as cursor:
        with step("search vectors of every module (one UPDATE)"):
            cursor.execute(search._REFRESH_VECTORS_SQL)
        with step("word list for 'did you mean' (ts_parse of all text, distinct)"):
            cursor.execute(search._ADD_WORDS_SQL.format(module_filter=""))
    print("  searches right after the bulk UPDATE, GIN pending list not yet merged:")
    for query in ("learner", "zyphora"):
        print(f"    {query!r:12} {summary(timed(lambda q=query: search_page(q), 5))}")
    with step("gin_clean_pending_list"):
        search.clean_gin_pending_list()
    with step("VACUUM ANALYZE modules_module"), connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE modules_module")


# --- what is measured ------------------------------------------------------------------


def search_page(text: str) -> int:
    """What the /search/ view asks of the database: count, first page, snippets."""
    from django.core.paginator import Paginator

    from modules.search import RESULTS_PER_PAGE, attach_snippets, search_modules

    page = Paginator(search_modules(text), RESULTS_PER_PAGE).get_page(1)
    results = list(page.object_list)
    attach_snippets(results, text)
    return page.paginator.count


def ranked_page(text: str) -> int:
    from django.core.paginator import Paginator

    from modules.search import RESULTS_PER_PAGE, search_modules

    page = Paginator(search_modules(text), RESULTS_PER_PAGE).get_page(1)
    list(page.object_list)
    return page.paginator.count


def ranked_page_without_index(text: str) -> int:
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        # GIN is only used through bitmap scans: off, the planner scans the whole table.
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        return ranked_page(text)


ON_THE_FLY_SQL = """
SELECT count(*) FROM modules_module AS m
WHERE m.is_published AND to_tsvector('english', concat_ws(' ', m.title, m.summary, m.description,
    (SELECT string_agg(o.text, ' ') FROM modules_learningobjective AS o WHERE o.module_id = m.id),
    (SELECT string_agg(c.text, ' ') FROM modules_cue AS c WHERE c.module_id = m.id)))
    @@ websearch_to_tsquery('english', %s)
"""


def page_ids(text: str) -> list[int]:
    from modules.search import search_modules

    return list(search_modules(text).values_list("pk", flat=True)[:10])


def snippets_for(text: str, ids: list[int]) -> None:
    from modules.models import Module
    from modules.search import attach_snippets

    attach_snippets([Module(pk=pk) for pk in ids], text)


@contextmanager
def without_cue_index():
    """Drop the cue text index for the duration (DDL is transactional: rolled back after)."""
    from django.db import connection, transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP INDEX cue_text_search_gin")
        yield
        transaction.set_rollback(True)


def sizes() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_size_pretty(pg_total_relation_size('modules_module')),"
            " pg_size_pretty(pg_relation_size('module_search_vector_gin')),"
            " pg_size_pretty(pg_total_relation_size('modules_cue')),"
            " pg_size_pretty(pg_relation_size('cue_text_search_gin')),"
            " (SELECT count(*) FROM modules_searchword),"
            " pg_size_pretty(pg_total_relation_size('modules_searchword'))"
        )
        module_table, vector_index, cue_table, cue_index, words, word_table = cursor.fetchone()
    print(
        f"  modules table with vectors {module_table}, GIN index {vector_index};"
        f" cues {cue_table} with their text index {cue_index}; word list {words:,} words,"
        f" {word_table}"
    )


def measure(repeat: int, *, on_the_fly: bool) -> None:
    from django.db import connection

    from modules.models import Module
    from modules.search import refresh_search_vector, suggest_query

    print("\nSearch page (count + first 10 ranked + snippets), with the GIN index:")
    for group, queries in QUERIES.items():
        all_timings = []
        for query in queries:
            matches = search_page(query)
            timings = timed(lambda q=query: search_page(q), repeat)
            all_timings += timings
            print(f"  {query!r:34} {matches:6,} modules  {summary(timings)}")
        print(f"  → {group}: {summary(all_timings)}")

    print("\nCount + first 10 ranked, with the index vs a sequential scan of stored vectors:")
    for group, queries in QUERIES.items():
        with_index, without = [], []
        for query in queries:
            with_index += timed(lambda q=query: ranked_page(q), repeat)
            without += timed(lambda q=query: ranked_page_without_index(q), max(3, repeat // 5))
        print(f"  {group:24} index: {summary(with_index)}")
        print(f"  {'':24} no index: {summary(without)}")

    if on_the_fly:
        with connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(ON_THE_FLY_SQL, [RAREST])
            print(
                f"\nNo stored vector at all (to_tsvector of every module's text per query),"
                f" {RAREST!r}: {time.perf_counter() - started:.1f} s"
            )

    print("\nSnippets for a page of 10 modules (the query /search/ runs after ranking):")
    pages = {query: page_ids(query) for queries in QUERIES.values() for query in queries}

    def snippet_timings() -> list[float]:
        return [
            timing
            for query, ids in pages.items()
            for timing in timed(lambda q=query, i=ids: snippets_for(q, i), repeat)
        ]

    print(f"  with the cue text index:    {summary(snippet_timings())}")
    with without_cue_index():
        print(
            f"  without it (to_tsvector of every line of the page's modules): "
            f"{summary(snippet_timings())}"
        )
    print("\nOther operations:")
    modules = list(Module.objects.order_by("?")[:20])
    refresh = timed(lambda: refresh_search_vector(modules.pop()), 20)
    print(f"  refresh one module (vector + new words): {summary(refresh)}")
    suggest = timed(lambda: suggest_query("learnr agnda"), repeat)
    print(f"  did-you-mean for 'learnr agnda': {summary(suggest)}")
    sizes()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=10_000)
    parser.add_argument("--cues", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--rebuild", action="store_true", help="make the catalogue again")
    parser.add_argument("--skip-on-the-fly", action="store_true")
    args = parser.parse_args()

    set_up_django()
    from django.db import connection

    from modules.models import Cue, Module

    print(f"{os.cpu_count()} cores; {connection.settings_dict['NAME']}")
    have = (Module.objects.count(), Cue.objects.count())
    if args.rebuild or have != (args.modules, args.modules * args.cues):
        print(f"Building {args.modules:,} modules × {args.cues} cues:")
        build_catalogue(args.modules, args.cues)
        index_the_catalogue()
    else:
        print(f"Reusing {have[0]:,} modules and {have[1]:,} cues (--rebuild to make them again)")
    sizes()
    measure(args.repeat, on_the_fly=not args.skip_on_the_fly)


if __name__ == "__main__":
    main()
