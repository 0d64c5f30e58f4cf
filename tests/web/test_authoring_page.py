"""A module's one authoring page: its quiz, questions, choices and evaluation saved together,
the publishing checklist, the Publish button, kept uploads, true/false choices and m:ss."""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from authoring.forms import PUBLISHED_AT_HELP
from authoring.models import DraftUpload
from authoring.services import discard_expired_drafts
from certificates.models import NO_EVALUATION, EvaluationQuestion
from modules.models import Module
from modules.publishing import NO_TRANSCRIPT, NO_VIDEO
from quizzes.models import Question
from quizzes.publishing import NO_QUIZ
from tests.factories import DEMO_DIR, attach_demo_video, make_module, make_quiz

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:modules_module_add")
TRANSCRIPT = b"Coach: [00:00] Welcome.\n\nStudent: [00:07] Thanks.\n\n(Laughter)\n"


def change_url(module) -> str:
    return reverse("admin:modules_module_change", args=[module.pk])


class _FormReader(HTMLParser):
    """What a browser would send for the page's module form, files and buttons aside."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select = None
        self._textarea = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self._add(name, attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self._add(self._select, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data.lstrip("\n")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def page_form(response, **changes) -> dict:
    """The page's form as it would be posted back, with `changes` (None removes a field)."""
    html = response.content.decode()
    start = html.index('<form enctype="multipart/form-data"')
    reader = _FormReader()
    reader.feed(html[start : html.index("</form>", start)])
    data = {name: values if len(values) > 1 else values[0] for name, values in reader.data.items()}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def new_module(admin_client, **changes):
    """The add page filled in and saved as a draft; the module."""
    data = page_form(
        admin_client.get(ADD_URL),
        title="Coaching Basics",
        slug="coaching-basics",
        activity_code="CL-0100",
        credit="0.25",
        **{"objectives-0-position": "1", "objectives-0-text": "Name the coaching agreement."},
        _continue="Save and continue editing",
        **changes,
    )
    response = admin_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context and response.context["errors"]
    return Module.objects.get(slug="coaching-basics")


def with_question(module, admin_client, *, kind="single", choices=(("Yes", True), ("No", False))):
    """The module's page posted back with a quiz of one question and its choices."""
    page = admin_client.get(change_url(module))
    objective = module.objectives.get()
    fields = {
        "quiz-0-questions-TOTAL_FORMS": "1",
        "quiz-0-questions-0-position": "1",
        "quiz-0-questions-0-text": "What comes first?",
        "quiz-0-questions-0-kind": kind,
        "quiz-0-questions-0-objective": str(objective.pk),
        "quiz-0-questions-0-review_at_seconds": "6:59",
        "quiz-0-questions-0-choices-TOTAL_FORMS": str(len(choices)),
        "quiz-0-questions-0-choices-INITIAL_FORMS": "0",
        "quiz-0-questions-0-choices-MIN_NUM_FORMS": "0",
        "quiz-0-questions-0-choices-MAX_NUM_FORMS": "1000",
        "quiz-0-questions-INITIAL_FORMS": "0",
        "quiz-0-questions-MIN_NUM_FORMS": "0",
        "quiz-0-questions-MAX_NUM_FORMS": "1000",
    }
    for index, (text, right) in enumerate(choices):
        fields[f"quiz-0-questions-0-choices-{index}-position"] = str(index + 1)
        fields[f"quiz-0-questions-0-choices-{index}-text"] = text
        if right:
            fields[f"quiz-0-questions-0-choices-{index}-is_correct"] = "on"
    return page_form(page, _continue="Save and continue editing", **fields)


def video(name="talk.webm") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, (DEMO_DIR / "coaching-basics.webm").read_bytes(), "video/webm")


def transcript(name="transcript.txt", data=TRANSCRIPT) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, "text/plain")


def checklist(response) -> dict[str, str]:
    html = response.content.decode()
    items = re.findall(r'data-checklist-item="(\w+)">(.*?)</li>', html, re.S)
    return {key: re.sub(r"\s+", " ", re.sub("<[^>]+>", " ", body)).strip() for key, body in items}


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- one page ---------------------------------------------------------------------------


def test_a_quiz_with_its_questions_choices_and_the_evaluation_is_saved_on_the_module_page(
    admin_client,
):
    module = new_module(
        admin_client,
        **{
            "evaluation_questions-0-position": "1",
            "evaluation_questions-0-text": "Will you use this in practice?",
            "evaluation_questions-0-kind": "yes_no",
        },
    )
    response = admin_client.post(change_url(module), with_question(module, admin_client))
    assert response.status_code == 302
    question = Question.objects.get(quiz__module=module)
    choices = [(c.text, c.is_correct) for c in question.choices.all()]
    assert choices == [("Yes", True), ("No", False)]
    assert question.review_at_seconds == 419
    assert EvaluationQuestion.objects.get(module=module).text == "Will you use this in practice?"


