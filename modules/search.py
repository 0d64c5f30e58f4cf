"""Full-text search over published modules, on PostgreSQL.

- `Module.search_vector` holds the module's words with weights: title A, objectives B,
  summary, description and competency names C, transcript D. Only
  `refresh_search_vectors()` writes it, in one UPDATE computed from the module's rows. It is
  called explicitly where a module's text changes (`services.replace_cues`, the admin's
  `save_related`, `load_demo`) rather than from signals, so bulk loads can skip it and
  refresh everything once (`manage.py refresh_search`).
- User input only ever reaches PostgreSQL through `websearch_to_tsquery` (never
  `to_tsquery`), which accepts any string: quotes, `or`, `-word`, stray operators, emoji.
- Modules are ranked, not cues. Snippets are fetched afterwards, only for the modules of the
  page shown, through an expression GIN index on the cue text.
- "Did you mean" compares the query's words with a list of the words in module text
  (`SearchWord`, trigram similarity from pg_trgm).

The text-search configuration is always given explicitly ('english'), so results do not
depend on the server's `default_text_search_config`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from django import forms
from django.contrib.postgres.search import (
    SearchQuery,
    SearchRank,
    SearchVector,
    SearchVectorExact,
)
from django.db import DatabaseError, connection, transaction
from django.db.models import F, QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from modules.models import Competency, Module, Series
from modules.transcripts import format_timestamp

TEXT_SEARCH_CONFIG = "english"
# Longer queries are cut to this many characters (the page says so): enough for any real
# search, and it bounds the work a single request can ask of the database.
MAX_QUERY_CHARS = 200
# SQLSTATEs of "tsquery stack too small": PostgreSQL reports it as an internal error
# (XX000); statement_too_complex (54001) in case a later version classifies it. A lost
# connection (08…) or a shutdown (57…) is never taken for a bad query.
QUERY_TOO_COMPLEX_STATES = {"XX000", "54001"}
SNIPPETS_PER_MODULE = 3
RESULTS_PER_PAGE = 10
# ts_rank weights for D, C, B, A (PostgreSQL's defaults, written out).
RANK_WEIGHTS = [0.1, 0.2, 0.4, 1.0]
# Divide the rank by 1 + log(document length), so a long transcript that mentions a word
# in passing does not outrank a short module about it.
RANK_NORMALIZATION = 1
CATALOG_ORDER = ["series__title", "series_id", "position", "title", "pk"]

# Private-use characters mark highlighted words in ts_headline's output: they are removed
# from the text first, so they cannot be forged, and survive escaping unchanged.
_START, _STOP = "\ue000", "\ue001"
_HIGHLIGHT = re.compile(f"{_START}([^{_START}{_STOP}]*){_STOP}")
_WORD = re.compile(r"[^\W_]+")


# --- keeping the vectors current -------------------------------------------------------

_REFRESH_VECTORS_SQL = """
UPDATE modules_module AS m SET search_vector =
    setweight(to_tsvector('english', m.title), 'A')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(o.text, ' ' ORDER BY o.position, o.id)
         FROM modules_learningobjective AS o WHERE o.module_id = m.id), '')), 'B')
    || setweight(to_tsvector('english', concat_ws(' ', m.summary, m.description,
        (SELECT string_agg(c.name, ' ' ORDER BY c.name)
         FROM modules_competency AS c
         JOIN modules_module_competencies AS mc ON mc.competency_id = c.id
         WHERE mc.module_id = m.id))), 'C')
    || setweight(to_tsvector('english', coalesce(
        (SELECT string_agg(cue.text, ' ' ORDER BY cue.position)
         FROM modules_cue AS cue WHERE cue.module_id = m.id), '')), 'D')
