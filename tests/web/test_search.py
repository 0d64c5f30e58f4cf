"""/search/: PostgreSQL full-text search over published modules, with transcript snippets."""

import io
import re

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from modules.models import Competency, LearningObjective, SearchWord
from modules.search import (
    MAX_QUERY_CHARS,
    clean_query,
    highlight,
    refresh_search_vector,
    search_modules,
)
from modules.services import replace_cues
from modules.transcripts import ParsedCue
from tests.factories import make_module, make_series

pytestmark = pytest.mark.django_db


def indexed_module(*, lines: list[str] = (), **fields):
    """A published module whose transcript is `lines` (one cue each, 10 s apart), indexed."""
    module = make_module(**fields)
    cues = [
        ParsedCue(start_seconds=10.0 * i, end_seconds=10.0 * i + 9, speaker="Coach", text=line)
        for i, line in enumerate(lines)
    ]
    if cues:
        replace_cues(module=module, cues=cues)
    else:
        refresh_search_vector(module)
    return module


def search(client, **params):
    response = client.get(reverse("modules:search"), params)
    assert response.status_code == 200
    return response


def titles(response) -> list[str]:
    return [module.title for module in response.context["results"]]


# --- ranking and matching -------------------------------------------------------------


def test_a_title_match_ranks_above_a_transcript_only_match(client):
    mentions = indexed_module(
        title="Giving feedback",
        lines=["We talk about reflection.", "Reflection again, reflection always."] * 5,
    )
    titled = indexed_module(title="Reflection in practice", lines=["Nothing else here."])
    assert titles(search(client, q="reflection")) == [titled.title, mentions.title]


def test_objectives_rank_above_a_transcript_mention(client):
    in_transcript = indexed_module(title="Module A", lines=["Goal setting matters."])
    in_objective = indexed_module(title="Module B")
    LearningObjective.objects.create(module=in_objective, position=9, text="Practise goal setting")
    refresh_search_vector(in_objective)
    assert titles(search(client, q="goal setting")) == [in_objective.title, in_transcript.title]


def test_search_finds_summary_description_and_competency_words(client):
    competency = Competency.objects.create(name="Cultivating trust")
    by_summary = indexed_module(summary="On mentorship")
    by_description = indexed_module(description="A word on accountability.")
    by_competency = indexed_module()
    by_competency.competencies.add(competency)
    refresh_search_vector(by_competency)
    assert titles(search(client, q="mentorship")) == [by_summary.title]
    assert titles(search(client, q="accountability")) == [by_description.title]
    assert titles(search(client, q="trust")) == [by_competency.title]


def test_stemming_finds_other_forms_of_a_word(client):
    module = indexed_module(lines=["She was coaching residents."])
    assert titles(search(client, q="coach")) == [module.title]


def test_unpublished_modules_are_never_found_even_by_staff(client, admin_user):
    indexed_module(title="Draft on empathy", published=False)
    client.force_login(admin_user)
    assert titles(search(client, q="empathy")) == []


def test_websearch_syntax_phrases_or_and_minus_work(client):
    both = indexed_module(title="Active listening", lines=["Active and careful listening."])
    only_listening = indexed_module(title="Listening well", lines=["Active silence."])
    assert titles(search(client, q='"active listening"')) == [both.title]
    assert set(titles(search(client, q="listening -silence"))) == {both.title}
    assert set(titles(search(client, q="silence or careful"))) == {both.title, only_listening.title}


# --- snippets -------------------------------------------------------------------------


def test_results_show_up_to_three_snippets_with_links_to_their_moment(client):
    lines = ["Intro words.", "First mention of rapport.", "Filler."] + [
        f"Rapport line {n}." for n in range(5)
    ]
    module = indexed_module(slug="building-rapport-x", lines=lines)
    response = search(client, q="rapport")
    [result] = response.context["results"]
    assert [snippet.start_seconds for snippet in result.snippets] == [10.0, 30.0, 40.0]
    html = response.content.decode()
    assert f'href="{module.get_absolute_url()}?t=10"' in html
    assert f'href="{module.get_absolute_url()}?t=30"' in html
    assert "<mark>rapport</mark>" in html
    assert "0:10" in html


def test_snippets_prefer_lines_with_every_word_of_the_query(client):
    indexed_module(lines=["Trust first.", "Goals later.", "Trust and goals together."])
    [result] = search(client, q="trust goals").context["results"]
    assert result.snippets[0].start_seconds == 20.0
    assert "<mark>Trust</mark> and <mark>goals</mark>" in result.snippets[0].html


def test_snippet_text_is_escaped_and_only_marks_are_html(client):
    # ts_headline's parser drops well-formed tags; whatever else is left is escaped.
    indexed_module(lines=['<script>alert("x")</script> feedback & <b>praise</b> \ue000fake\ue001'])
    [snippet] = search(client, q="feedback").context["results"][0].snippets
    assert "<script" not in snippet.html and "<b>" not in snippet.html
    assert "alert(&quot;x&quot;)" in snippet.html
    assert "<mark>feedback</mark> &amp; praise" in snippet.html
    assert "fake" in snippet.html and "<mark>fake</mark>" not in snippet.html


