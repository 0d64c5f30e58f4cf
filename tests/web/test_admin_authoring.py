"""Authoring in the admin: uploads checked by content, transcripts read, publishing rules,
corrections of single lines, the quiz's pages and the "Module authors" group."""

import importlib
import struct
from pathlib import Path

import pytest
from django.apps import apps as global_apps
from django.contrib.auth.models import Group, Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from certificates.models import NO_EVALUATION
from modules.media_files import MP4, WEBM, sniff_video
from modules.models import Cue, LearningObjective, Module
from modules.publishing import NO_OBJECTIVE, NO_TRANSCRIPT, NO_VIDEO
from modules.transcripts import parse_transcript
from quizzes.models import Question
from quizzes.publishing import NO_QUIZ
from tests.factories import DEMO_DIR, attach_demo_video, make_module, make_quiz

pytestmark = pytest.mark.django_db

authors_migration = importlib.import_module("coachlearn.migrations.0001_module_authors_group")

FIXTURES = Path(__file__).parents[1] / "fixtures"
ADD_URL = reverse("admin:modules_module_add")
GOOD_TRANSCRIPT = b"Coach: [00:00] Welcome.\n\nStudent: [00:07] Thanks.\n\n(Laughter)\n"
BROKEN_TRANSCRIPT = b"Coach: [00:00] Welcome.\n\nCoach: [01:75] Broken.\n"


@pytest.fixture
def authors_group(db):
    # Transactional tests elsewhere flush the database, rows made by data migrations too;
    # make the group again exactly as the migration does.
    group = Group.objects.filter(name=authors_migration.GROUP).first()
    if group is None:
        authors_migration.create_group(global_apps, None)
        group = Group.objects.get(name=authors_migration.GROUP)
    return group


@pytest.fixture
def module_author(author, authors_group):
    author.groups.add(authors_group)
    return author


def demo_video(name="talk.webm") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DEMO_DIR / "coaching-basics.webm").read_bytes(), "video/webm")


def transcript(data=GOOD_TRANSCRIPT, name="transcript.txt") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "text/plain")