"""

# Words as the text-search parser sees them (ts_parse, token types asciiword, word and the
# parts of hyphenated words), lower-cased; stop words ("the") are left out.
_ADD_WORDS_SQL = """
INSERT INTO modules_searchword (word)
SELECT word FROM (
    SELECT DISTINCT lower(token.token) AS word
    FROM (
        SELECT m.id AS module_id, concat_ws(' ', m.title, m.summary, m.description) AS text
        FROM modules_module AS m
        UNION ALL SELECT o.module_id, o.text FROM modules_learningobjective AS o
        UNION ALL SELECT cue.module_id, cue.text FROM modules_cue AS cue
    ) AS texts
    CROSS JOIN LATERAL ts_parse('default', texts.text) AS token
    WHERE token.tokid IN (1, 2, 10, 11) AND length(token.token) BETWEEN 3 AND 40
      {module_filter}
) AS words
WHERE length(to_tsvector('english', word)) > 0
ON CONFLICT (word) DO NOTHING
"""


def refresh_search_vectors(module_ids: Iterable[int] | None = None) -> int:
    """Recompute the search vector (and add new words to the word list) of these modules,
    or of every module when `module_ids` is None. Returns the number of modules updated."""
    ids = None if module_ids is None else list(module_ids)
    if ids == []:
        return 0
    with transaction.atomic(), connection.cursor() as cursor:
        if ids is None:
            cursor.execute(_REFRESH_VECTORS_SQL)
        else:
            cursor.execute(_REFRESH_VECTORS_SQL + " WHERE m.id = ANY(%s)", [ids])
        updated = cursor.rowcount
        if ids is None:
            cursor.execute(_ADD_WORDS_SQL.format(module_filter=""))
        else:
            cursor.execute(
                _ADD_WORDS_SQL.format(module_filter="AND texts.module_id = ANY(%s)"), [ids]
            )
    return updated


def refresh_search_vector(module: Module) -> None:
    """Call after changing a module's title, summary, description, competencies,
    objectives or cues."""
    refresh_search_vectors([module.pk])


def rebuild_search_index() -> tuple[int, int]:
    """Recompute every vector, rebuild the word list (dropping words no longer used) and
    merge the GIN pending list. Returns (modules, words)."""
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("TRUNCATE modules_searchword")
        modules = refresh_search_vectors()
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM modules_searchword")
            words = cursor.fetchone()[0]
    clean_gin_pending_list()
    return modules, words


def clean_gin_pending_list() -> None:
    """Merge the pending list of the vector index into the index proper.

    With fastupdate on (the default), new index entries first go to an unsorted pending
    list that every search scans, until autovacuum or gin_pending_list_limit (4 MB) merges
    it. A bulk refresh leaves up to 4 MB there; merging at once keeps searches fast.
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT gin_clean_pending_list('module_search_vector_gin'::regclass)")


# --- reading the query ---------------------------------------------------------------


@dataclass(frozen=True)
class CleanQuery:
    text: str
    was_cut: bool = False

    def __bool__(self) -> bool:
        return bool(self.text)


def clean_text(value: str | None, max_chars: int) -> tuple[str, bool]:
    """Printable text with single spaces, at most `max_chars` long (cut at a word boundary
    when one is near). Control characters go: PostgreSQL refuses NUL in text."""
    text = "".join(
        " " if unicodedata.category(char).startswith(("Z", "C")) and char != "\u200d" else char
        for char in (value or "")
    )
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text, False
    cut = text[: max_chars + 1]
    space = cut.rfind(" ")
    cut = cut[:space] if space > max_chars // 2 else cut[:max_chars]
    return cut.strip(), True


def clean_query(value: str | None) -> CleanQuery:
    text, was_cut = clean_text(value, MAX_QUERY_CHARS)
    return CleanQuery(text, was_cut)


def _tsquery(text: str) -> SearchQuery:
    return SearchQuery(text, search_type="websearch", config=TEXT_SEARCH_CONFIG)


def is_too_complex(text: str) -> bool:
    """True for a query PostgreSQL cannot parse: websearch_to_tsquery stacks at most 32
    operators ("tsquery stack too small", e.g. 33 dashes). Asked of PostgreSQL itself, so
    the rule is exactly its parser's; any other database error is not swallowed. Only "-"
    (not) can pile up, so a query with fewer than 32 of them costs no query."""
    if text.count("-") < 32:
        return False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT websearch_to_tsquery(%s::regconfig, %s)", [TEXT_SEARCH_CONFIG, text]
            )
    except DatabaseError as error:
        if getattr(error.__cause__, "sqlstate", None) in QUERY_TOO_COMPLEX_STATES:
            return True
        raise
    return False