def test_angle_brackets_that_are_not_tags_are_escaped(client):
    indexed_module(lines=["When feedback < praise, or a<b>c"])
    [snippet] = search(client, q="feedback").context["results"][0].snippets
    assert "&lt;" in snippet.html
    assert re.sub(r"</?mark>", "", str(snippet.html)).count("<") == 0


def test_highlight_escapes_everything_but_balanced_markers():
    assert highlight("a <b> \ue000c&d\ue001 \ue001e") == "a &lt;b&gt; <mark>c&amp;d</mark> e"


def test_untimed_lines_link_to_the_module_without_a_time(client):
    module = make_module()
    replace_cues(
        module=module,
        cues=[ParsedCue(start_seconds=None, end_seconds=None, speaker="", text="Untimed empathy.")],
    )
    [snippet] = search(client, q="empathy").context["results"][0].snippets
    assert snippet.url == module.get_absolute_url()


def test_a_title_only_match_has_no_snippets(client):
    indexed_module(title="Silence as a tool", lines=["Nothing related."])
    [result] = search(client, q="silence").context["results"]
    assert result.snippets == []


# --- the index is kept current -------------------------------------------------------


def test_replacing_the_transcript_updates_the_index(client):
    module = indexed_module(lines=["Old words about scaffolding."])
    assert titles(search(client, q="scaffolding")) == [module.title]
    replace_cues(
        module=module,
        cues=[ParsedCue(start_seconds=0, end_seconds=5, speaker="", text="New words: debrief.")],
    )
    assert titles(search(client, q="scaffolding")) == []
    assert titles(search(client, q="debrief")) == [module.title]