def test_a_question_offers_only_the_objectives_of_its_own_module(admin_client):
    other = make_module()
    module = new_module(admin_client)
    data = with_question(module, admin_client)
    data["quiz-0-questions-0-objective"] = str(other.objectives.first().pk)
    response = admin_client.post(change_url(module), data)
    assert response.status_code == 200
    assert "Select a valid choice" in str(response.context["errors"])
    assert not Question.objects.exists()


def test_review_moments_and_the_duration_are_shown_as_minutes_and_seconds(admin_client):
    module = new_module(admin_client, duration_seconds="1:02:03")
    assert module.duration_seconds == 3723
    admin_client.post(change_url(module), with_question(module, admin_client))
    page = admin_client.get(change_url(module)).content.decode()
    assert 'name="quiz-0-questions-0-review_at_seconds" value="6:59"' in page
    assert 'name="duration_seconds" value="1:02:03"' in page


@pytest.mark.parametrize(
    ("written", "error"),
    [
        ("419", '"419" is not a time; write m:ss or h:mm:ss, such as 6:59'),
        ("6:75", '"6:75" has 75 seconds'),
    ],
)
def test_a_review_moment_that_is_not_m_ss_is_refused_with_what_is_wrong(
    admin_client, written, error
):
    module = new_module(admin_client)
    data = with_question(module, admin_client)
    data["quiz-0-questions-0-review_at_seconds"] = written
    response = admin_client.post(change_url(module), data)
    assert response.status_code == 200
    assert error in response.content.decode().replace("&quot;", '"')
    assert not Question.objects.exists()


def test_the_publishing_date_says_that_the_publish_button_publishes(admin_client):
    html = admin_client.get(ADD_URL).content.decode()
    assert PUBLISHED_AT_HELP in html.replace("&#x27;", "'")


def test_a_refused_save_lists_each_problem_with_its_place_and_a_link_to_its_input(
    admin_client,
):
    module = new_module(admin_client)
    data = with_question(module, admin_client)
    data.update({"duration_seconds": "x", "quiz-0-questions-0-review_at_seconds": "6:75"})
    html = admin_client.post(change_url(module), data).content.decode().replace("&quot;", '"')
    summary = html[
        html.index("data-error-summary") : html.index("</div>", html.index("data-error-summary"))
    ]
    assert "Nothing was saved. Please correct these 2 problems:" in summary
    assert '<a href="#id_duration_seconds">Duration: "x" is not a time;' in summary
    assert (
        '<a href="#id_quiz-0-questions-0-review_at_seconds">'
        'Quiz, question 1, review moment: "6:75" has 75 seconds</a>'
    ) in summary


def test_a_true_false_question_saved_without_choices_gets_true_and_false(admin_client):
    module = new_module(admin_client)
    data = with_question(module, admin_client, kind="true_false", choices=())
    assert admin_client.post(change_url(module), data).status_code == 302
    question = Question.objects.get(quiz__module=module)
    assert [c.text for c in question.choices.all()] == ["True", "False"]
    checks = checklist(admin_client.get(change_url(module)))
    assert "Mark at least one choice as correct." in checks["answerable"]


# --- the checklist and publishing -------------------------------------------------------


def test_a_new_module_s_checklist_says_what_to_do_and_links_to_where(admin_client):
    module = new_module(admin_client)
    response = admin_client.get(change_url(module))
    checks = checklist(response)
    assert list(checks) == [
        "video",
        "transcript",
        "objectives",
        "questions",
        "answerable",
        "evaluation",
    ]
    assert NO_VIDEO in checks["video"] and NO_TRANSCRIPT in checks["transcript"]
    assert "done" in checks["objectives"] and NO_QUIZ in checks["questions"]
    assert NO_EVALUATION in checks["evaluation"]
    html = response.content.decode()
    assert '<a href="#id_video">Go to the video</a>' in html
    assert '<a href="#evaluation_questions-group">Go to the evaluation</a>' in html
    assert re.search(r'name="_publish"[^>]*disabled aria-describedby="publish-reason"', html)
    assert "4 items of the checklist are not done yet" in html
    assert f'href="/modules/{module.slug}/" data-preview-link' in html


def test_the_checklist_reports_the_transcript_and_video_found(admin_client):
    module = attach_demo_video(make_module(cues=3, published=False))
    checks = checklist(admin_client.get(change_url(module)))
    assert "0:00 to 0:10; 2 speakers found; 0 untimed lines" in checks["transcript"]
    assert "Not processed" in checks["video"]