def has_searchable_words(text: str) -> bool:
    """False for queries of stop words or symbols only ("the", "🙂", "--")."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT numnode(websearch_to_tsquery(%s::regconfig, %s))", [TEXT_SEARCH_CONFIG, text]
        )
        return cursor.fetchone()[0] > 0


# --- searching -------------------------------------------------------------------------


def search_modules(
    text: str, *, series: Series | None = None, competency: Competency | None = None
) -> QuerySet[Module]:
    """Published modules matching `text` (websearch syntax), best first; every published
    module in catalog order when `text` is empty."""
    modules = Module.objects.published().select_related("series").defer("search_vector")
    if series is not None:
        modules = modules.filter(series=series)
    if competency is not None:
        modules = modules.filter(competencies=competency)
    if not text:
        return modules.order_by(*CATALOG_ORDER)
    query = _tsquery(text)
    return (
        modules.filter(search_vector=query)
        .annotate(
            # A module whose title has the words comes before one that only mentions them
            # (ts_rank alone does not promise that across documents of different lengths).
            title_matches=SearchVectorExact(
                SearchVector("title", config=TEXT_SEARCH_CONFIG), query
            ),
            rank=SearchRank(
                F("search_vector"),
                query,
                weights=RANK_WEIGHTS,
                normalization=RANK_NORMALIZATION,
            ),
        )
        .order_by("-title_matches", "-rank", *CATALOG_ORDER)
    )


@dataclass(frozen=True)
class Snippet:
    """A transcript line of a search result, with the matching words marked."""

    module: Module
    start_seconds: float | None
    speaker: str
    html: SafeString

    @property
    def timestamp(self) -> str:
        return format_timestamp(self.start_seconds)

    @property
    def url(self) -> str:
        url = self.module.get_absolute_url()
        if self.start_seconds is None:
            return url
        return f"{url}?t={int(self.start_seconds)}"


def highlight(headline: str) -> SafeString:
    """Escape ts_headline's output, then turn its markers into <mark> elements."""
    escaped = _HIGHLIGHT.sub(r"<mark>\1</mark>", escape(" ".join(headline.split())))
    return mark_safe(escaped.replace(_START, "").replace(_STOP, ""))


def any_word_query(text: str) -> str:
    """`"active listening" -grades` → `active or listening or grades`: the words of a query,
    any of which makes a transcript line worth showing."""
    words = [word for word in _WORD.findall(text) if word.lower() != "or"]
    return " or ".join(words[:32])


# The cues of the page's modules that have any of the query's words, those with all of them
# first. `to_tsvector('english'::regconfig, COALESCE(cue.text, ''))` is the expression of
# the cue_text_search_gin index (Cue.Meta), written the same way so the planner can use it:
# bench/search.py measured about 1 ms with it against 13 ms computing every line's vector.
_SNIPPETS_SQL = """
SELECT module_id, start_seconds, speaker,
       ts_headline('english', translate(text, %(markers)s, ''),
                   websearch_to_tsquery('english', %(any)s), %(options)s)
FROM (
    SELECT cue.module_id, cue.position, cue.start_seconds, cue.speaker, cue.text,
           row_number() OVER (
               PARTITION BY cue.module_id
               ORDER BY to_tsvector('english'::regconfig, COALESCE(cue.text, ''))
                        @@ websearch_to_tsquery('english', %(whole)s) DESC,
                        cue.position
           ) AS n
    FROM modules_cue AS cue
    WHERE cue.module_id = ANY(%(ids)s)
      AND to_tsvector('english'::regconfig, COALESCE(cue.text, ''))
          @@ websearch_to_tsquery('english', %(any)s)
) AS matching
WHERE n <= %(per_module)s
ORDER BY module_id, n
"""