def test_saving_a_module_in_the_admin_updates_the_index(client, admin_user):
    module = indexed_module(title="Old title")
    client.force_login(admin_user)
    url = reverse("admin:modules_module_change", args=[module.pk])
    form = client.get(url).context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None
        and name not in {"competencies", "video", "poster", "series", "duration_seconds"}
    }
    data.update(
        {
            "title": "Motivational interviewing",
            "published_at_0": module.published_at.strftime("%Y-%m-%d"),
            "published_at_1": module.published_at.strftime("%H:%M:%S"),
            "objectives-TOTAL_FORMS": "1",
            "objectives-INITIAL_FORMS": "0",
            "objectives-0-position": "1",
            "objectives-0-text": "Use reflective listening",
            "cues-TOTAL_FORMS": "0",
            "cues-INITIAL_FORMS": "0",
            "quiz-TOTAL_FORMS": "0",
            "quiz-INITIAL_FORMS": "0",
            "evaluation_questions-TOTAL_FORMS": "0",
            "evaluation_questions-INITIAL_FORMS": "0",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    client.logout()
    assert titles(search(client, q="motivational")) == ["Motivational interviewing"]
    assert titles(search(client, q="reflective")) == ["Motivational interviewing"]


@pytest.mark.django_db(transaction=True)  # the command VACUUMs, outside any transaction
def test_refresh_search_rebuilds_every_vector_and_the_word_list(client):
    module = indexed_module(lines=["Psychological safety."])
    with connection.cursor() as cursor:
        cursor.execute("UPDATE modules_module SET search_vector = NULL")
    SearchWord.objects.create(word="obsoleteword")
    assert titles(search(client, q="safety")) == []
    call_command("refresh_search", stdout=io.StringIO())
    assert titles(search(client, q="safety")) == [module.title]
    assert not SearchWord.objects.filter(word="obsoleteword").exists()
    assert SearchWord.objects.filter(word="psychological").exists()


# --- filters and pagination ----------------------------------------------------------


def test_filters_narrow_the_results_and_keep_the_query(client):
    series = make_series(title="Foundations", slug="foundations")
    competency = Competency.objects.create(name="Active listening skills")
    in_series = indexed_module(series=series, lines=["Agenda setting."])
    with_competency = indexed_module(lines=["Agenda setting too."])
    with_competency.competencies.add(competency)
    refresh_search_vector(with_competency)
    assert titles(search(client, q="agenda", series="foundations")) == [in_series.title]
    response = search(client, q="agenda", competency=competency.pk)
    assert titles(response) == [with_competency.title]
    html = response.content.decode()
    assert 'value="agenda"' in html
    assert f'<option value="{competency.pk}" selected>' in html


def test_unknown_filter_values_are_ignored_not_an_error(client):
    module = indexed_module(lines=["Agenda."])
    for params in (
        {"series": "no-such-series"},
        {"competency": "abc"},
        {"competency": "99999999999999999999999"},
        {"competency": "-1"},
        {"page": "x"},
        {"page": "99999"},
    ):
        assert titles(search(client, q="agenda", **params)) == [module.title]


def test_results_come_ten_to_a_page_and_page_links_keep_the_query_and_filters(client):
    series = make_series(slug="long-series")
    for number in range(23):
        indexed_module(series=series, position=number, lines=["Curiosity."])
    first = search(client, q="curiosity", series="long-series")
    assert len(first.context["results"]) == 10
    assert first.context["page"].paginator.num_pages == 3
    html = first.content.decode()
    assert 'href="?q=curiosity&amp;series=long-series&amp;page=2"' in html
    third = search(client, q="curiosity", series="long-series", page=3)
    assert len(third.context["results"]) == 3
    assert "23 modules match “curiosity” in" in third.content.decode()


def test_an_empty_query_lists_every_published_module_in_catalog_order(client):
    series = make_series(title="A series")
    second = indexed_module(series=series, position=2, title="Second")
    first = indexed_module(series=series, position=1, title="First")
    loose = indexed_module(title="Loose")
    indexed_module(title="Hidden", published=False)
    response = search(client, q="   ")
    assert titles(response) == [first.title, second.title, loose.title]
    assert "3 published modules" in response.content.decode()


def test_search_queries_do_not_grow_with_results(client, django_assert_max_num_queries):
    for _ in range(10):
        indexed_module(lines=["Empathy one.", "Empathy two."])
    # choices for the two filters, count, page, snippets
    with django_assert_max_num_queries(5):
        search(client, q="empathy")


# --- forgiving input ------------------------------------------------------------------

ODD_QUERIES = [
    '"',
    '"unclosed phrase',
    "&&& ||| !!! <-> :* ( ) ' \\",
    "a & | b ! <2> c",
    "-",
    "or",
    "-or- or -",
    "🙂🙃 👩‍⚕️",
    "x" * 10_000,
    "word " * 2_000,
    "NUL\x00byte and \x07 bell",
    "'; DROP TABLE modules_module; --",
    "%_%",
    "ünïcödé café résumé",
    "\u202e right to left \u200b zero width",
    "the",
]


@pytest.mark.parametrize("query", ODD_QUERIES, ids=range(len(ODD_QUERIES)))
def test_any_string_is_a_valid_search(client, query):
    indexed_module(lines=["Café word résumé."])
    response = client.get(reverse("modules:search"), {"q": query})
    assert response.status_code == 200


def test_long_queries_are_cut_and_the_page_says_so(client):
    response = search(client, q="feedback " * 100)
    assert len(response.context["query"].text) <= MAX_QUERY_CHARS
    assert f"only its first {MAX_QUERY_CHARS} characters were used" in response.content.decode()


def test_clean_query_drops_control_characters_and_cuts_at_a_word():
    assert clean_query("a\x00b\tc\n d").text == "a b c d"
    cut = clean_query("word " * 100)
    assert cut.was_cut and cut.text.endswith("word") and len(cut.text) <= MAX_QUERY_CHARS


def test_queries_of_common_words_only_say_why_nothing_was_found(client):
    indexed_module(lines=["The coach and the learner."])
    html = search(client, q="the and").content.decode()
    assert "No modules match" in html
    assert "Very common words" in html


# --- no results -----------------------------------------------------------------------


def test_no_results_suggest_a_close_spelling_that_finds_something(client):
    module = indexed_module(lines=["Confidentiality is the basis of coaching."])
    response = search(client, q="confidentality")
    assert titles(response) == []
    assert response.context["suggestion"] == "confidentiality"
    html = response.content.decode()
    assert "Did you mean" in html
    assert 'href="/search/?q=confidentiality"' in html
    assert titles(search(client, q="confidentiality")) == [module.title]


def test_suggestions_keep_the_rest_of_the_query_and_its_case(client):
    indexed_module(lines=["Reflective practice and feedback."])
    assert search(client, q="Reflectve feedback").context["suggestion"] == "reflective feedback"


def test_no_suggestion_when_nothing_is_close(client):
    indexed_module(lines=["Confidentiality."])
    response = search(client, q="zebra")
    assert response.context["suggestion"] is None
    assert "Did you mean" not in response.content.decode()


def test_words_of_unpublished_modules_are_never_suggested(client):
    indexed_module(title="Secret draft", lines=["Xenotransplantation."], published=False)
    assert search(client, q="xenotransplantatio").context["suggestion"] is None


def test_no_results_with_filters_offer_to_search_everywhere(client):
    make_series(slug="empty-series", title="Empty")
    indexed_module(lines=["Agenda."])
    other = make_series(slug="other-series")
    indexed_module(series=other, lines=["Nothing."])
    html = search(client, q="agenda", series="other-series").content.decode()
    assert 'href="/search/?q=agenda"' in html


# --- page structure -------------------------------------------------------------------


def test_the_result_count_is_announced_and_the_form_is_labelled(client):
    indexed_module(lines=["Empathy."])
    html = search(client, q="empathy").content.decode()
    assert re.search(r'role="status" aria-live="polite">\s*1 module matches “empathy”', html)
    assert '<label for="search-q">Search for</label>' in html
    assert '<label for="id_series">Series</label>' in html


def test_the_header_has_the_search_and_activity_lookup_boxes(client):
    html = client.get(reverse("modules:catalog")).content.decode()
    assert '<label for="header-lookup-code">Look up an activity</label>' in html
    assert 'action="/lookup/"' in html and 'action="/search/"' in html


def test_search_module_queryset_is_usable_directly():
    module = indexed_module(title="Questions that open", lines=["Open questions."])
    assert list(search_modules("open question")) == [module]