def test_a_transcript_of_one_line_is_counted_in_the_singular(admin_client):
    module = make_module(cues=1, published=False)
    page = admin_client.get(change_url(module))
    transcript = checklist(page)["transcript"]
    assert "1 line from 0:00 to 0:00; 1 speaker found; 0 untimed lines." in transcript
    assert "<strong>1 line</strong>" in page.content.decode()
    assert "Coach</a> (1 line)" in page.content.decode()


def complete_module(**fields) -> Module:
    module = attach_demo_video(make_module(cues=3, objectives=1, published=False, **fields))
    make_quiz(module)
    EvaluationQuestion.objects.create(module=module, text="Useful?")
    return module


def test_a_complete_module_is_published_by_its_button_and_says_where_it_is_live(admin_client):
    module = complete_module(title="Coaching Basics", slug="coaching-basics")
    page = admin_client.get(change_url(module))
    assert "Publish</button>" in page.content.decode()
    response = admin_client.post(change_url(module), page_form(page, _publish="1"), follow=True)
    module.refresh_from_db()
    assert module.is_live
    link = '<a href="/modules/coaching-basics/">/modules/coaching-basics/</a>'
    assert messages_of(response)[-1] == f"Coaching Basics is live at {link}"
    assert admin_client.get(module.get_absolute_url()).status_code == 200


def test_publishing_an_incomplete_module_saves_the_draft_and_says_what_it_lacks(admin_client):
    module = new_module(admin_client)
    data = page_form(admin_client.get(change_url(module)), title="Renamed", _publish="1")
    response = admin_client.post(change_url(module), data, follow=True)
    module.refresh_from_db()
    assert module.title == "Renamed" and not module.is_published
    said = messages_of(response)
    assert "Renamed was saved as a draft, not published:" in said
    assert NO_VIDEO in said and NO_QUIZ in said


def test_an_unanswerable_question_keeps_the_module_from_being_published(admin_client):
    module = complete_module()
    question = module.quiz.questions.get()
    question.choices.update(is_correct=True)
    page = admin_client.get(change_url(module))
    assert "mark exactly one choice as correct" in checklist(page)["answerable"]
    admin_client.post(change_url(module), page_form(page, _publish="1"))
    module.refresh_from_db()
    assert not module.is_published


def test_a_question_with_one_choice_is_not_answerable(admin_client):
    module = complete_module()
    module.quiz.questions.get().choices.filter(is_correct=False).delete()
    assert Question.ONE_CHOICE in checklist(admin_client.get(change_url(module)))["answerable"]


def test_no_evaluation_is_a_choice_the_admin_makes(admin_client):
    module = complete_module()
    module.evaluation_questions.all().delete()
    page = admin_client.get(change_url(module))
    assert NO_EVALUATION in checklist(page)["evaluation"]
    admin_client.post(change_url(module), page_form(page, without_evaluation="on", _publish="1"))
    module.refresh_from_db()
    assert module.without_evaluation and module.is_published


def test_a_live_module_can_be_unpublished(admin_client):
    module = complete_module()
    module.is_published, module.published_at = True, timezone.now()
    module.save()
    page = admin_client.get(change_url(module))
    response = admin_client.post(change_url(module), page_form(page, _unpublish="1"), follow=True)
    module.refresh_from_db()
    assert not module.is_published
    assert f"{module.title} is no longer shown to learners." in messages_of(response)


def test_an_edit_that_would_leave_a_live_module_incomplete_is_not_saved(admin_client):
    module = complete_module()
    module.is_published, module.published_at = True, timezone.now()
    module.save()
    page = admin_client.get(change_url(module))
    data = page_form(page, title="Renamed", **{"quiz-0-questions-0-choices-0-is_correct": None})
    response = admin_client.post(change_url(module), data, follow=True)
    module.refresh_from_db()
    assert module.title != "Renamed" and module.is_published
    assert "Nothing was saved" in messages_of(response)[0]
    assert "Mark at least one choice as correct." in messages_of(response)[0]


def test_an_activity_code_of_the_wrong_shape_is_refused_saying_which_shape_is_right(
    admin_client,
):
    data = page_form(admin_client.get(ADD_URL), title="T", slug="t", activity_code="CL-902")
    refused = admin_client.post(ADD_URL, data)
    assert refused.context["adminform"].form.errors["activity_code"] == [
        "Write 2 to 5 capital letters, a dash and 4 to 6 digits, such as CL-0001."
    ]
    assert not Module.objects.exists()


# --- kept uploads -----------------------------------------------------------------------