def attach_snippets(
    modules: Iterable[Module], text: str, *, per_module: int = SNIPPETS_PER_MODULE
) -> None:
    """Set `module.snippets` on each module: up to `per_module` transcript lines that match
    the query, lines with all its words first, then in transcript order."""
    by_id = {module.pk: module for module in modules}
    for module in by_id.values():
        module.snippets = []
    any_word = any_word_query(text)
    if not by_id or not any_word:
        return
    params = {
        "whole": text,
        "any": any_word,
        "markers": _START + _STOP,
        "ids": list(by_id),
        "options": f"StartSel={_START}, StopSel={_STOP}, MaxWords=30, MinWords=12",
        "per_module": per_module,
    }
    with connection.cursor() as cursor:
        cursor.execute(_SNIPPETS_SQL, params)
        for module_id, start_seconds, speaker, headline in cursor.fetchall():
            module = by_id[module_id]
            module.snippets.append(Snippet(module, start_seconds, speaker, highlight(headline)))


# --- did you mean ------------------------------------------------------------------------

# The word list holds the words of every module, drafts included (it is only ever added
# to between rebuilds), so a word is offered only if a published module's vector has it:
# "did you mean" must not spell out a draft's words. Only the closest few words are looked
# up in the vectors (an index lookup each), not every similar one.
SUGGESTION_CANDIDATES = 10
_CLOSEST_WORDS_SQL = """
SELECT q.word,
       EXISTS (SELECT 1 FROM modules_searchword AS w WHERE w.word = q.word) AS known,
       length(to_tsvector('english', q.word)) = 0 AS stop_word,
       (SELECT c.word FROM (
            SELECT w.word, similarity(w.word, q.word) AS score FROM modules_searchword AS w
            WHERE w.word %% q.word
            ORDER BY score DESC, w.word
            LIMIT {candidates}) AS c
        WHERE EXISTS (SELECT 1 FROM modules_module AS m
                      WHERE m.id IN ({published})
                        AND m.search_vector @@ plainto_tsquery('english', c.word))
        ORDER BY c.score DESC, c.word
        LIMIT 1) AS closest
FROM unnest(%s::text[]) WITH ORDINALITY AS q(word, n)
ORDER BY q.n
"""


def suggest_query(
    text: str, *, series: Series | None = None, competency: Competency | None = None
) -> str | None:
    """A respelling of `text` with each unknown word replaced by the most similar known word
    (pg_trgm, similarity above 0.3), if that respelling finds something; otherwise None."""
    words = list(dict.fromkeys(word.lower() for word in _WORD.findall(text)))[:8]
    if not words:
        return None
    published, published_params = Module.objects.published().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        sql = _CLOSEST_WORDS_SQL.format(published=published, candidates=SUGGESTION_CANDIDATES)
        cursor.execute(sql, [*published_params, words])
        rows = cursor.fetchall()
    replacements = {
        word: closest
        for word, known, stop_word, closest in rows
        if not known and not stop_word and closest and closest != word
    }
    if not replacements:
        return None
    suggestion = _WORD.sub(
        lambda match: replacements.get(match.group(0).lower(), match.group(0)), text
    )
    if not search_modules(suggestion, series=series, competency=competency).exists():
        return None
    return suggestion


# --- the search form -------------------------------------------------------------------


class SearchForm(forms.Form):
    """What /search/ accepts. Unknown filter values are ignored, never an error page."""

    q = forms.CharField(label="Search for", required=False, strip=False)
    series = forms.ModelChoiceField(
        queryset=Series.objects.none(),
        required=False,
        to_field_name="slug",
        empty_label="All series",
    )
    competency = forms.ModelChoiceField(
        queryset=Competency.objects.none(), required=False, empty_label="All competencies"
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        published = Module.objects.published()
        self.fields["series"].queryset = Series.objects.filter(modules__in=published).distinct()
        self.fields["competency"].queryset = Competency.objects.filter(
            modules__in=published
        ).distinct()

    def criteria(self) -> tuple[CleanQuery, Series | None, Competency | None]:
        """(query, series, competency) from whatever part of the input is valid."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return clean_query(self.data.get("q")), data.get("series"), data.get("competency")