def module_form(**fields) -> dict:
    data = {
        "title": "Giving Feedback",
        "slug": "giving-feedback",
        "activity_code": "CL-0100",
        "series": "",
        "position": "1",
        "duration_seconds": "",
        "summary": "",
        "description": "",
        "credit": "0.25",
        "disclosure_statement": "",
        "participation_statement": "",
        "published_at_0": "",
        "published_at_1": "",
        "objectives-TOTAL_FORMS": "1",
        "objectives-INITIAL_FORMS": "0",
        "objectives-MIN_NUM_FORMS": "0",
        "objectives-MAX_NUM_FORMS": "1000",
        "objectives-0-position": "1",
        "objectives-0-text": "Give feedback the learner can use.",
        "_continue": "Save and continue editing",
    }
    for inline in ("quiz", "evaluation_questions"):  # the page's other inlines, left empty
        data |= {f"{inline}-TOTAL_FORMS": "0", f"{inline}-INITIAL_FORMS": "0"}
        data |= {f"{inline}-MIN_NUM_FORMS": "0", f"{inline}-MAX_NUM_FORMS": "1000"}
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def change_form(module: Module, **fields) -> dict:
    """The change form of an existing module as the admin would post it back."""
    objectives = list(module.objectives.all())
    data = module_form(
        title=module.title,
        slug=module.slug,
        activity_code=module.activity_code,
        credit=str(module.credit),
        **{
            "objectives-TOTAL_FORMS": str(len(objectives)),
            "objectives-INITIAL_FORMS": str(len(objectives)),
            "objectives-0-position": None,
            "objectives-0-text": None,
        },
    )
    for index, objective in enumerate(objectives):
        data[f"objectives-{index}-id"] = str(objective.pk)
        data[f"objectives-{index}-module"] = str(module.pk)
        data[f"objectives-{index}-position"] = str(objective.position)
        data[f"objectives-{index}-text"] = objective.text
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def stored_files(settings) -> list[str]:
    """Media stored for modules (a refused save's accepted files are kept as drafts)."""
    root = settings.MEDIA_ROOT
    stored = (str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    return sorted(name for name in stored if not name.startswith("drafts/"))


def form_errors(response) -> str:
    return " ".join(str(error) for error in response.context["errors"])


def page_messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- uploads ---------------------------------------------------------------------------


def test_an_admin_adds_a_module_with_a_video_and_a_transcript(admin_client, settings):
    data = module_form(video=demo_video(), transcript_file=transcript())
    response = admin_client.post(ADD_URL, data)
    module = Module.objects.get(slug="giving-feedback")
    assert response.status_code == 302
    assert module.video.name.startswith("videos/")
    assert [cue.speaker for cue in module.cues.all()] == ["Coach", "Student", "Student"]
    assert module.objectives.get().text == "Give feedback the learner can use."


def test_the_change_page_summarises_the_transcript(admin_client):
    admin_client.post(ADD_URL, module_form(transcript_file=transcript()))
    module = Module.objects.get(slug="giving-feedback")
    page = admin_client.get(reverse("admin:modules_module_change", args=[module.pk]))
    summary = page.content.decode()
    assert "<strong>3 lines</strong>, timed from 0:00 to 0:07" in summary
    assert "1 untimed line (shown" in summary and "Line 3: Student: (Laughter)" in summary
    assert f"?module__id__exact={module.pk}" in summary


def test_a_renamed_text_file_is_refused_as_a_video(admin_client, settings):
    fake = SimpleUploadedFile("lecture.mp4", b"just some notes, not a video\n" * 10)
    response = admin_client.post(ADD_URL, module_form(video=fake, transcript_file=transcript()))
    assert response.status_code == 200
    assert "lecture.mp4 is not an MP4 or WebM video" in form_errors(response)
    assert Module.objects.count() == 0
    assert stored_files(settings) == []


def test_a_video_over_the_size_limit_is_refused_naming_the_file_and_the_limit(
    admin_client, settings
):
    settings.MAX_VIDEO_UPLOAD_BYTES = 1000
    response = admin_client.post(ADD_URL, module_form(video=demo_video("big.webm")))
    assert "big.webm is 1.7 MB; files up to 1 KB are accepted." in form_errors(response)
    assert Module.objects.count() == 0
    assert stored_files(settings) == []


def test_a_broken_transcript_is_shown_with_its_line_and_nothing_is_saved(admin_client, settings):
    data = module_form(video=demo_video(), transcript_file=transcript(BROKEN_TRANSCRIPT, "t.txt"))
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert "t.txt, line 3: timestamp [01:75] has 75 seconds" in form_errors(response)
    assert Module.objects.count() == 0
    assert LearningObjective.objects.count() == 0
    assert stored_files(settings) == []


def test_a_broken_transcript_leaves_an_existing_module_as_it_was(admin_client, settings):
    module = attach_demo_video(make_module(cues=4, published=False))
    files_before, cues_before = stored_files(settings), list(module.cues.values_list("text"))
    data = change_form(
        module,
        title="Renamed",
        video=demo_video("new.webm"),
        transcript_file=transcript(BROKEN_TRANSCRIPT, "t.vtt"),
    )
    response = admin_client.post(reverse("admin:modules_module_change", args=[module.pk]), data)
    assert "t.vtt, line 1: not a WebVTT file" in form_errors(response)
    module.refresh_from_db()
    assert module.title != "Renamed"
    assert list(module.cues.values_list("text")) == cues_before
    assert stored_files(settings) == files_before


def test_a_transcript_in_another_format_is_refused(admin_client):
    data = module_form(transcript_file=transcript(b"PK\x03\x04", "notes.docx"))
    response = admin_client.post(ADD_URL, data)
    assert "notes.docx: upload the transcript as plain text (.txt)" in form_errors(response)
    assert Module.objects.count() == 0


@pytest.mark.parametrize("name", ["talk.vtt", "talk.srt"])
def test_webvtt_and_srt_transcripts_are_read(admin_client, name):
    source = FIXTURES / "transcripts" / f"coaching_basics{name[-4:]}"
    upload = transcript(source.read_bytes(), name)
    admin_client.post(ADD_URL, module_form(transcript_file=upload))
    expected = parse_transcript(source.read_bytes(), filename=name)
    assert Module.objects.get(slug="giving-feedback").cues.count() == len(expected) > 0


SPEAKERS_ONCE_EACH = (
    b"1\n00:00:01,000 --> 00:00:02,000\nCOACH: Welcome.\n\n"
    b"2\n00:00:02,000 --> 00:00:04,000\nStudent: Thanks.\n\n"
    b"3\n00:00:04,000 --> 00:00:05,000\nNote: this part is optional.\n"
)


def test_names_at_line_starts_are_speakers_when_the_admin_ticks_the_box(admin_client):
    data = module_form(transcript_file=transcript(SPEAKERS_ONCE_EACH, "talk.srt"))
    response = admin_client.post(ADD_URL, {**data, "transcript_names_speakers": "on"}, follow=True)
    module = Module.objects.get(slug="giving-feedback")
    assert [cue.speaker for cue in module.cues.all()] == ["COACH", "Student", "Note"]
    assert (
        "talk.srt was read (SRT): 3 lines. Speakers: COACH, Student, Note "
        "(from names at line starts, as asked)." in page_messages(response)
    )


def test_names_once_each_are_text_unless_the_box_is_ticked(admin_client):
    data = module_form(transcript_file=transcript(SPEAKERS_ONCE_EACH, "talk.srt"))
    response = admin_client.post(ADD_URL, data, follow=True)
    module = Module.objects.get(slug="giving-feedback")
    assert [cue.speaker for cue in module.cues.all()] == ["", "", ""]
    assert module.cues.first().text == "COACH: Welcome."
    assert "talk.srt was read (SRT): 3 lines. No speakers: the file marks none." in (
        page_messages(response)
    )


def test_the_encoding_and_every_repair_are_reported_with_their_lines(admin_client):
    srt = "1\n00:00:01 --> 00:00:02,000\nCafé\n\n2\n00:00:05,000 --> 00:00:03,000\nNaïve\n"
    data = module_form(transcript_file=transcript(srt.encode("cp1252"), "old.srt"))
    shown = page_messages(admin_client.post(ADD_URL, data, follow=True))
    assert shown[1:-1] == [
        "old.srt is not UTF-8; it was read as Windows-1252. "
        "Check that its accented letters look right.",
        "old.srt, line 2: 00:00:01 has no milliseconds; read as 00:00:01.000",
        "old.srt, line 6: the cue ends before it starts (00:00:05,000 --> 00:00:03,000); "
        "its end is computed",
    ]
    module = Module.objects.get(slug="giving-feedback")
    assert list(module.cues.values_list("text", "start_seconds", "end_seconds")) == [
        ("Café", 1.0, 2.0),
        ("Naïve", 5.0, None),
    ]


def test_the_summary_lists_the_speakers_linked_to_their_lines(admin_client):
    admin_client.post(ADD_URL, module_form(transcript_file=transcript()))
    module = Module.objects.get(slug="giving-feedback")
    page = admin_client.get(reverse("admin:modules_module_change", args=[module.pk]))
    summary = page.content.decode()
    assert "Speakers: <a" in summary and "Student</a> (2 lines)" in summary
    link = reverse("admin:modules_cue_changelist") + f"?module__id__exact={module.pk}"
    lines = admin_client.get(link + "&speaker=Student")
    assert lines.status_code == 200
    assert [cue.speaker for cue in lines.context["cl"].result_list] == ["Student", "Student"]


def test_uploading_a_transcript_again_replaces_the_lines(admin_client):
    module = make_module(cues=30, published=False)
    url = reverse("admin:modules_module_change", args=[module.pk])
    admin_client.post(url, change_form(module, transcript_file=transcript()))
    assert module.cues.count() == 3


# --- recognising videos ----------------------------------------------------------------


def test_videos_are_recognised_by_their_first_bytes():
    mp4_head = struct.pack(">I", 24) + b"ftypisom" + b"\x00" * 12
    assert sniff_video(mp4_head) is MP4
    assert sniff_video((DEMO_DIR / "coaching-basics.webm").read_bytes()[:4096]) is WEBM
    matroska = bytes.fromhex("1a45dfa3 8b 4282 88") + b"matroska"
    assert sniff_video(matroska) is None
    assert sniff_video(b"\x1a\x45\xdf\xa3") is None
    assert sniff_video(b"WEBVTT\n\n") is None


# --- publishing ------------------------------------------------------------------------


def test_publishing_an_empty_module_saves_it_as_a_draft_and_names_every_missing_piece(
    admin_client,
):
    data = module_form(_publish="1", **{"objectives-0-text": ""})
    response = admin_client.post(ADD_URL, data, follow=True)
    module = Module.objects.get(slug="giving-feedback")
    assert not module.is_published
    assert page_messages(response)[-6:] == [
        "Giving Feedback was saved as a draft, not published:",
        NO_VIDEO,
        NO_TRANSCRIPT,
        NO_OBJECTIVE,
        NO_QUIZ,
        NO_EVALUATION,
    ]


def test_publishing_needs_a_quiz_question_for_every_objective(admin_client):
    module = attach_demo_video(make_module(cues=5, objectives=2, published=False))
    quiz = make_quiz(module)
    second = module.objectives.get(position=2)
    quiz.questions.filter(objective=second).delete()
    url = reverse("admin:modules_module_change", args=[module.pk])
    data = change_form(module, without_evaluation="on", _publish="1")
    response = admin_client.post(url, data, follow=True)
    assert page_messages(response)[-1] == (
        f"The quiz has no question for objective 2: “{second.text}”."
    )
    module.refresh_from_db()
    assert not module.is_published


def test_a_complete_module_is_published_with_the_publish_button(admin_client):
    module = attach_demo_video(make_module(cues=5, objectives=2, published=False))
    make_quiz(module)
    url = reverse("admin:modules_module_change", args=[module.pk])
    response = admin_client.post(url, change_form(module, without_evaluation="on", _publish="1"))
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.is_published and module.published_at is not None


def test_a_published_module_can_be_edited_but_not_stripped_of_what_it_needs(admin_client):
    module = make_module(cues=3, objectives=2)  # published before the rules: no video, no quiz
    url = reverse("admin:modules_module_change", args=[module.pk])
    response = admin_client.post(url, change_form(module, title="Retitled"))
    assert response.status_code == 302
    module.refresh_from_db()
    assert module.title == "Retitled"
    removing = {"objectives-0-DELETE": "on", "objectives-1-DELETE": "on"}
    response = admin_client.post(url, change_form(module, **removing), follow=True)
    assert f"would leave it without: {NO_OBJECTIVE}" in page_messages(response)[-1]
    assert module.objectives.count() == 2


def test_the_publish_action_uses_the_same_rules(admin_client):
    ready = attach_demo_video(make_module(cues=5, published=False, without_evaluation=True))
    make_quiz(ready)
    bare = make_module(objectives=1, published=False)
    response = admin_client.post(
        reverse("admin:modules_module_changelist"),
        {"action": "publish_selected", "_selected_action": [ready.pk, bare.pk]},
        follow=True,
    )
    shown = page_messages(response)
    assert f"{bare.activity_code} {bare.title}: {NO_VIDEO}" in shown
    assert f"{bare.activity_code} {bare.title}: {NO_TRANSCRIPT}" in shown
    assert f"{bare.activity_code} {bare.title}: {NO_QUIZ}" in shown
    assert "Published 1 module(s)." in shown
    ready.refresh_from_db(), bare.refresh_from_db()
    assert ready.is_published and not bare.is_published


def test_staff_get_a_preview_link_to_an_unpublished_module(admin_client):
    module = make_module(published=False)
    page = admin_client.get(reverse("admin:modules_module_change", args=[module.pk]))
    assert f'href="{module.get_absolute_url()}" data-preview-link' in page.content.decode()
    preview = admin_client.get(module.get_absolute_url())
    assert preview.status_code == 200


def test_the_module_page_holds_its_quiz_and_its_evaluation(admin_client):
    module = make_module(published=False)
    quiz = make_quiz(module)
    page = admin_client.get(reverse("admin:modules_module_change", args=[module.pk]))
    html = page.content.decode()
    assert 'id="quiz-group"' in html and 'id="evaluation_questions-group"' in html
    assert f'name="quiz-0-id" value="{quiz.pk}"' in html
    assert 'name="quiz-0-questions-0-choices-1-text"' in html


def test_the_module_list_searches_and_filters(admin_client):
    wanted = make_module(title="Feedback in the clinic", published=False)
    make_module(title="Something else")
    url = reverse("admin:modules_module_changelist")
    found = admin_client.get(url, {"q": wanted.activity_code})
    assert list(found.context["cl"].result_list) == [wanted]
    unpublished = admin_client.get(url, {"is_published__exact": "0"})
    assert list(unpublished.context["cl"].result_list) == [wanted]


# --- correcting lines ------------------------------------------------------------------


def test_a_line_is_corrected_without_uploading_again(admin_client):
    module = make_module(cues=3)
    cue = module.cues.get(position=2)
    before = module.updated_at
    response = admin_client.post(
        reverse("admin:modules_cue_change", args=[cue.pk]),
        {"start_seconds": "6", "end_seconds": "10", "speaker": "Dr. Lee", "text": "Corrected."},
    )
    assert response.status_code == 302
    cue.refresh_from_db(), module.refresh_from_db()
    assert (cue.start_seconds, cue.speaker, cue.text) == (6.0, "Dr. Lee", "Corrected.")
    assert module.updated_at > before  # cached pages and captions are rebuilt


def test_the_line_list_of_a_long_transcript_is_filtered_and_paginated(admin_client):
    module = make_module(cues=1000)
    make_module(cues=5)
    url = reverse("admin:modules_cue_changelist")
    response = admin_client.get(url, {"module__id__exact": module.pk})
    assert response.context["cl"].result_count == 1000
    assert len(response.context["cl"].result_list) == 50
    change = admin_client.get(reverse("admin:modules_module_change", args=[module.pk]))
    assert "<strong>1000 lines</strong>" in change.content.decode()
    assert "Line 999 about" not in change.content.decode()  # lines are not all on the page


def test_a_line_cannot_end_before_it_starts(admin_client):
    cue = make_module(cues=3).cues.get(position=2)
    response = admin_client.post(
        reverse("admin:modules_cue_change", args=[cue.pk]),
        {"start_seconds": "20", "end_seconds": "10", "speaker": "Coach", "text": "x"},
    )
    assert response.status_code == 200
    assert Cue.objects.get(pk=cue.pk).start_seconds == 5.0


# --- the quiz's pages ------------------------------------------------------------------


def test_question_objectives_are_only_those_of_the_quizs_module(admin_client):
    module = make_module(objectives=2)
    other = make_module(objectives=1)
    quiz = make_quiz(module)
    page = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk]))
    offered = set(
        page.context["inline_admin_formsets"][0].formset.forms[0].fields["objective"].queryset
    )
    assert offered == set(module.objectives.all())
    question = quiz.questions.first()
    response = admin_client.post(
        reverse("admin:quizzes_question_change", args=[question.pk]),
        {
            "position": "1",
            "text": question.text,
            "kind": "single",
            "objective": str(other.objectives.get().pk),
            "review_at_seconds": "",
            "choices-TOTAL_FORMS": "0",
            "choices-INITIAL_FORMS": "0",
            "choices-MIN_NUM_FORMS": "0",
            "choices-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["errors"])


@pytest.mark.parametrize(("kind", "accepted"), [("single", False), ("multiple", True)])
def test_only_a_multiple_select_question_may_have_two_right_choices(admin_client, kind, accepted):
    quiz = make_quiz(make_module(objectives=1))
    question = quiz.questions.first()
    existing = list(question.choices.all())
    data = {
        "position": "1",
        "text": question.text,
        "kind": kind,
        "objective": str(question.objective_id),
        "review_at_seconds": "",
        "choices-TOTAL_FORMS": str(len(existing) + 1),
        "choices-INITIAL_FORMS": str(len(existing)),
        "choices-MIN_NUM_FORMS": "0",
        "choices-MAX_NUM_FORMS": "1000",
    }
    for number, choice in enumerate(existing):
        data |= {
            f"choices-{number}-id": str(choice.pk),
            f"choices-{number}-question": str(question.pk),
            f"choices-{number}-position": str(choice.position),
            f"choices-{number}-text": choice.text,
            f"choices-{number}-explanation": "",
        }
        if choice.is_correct:
            data[f"choices-{number}-is_correct"] = "on"
    extra = len(existing)
    data |= {
        f"choices-{extra}-question": str(question.pk),
        f"choices-{extra}-position": "9",
        f"choices-{extra}-text": "Also right",
        f"choices-{extra}-is_correct": "on",
        f"choices-{extra}-explanation": "",
    }
    response = admin_client.post(reverse("admin:quizzes_question_change", args=[question.pk]), data)
    if accepted:
        assert response.status_code == 302
        assert question.choices.filter(is_correct=True).count() == 2
    else:
        assert response.status_code == 200
        assert "mark exactly one choice as correct" in str(response.context["errors"])
        assert not question.choices.filter(text="Also right").exists()


def test_each_questions_dropdown_shows_its_own_objective(admin_client):
    quiz = make_quiz(make_module(objectives=3))
    html = admin_client.get(reverse("admin:quizzes_quiz_change", args=[quiz.pk])).content
    html = html.decode()
    for number, question in enumerate(quiz.questions.order_by("position", "pk")):
        dropdown = html.split(f'name="questions-{number}-objective"', 1)[1].split("</select>")[0]
        assert f'value="{question.objective_id}" selected' in dropdown
        assert dropdown.count(" selected") == 1


def _quiz_form(quiz, questions) -> dict:
    data = {
        "pass_mark": "80",
        "max_attempts": "",
        "required_watch_percent": "0",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": str(sum(1 for q in questions if q.get("id"))),
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for index, question in enumerate(questions):
        for key, value in question.items():
            data[f"questions-{index}-{key}"] = value
    return data


def _posted_question(question: Question) -> dict:
    return {
        "id": str(question.pk),
        "quiz": str(question.quiz_id),
        "position": str(question.position),
        "text": question.text,
        "kind": question.kind,
        "objective": str(question.objective_id),
        "review_at_seconds": "",
    }


def test_the_quiz_page_adds_the_question_a_new_objective_needs(admin_client):
    # A draft: in a published module a question comes with its choices (test_answerable_quiz).
    module = make_module(objectives=1, published=False)
    quiz = make_quiz(module)
    new = LearningObjective.objects.create(module=module, position=2, text="Name the next step.")
    questions = [_posted_question(q) for q in quiz.questions.all()]
    questions.append(
        {"position": "2", "text": "What comes next?", "kind": "single", "objective": str(new.pk)}
    )
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    response = admin_client.post(url, _quiz_form(quiz, questions))
    assert response.status_code == 302
    assert quiz.questions.filter(objective=new).exists()


def test_the_quiz_page_keeps_a_question_for_every_objective(admin_client):
    module = make_module(objectives=2)
    quiz = make_quiz(module)
    questions = [_posted_question(q) for q in quiz.questions.all()]
    questions[1]["DELETE"] = "on"
    url = reverse("admin:quizzes_quiz_change", args=[quiz.pk])
    response = admin_client.post(url, _quiz_form(quiz, questions))
    assert response.status_code == 200
    assert "No question asks about “Objective 2" in str(response.context["errors"])
    assert quiz.questions.count() == 2


# --- who may author --------------------------------------------------------------------


def test_the_module_authors_group_may_author_modules_and_quizzes_and_nothing_else(authors_group):
    granted = set(authors_group.permissions.values_list("content_type__app_label", "codename"))
    assert ("modules", "add_module") in granted
    assert ("modules", "change_cue") in granted
    assert ("quizzes", "change_choice") in granted
    assert ("modules", "delete_module") not in granted
    assert {app for app, _ in granted} == {"modules", "quizzes"}
    assert not {name for _, name in granted} & {
        "view_attempt",
        "view_completion",
        "view_watchprogress",
        "view_savedsearch",
        "view_savedcourse",
    }


def test_the_migration_makes_the_group_on_an_empty_database(authors_group):
    Permission.objects.filter(content_type__app_label="quizzes").delete()
    authors_group.delete()
    authors_migration.create_group(global_apps, None)
    group = Group.objects.get(name="Module authors")
    assert group.permissions.filter(codename="add_question").exists()


def test_a_module_author_reaches_the_module_add_page(client, module_author):
    client.force_login(module_author)
    assert client.get(ADD_URL).status_code == 200
    assert client.get(reverse("admin:quizzes_quiz_add")).status_code == 200


def test_a_module_author_adds_a_module(client, module_author):
    client.force_login(module_author)
    response = client.post(ADD_URL, module_form(video=demo_video(), transcript_file=transcript()))
    assert response.status_code == 302
    assert Module.objects.get().cues.count() == 3


def test_a_module_author_cannot_change_users(client, module_author, learner):
    client.force_login(module_author)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 403
    user_page = reverse("admin:accounts_user_change", args=[learner.pk])
    assert client.get(user_page).status_code == 403
    assert client.get(reverse("admin:quizzes_attempt_changelist")).status_code == 403


def test_staff_outside_the_group_cannot_add_modules(client, author):
    client.force_login(author)
    assert client.get(ADD_URL).status_code == 403


def test_superusers_do_everything(admin_client, learner):
    assert admin_client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert admin_client.get(ADD_URL).status_code == 200


def test_the_upload_page_has_a_progress_bar_and_the_size_limit(admin_client, settings):
    settings.MAX_VIDEO_UPLOAD_BYTES = 2 * 10**6
    page = admin_client.get(ADD_URL).content.decode()
    assert '<progress id="upload-progress-bar" max="100" value="0">' in page
    assert 'aria-live="polite"' in page
    assert 'data-max-bytes="2000000"' in page and "up to 2 MB" in page
    assert "js/upload_progress.js" in page


def test_a_video_is_known_by_its_content_not_its_name(admin_client):
    # A WebM uploaded as talk.txt is still a video: the form reads content, never names.
    response = admin_client.post(ADD_URL, module_form(video=demo_video("talk.txt")))
    assert response.status_code == 302
    module = Module.objects.get(slug="giving-feedback")
    with module.video.open("rb") as stored:
        assert sniff_video(stored.read(4096)) is WEBM


def test_no_two_sections_of_the_admin_index_have_the_same_name(admin_client):
    names = [app["name"] for app in admin_client.get(reverse("admin:index")).context["app_list"]]
    assert len(names) == len(set(names)), names