def test_files_of_a_refused_save_are_kept_and_used_on_the_next_save(admin_client, settings):
    page = admin_client.get(ADD_URL)
    data = page_form(page, title="Coaching Basics", slug="", activity_code="CL-0100")
    data.update(video=video("video.webm"), transcript_file=transcript())
    refused = admin_client.post(ADD_URL, data)
    assert refused.status_code == 200 and Module.objects.count() == 0
    html = refused.content.decode()
    assert "video.webm (1.7 MB) is kept; choose another file to replace it." in html
    assert "transcript.txt (67 bytes) is kept" in html or "transcript.txt (" in html
    assert {d.role for d in DraftUpload.objects.all()} == {"video", "transcript_file"}
    again = page_form(refused, slug="coaching-basics")
    assert again["video_draft"] and again["transcript_file_draft"]
    assert admin_client.post(ADD_URL, again).status_code == 302
    module = Module.objects.get(slug="coaching-basics")
    assert module.video.name.startswith("videos/") and module.video.name.endswith(".webm")
    assert module.cues.count() == 3
    assert not DraftUpload.objects.exists()
    assert not list((settings.MEDIA_ROOT / "drafts").iterdir())


def test_a_hostile_file_of_a_refused_save_is_not_kept_and_the_page_names_it(admin_client):
    # A page with a script, named and typed as a video: refused by its content, never stored.
    page = b"<!doctype html><html><script>fetch('/admin/')</script></html>"
    data = page_form(admin_client.get(ADD_URL), title="T", slug="", activity_code="CL-0105")
    data.update(
        video=SimpleUploadedFile("video.mp4", page, "video/mp4"),
        poster=SimpleUploadedFile("poster.png", b"<svg onload='alert(1)'/>", "image/png"),
        transcript_file=transcript(),
    )
    refused = admin_client.post(ADD_URL, data)
    errors = refused.context["adminform"].form.errors
    assert "video.mp4" in " ".join(errors["video"]) and "poster.png" in " ".join(errors["poster"])
    assert {draft.role for draft in DraftUpload.objects.all()} == {"transcript_file"}
    assert DraftUpload.objects.get().file.name.endswith(".txt")
    assert "transcript.txt" not in DraftUpload.objects.get().file.name


def test_the_checklist_of_a_refused_save_counts_its_kept_files_as_there(admin_client):
    data = page_form(admin_client.get(ADD_URL), title="T", slug="", activity_code="CL-0104")
    data.update(video=video("video.webm"), transcript_file=transcript())
    refused = admin_client.post(ADD_URL, data)
    items = {item["item"].rule.key: item["item"].done for item in refused.context["checklist"]}
    assert items["video"] and items["transcript"]
    assert not items["objectives"]
    fresh = admin_client.get(ADD_URL)
    items = {item["item"].rule.key: item["item"].done for item in fresh.context["checklist"]}
    assert not items["video"] and not items["transcript"]


def test_a_file_chosen_again_replaces_the_kept_one(admin_client, settings):
    data = page_form(admin_client.get(ADD_URL), title="T", slug="", activity_code="CL-0103")
    refused = admin_client.post(ADD_URL, {**data, "video": video("first.webm")})
    again = page_form(refused, slug="t")
    assert admin_client.post(ADD_URL, {**again, "video": video("second.webm")}).status_code == 302
    assert not DraftUpload.objects.exists()
    assert not list((settings.MEDIA_ROOT / "drafts").iterdir())
    assert Module.objects.get(slug="t").video


def test_a_refused_file_is_not_kept(admin_client):
    data = page_form(admin_client.get(ADD_URL), title="T", slug="t", activity_code="CL-0101")
    data["video"] = SimpleUploadedFile("lecture.mp4", b"not a video\n" * 20)
    response = admin_client.post(ADD_URL, data)
    assert "lecture.mp4 is not an MP4 or WebM video" in str(response.context["errors"])
    assert not DraftUpload.objects.exists()


def test_a_draft_of_another_admin_is_not_used(admin_client, admin_user, author):
    draft = DraftUpload.objects.create(
        user=author, role="video", file="drafts/x.webm", original_name="x.webm", size=10
    )
    data = page_form(admin_client.get(ADD_URL), title="T", slug="t", activity_code="CL-0102")
    data["video_draft"] = str(draft.pk)
    admin_client.post(ADD_URL, data)
    assert not Module.objects.get(slug="t").video


def test_drafts_are_let_go_after_a_day(admin_user, settings):
    old = DraftUpload.objects.create(
        user=admin_user,
        role="video",
        file="drafts/old.webm",
        original_name="old.webm",
        size=10,
        created_at=timezone.now() - timedelta(days=1, minutes=1),
    )
    fresh = DraftUpload.objects.create(
        user=admin_user, role="video", file="drafts/new.webm", original_name="n.webm", size=1
    )
    assert discard_expired_drafts() == 1
    assert list(DraftUpload.objects.all()) == [fresh] and old.pk is not None
