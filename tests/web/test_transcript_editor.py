"""The transcript editor in the admin: each line edited in place, a speaker renamed, times
shifted, lines split and merged, and a corrected file compared before it replaces the lines.
Bad input changes nothing and says what and where."""

import pytest
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from modules.models import Cue, Module, TranscriptTiming
from modules.services import replace_cues
from modules.transcripts import ParsedCue, TimestampError, parse_offset
from modules.transcripts.compare import compare_cues
from tests.conftest import migration_group
from tests.factories import attach_demo_video, make_module

pytestmark = pytest.mark.django_db

CORRECTED_VTT = b"""WEBVTT

00:00.000 --> 00:04.000
<v Coach>Welcome to the session.

00:07.000 --> 00:09.000
<v Student>Thanks for having me.

00:12.000 --> 00:15.000
<v Coach>Ask away, then we set the agenda.

00:16.000 --> 00:18.000
<v Student>A line the vendor added.
"""


@pytest.fixture
def module_author(author):
    author.groups.add(migration_group("0001_module_authors_group"))
    return author


@pytest.fixture
def client_of(module_author) -> Client:
    client = Client()
    client.force_login(module_author)
    return client


@pytest.fixture
def module() -> Module:
    module = make_module(published=False)
    replace_cues(
        module=module,
        cues=[
            ParsedCue(0.0, 4.0, "Coach", "Welcome to the session."),
            ParsedCue(5.5, 8.0, "Student", "Thanks for having me."),
            ParsedCue(None, None, "Student", "I have a question about roles."),
            ParsedCue(12.0, None, "Coach", "Ask away, then we will set the agenda."),
        ],
    )
    return module


def editor_url(module: Module) -> str:
    return reverse("admin:modules_module_transcript", args=[module.pk])


def lines(module: Module) -> list[tuple]:
    return list(
        module.cues.order_by("position").values_list(
            "position", "start_seconds", "end_seconds", "speaker", "text"
        )
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_page_shows_the_video_beside_every_line_with_its_time_speaker_and_full_text(
    client_of, module
):
    attach_demo_video(module)
    module.cues.filter(position=4).update(text="Ask away. " + "A long line of words. " * 20)
    page = client_of.get(editor_url(module))
    html = page.content.decode()
    assert page.status_code == 200
    assert f'src="/modules/{module.slug}/video?v=' in html
    assert '<strong class="editor-speaker" data-line-speaker>Coach</strong>' in html
    assert "A long line of words. " * 20 in html  # never cut off
    assert 'data-play-from="5.5"' in html and ">0:05</a>" in html
    assert 'id="time-2" name="time" value="0:05"' in html
    assert "untimed" in html


def test_the_module_summary_links_to_the_editor(client_of, module):
    page = client_of.get(reverse("admin:modules_module_change", args=[module.pk]))
    assert f'href="{editor_url(module)}"' in page.content.decode()


def test_a_line_is_saved_with_its_speaker_text_and_a_typed_time(client_of, module):
    before = Module.objects.get(pk=module.pk).updated_at
    response = client_of.post(
        editor_url(module),
        {"action": "edit", "position": "2", "time": "0:07", "speaker": " Dr  Lee ", "text": "Hi."},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == editor_url(module) + "#line-2"
    assert "Line 2 was saved." in messages_of(response)
    # The line keeps its length (2.5 s) at its new start.
    assert lines(module)[1] == (2, 7.0, 9.5, "Dr Lee", "Hi.")
    assert Module.objects.get(pk=module.pk).updated_at > before  # pages and captions anew


def test_a_time_left_as_shown_keeps_the_files_fraction_of_a_second(client_of, module):
    client_of.post(
        editor_url(module),
        {"action": "edit", "position": "2", "time": "0:05", "speaker": "Student", "text": "Yes."},
    )
    assert lines(module)[1] == (2, 5.5, 8.0, "Student", "Yes.")


def test_an_emptied_time_makes_the_line_untimed(client_of, module):
    client_of.post(
        editor_url(module),
        {"action": "edit", "position": "1", "time": "", "speaker": "Coach", "text": "Welcome."},
    )
    assert lines(module)[0] == (1, None, None, "Coach", "Welcome.")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"time": "1:75"}, 'Line 2, time: "1:75" has 75 seconds.'),
        ({"time": "soon"}, 'Line 2, time: "soon" is not a time; write m:ss or h:mm:ss'),
        ({"text": "   "}, "Line 2, text: a line needs words"),
        ({"speaker": "x" * 101}, "Line 2, speaker: at most 100 characters (this has 101)."),
        ({"position": "99"}, "Line 99 does not exist any more; reload the page."),
    ],
)
def test_a_bad_edit_changes_nothing_and_says_which_line_and_field(
    client_of, module, fields, message
):
    before = lines(module)
    data = {"action": "edit", "position": "2", "time": "0:05", "speaker": "S", "text": "Yes."}
    response = client_of.post(editor_url(module), {**data, **fields}, follow=True)
    assert any(message in shown for shown in messages_of(response)), messages_of(response)
    assert lines(module) == before


def test_the_pages_script_gets_the_saved_line_or_the_error_as_json(client_of, module):
    data = {"action": "edit", "position": "1", "time": "0:02", "speaker": "Coach", "text": "Hi."}
    saved = client_of.post(editor_url(module), data, headers={"Accept": "application/json"})
    assert saved.json() == {
        "message": "Line 1 was saved.",
        "line": {
            "position": 1,
            "time": "0:02",
            "start": 2.0,
            "speaker": "Coach",
            "text": "Hi.",
            "url": f"/modules/{module.slug}/?t=2",
        },
    }
    refused = client_of.post(
        editor_url(module), {**data, "time": "0:61"}, headers={"Accept": "application/json"}
    )
    assert refused.status_code == 400
    assert refused.json() == {"error": 'Line 1, time: "0:61" has 61 seconds.'}


def test_a_speaker_is_renamed_on_every_line(client_of, module):
    response = client_of.post(
        editor_url(module), {"action": "rename", "speaker": "Student", "new_name": "Resident"}
    )
    assert response.status_code == 302
    assert [line[3] for line in lines(module)] == ["Coach", "Resident", "Resident", "Coach"]


def test_a_speaker_with_one_line_is_counted_in_the_singular(client_of, module):
    Cue.objects.filter(module=module, speaker="Student", start_seconds=None).delete()
    page = client_of.get(editor_url(module)).content.decode()
    assert '<option value="Student">Student (1 line)</option>' in page
    renamed = client_of.post(
        editor_url(module),
        {"action": "rename", "speaker": "Student", "new_name": "Resident"},
        follow=True,
    )
    assert messages_of(renamed) == ['Student is now "Resident" on 1 line.']
    shifted = client_of.post(
        editor_url(module), {"action": "shift", "offset": "+1", "from_position": "4"}, follow=True
    )
    assert messages_of(shifted) == ["1 line from line 4 on was moved by +1."]


def test_renaming_a_speaker_no_line_has_or_to_nothing_is_refused(client_of, module):
    before = lines(module)
    gone = client_of.post(
        editor_url(module),
        {"action": "rename", "speaker": "Nobody", "new_name": "X"},
        follow=True,
    )
    empty = client_of.post(
        editor_url(module), {"action": "rename", "speaker": "Coach", "new_name": " "}, follow=True
    )
    assert 'no line has the speaker "Nobody"' in messages_of(gone)[0]
    assert "New speaker name: write the name" in messages_of(empty)[0]
    assert lines(module) == before


@pytest.mark.parametrize(
    ("offset", "starts"),
    [("+3", [3.0, 8.5, None, 15.0]), ("+1:30", [90.0, 95.5, None, 102.0])],
)
def test_every_time_shifts_by_an_offset_and_untimed_lines_stay_untimed(
    client_of, module, offset, starts
):
    client_of.post(editor_url(module), {"action": "shift", "offset": offset, "from_position": ""})
    assert [line[1] for line in lines(module)] == starts
    assert lines(module)[0][2] == 4.0 + starts[0]  # ends move too


def test_times_shift_from_a_line_on(client_of, module):
    client_of.post(editor_url(module), {"action": "shift", "offset": "-5", "from_position": "2"})
    assert [line[1] for line in lines(module)] == [0.0, 0.5, None, 7.0]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"offset": "-3"},
            "Shift: -3 would move line 1 (0:00) before 0:00; lines can move back at most 0:00.",
        ),
        ({"offset": "-0:06", "from_position": "2"}, "would move line 2 (0:05) before 0:00"),
        ({"offset": "three"}, 'Shift: "three" is not a shift; write seconds or m:ss'),
        ({"offset": "0"}, "a shift of 0 seconds changes nothing"),
        ({"offset": "+1", "from_position": "first"}, 'from line: "first" is not a line number'),
    ],
)
def test_a_shift_that_cannot_be_made_changes_nothing_and_says_why(client_of, module, data, message):
    before = lines(module)
    response = client_of.post(editor_url(module), {"action": "shift", **data}, follow=True)
    assert message in messages_of(response)[0]
    assert lines(module) == before


def test_a_line_is_split_before_words_and_its_second_part_timed_between(client_of, module):
    TranscriptTiming.objects.create(module=module, status=TranscriptTiming.Status.READY)
    client_of.post(
        editor_url(module), {"action": "split", "position": "4", "before": "then we will"}
    )
    # Line 4 had no end: its second part starts within its span to... no later line, so
    # it is untimed; a line with an end is split in proportion to the text (next test).
    assert lines(module)[3:] == [
        (4, 12.0, None, "Coach", "Ask away,"),
        (5, None, None, "Coach", "then we will set the agenda."),
    ]
    assert not TranscriptTiming.objects.filter(module=module).exists()  # positions moved


def test_a_timed_line_split_at_a_character_gives_its_second_part_a_time_between(client_of, module):
    text = "Welcome to the session."
    client_of.post(editor_url(module), {"action": "split", "position": "1", "at": "8"})
    first, second = text[:7], text[8:]
    start = round(4.0 * len(first) / (len(first) + len(second)), 3)
    assert lines(module)[:3] == [
        (1, 0.0, start, "Coach", first),
        (2, start, 4.0, "Coach", second),
        (3, 5.5, 8.0, "Student", "Thanks for having me."),
    ]
    assert [line[0] for line in lines(module)] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"before": "elephants"}, 'Line 1, split: "elephants" is not in the line'),
        ({"before": ""}, "Line 1, split: write the words the second part starts with."),
        ({"before": "Welcome"}, 'Line 1, split: "Welcome" is not in the line after its start.'),
        ({"at": "0"}, "Line 1, split: place the cursor inside the text."),
    ],
)
def test_a_split_without_words_on_both_sides_changes_nothing(client_of, module, data, message):
    before = lines(module)
    response = client_of.post(
        editor_url(module), {"action": "split", "position": "1", **data}, follow=True
    )
    assert message in messages_of(response)[0]
    assert lines(module) == before


def test_a_line_is_merged_with_the_next(client_of, module):
    client_of.post(editor_url(module), {"action": "merge", "position": "2"})
    assert lines(module) == [
        (1, 0.0, 4.0, "Coach", "Welcome to the session."),
        (2, 5.5, 8.0, "Student", "Thanks for having me. I have a question about roles."),
        (3, 12.0, None, "Coach", "Ask away, then we will set the agenda."),
    ]


def test_lines_of_two_speakers_or_the_last_line_are_not_merged(client_of, module):
    before = lines(module)
    speakers = client_of.post(editor_url(module), {"action": "merge", "position": "1"}, follow=True)
    last = client_of.post(editor_url(module), {"action": "merge", "position": "4"}, follow=True)
    assert (
        "Line 1, merge: Coach speaks it and Student line 2; change one speaker first."
        in messages_of(speakers)[0]
    )
    assert "Line 4, merge: it is the last line" in messages_of(last)[0]
    assert lines(module) == before


# --- a corrected file ------------------------------------------------------------------------


def preview(client, module, data=CORRECTED_VTT, name="corrected.vtt", **fields):
    upload = SimpleUploadedFile(name, data, "text/plain")
    return client.post(
        editor_url(module), {"action": "preview", "transcript_file": upload, **fields}
    )


def test_a_corrected_file_shows_what_it_changes_and_changes_nothing_yet(client_of, module):
    before = lines(module)
    page = preview(client_of, module)
    html = page.content.decode()
    assert page.status_code == 200
    assert "corrected.vtt was read (WebVTT): 4 lines." in html
    assert "1 added, 1 removed, 1 changed, 1 at another time, 1 unchanged." in html
    assert "File, line 4, 0:16, Student: A line the vendor added." in html
    assert "Now, line 3, untimed, Student: I have a question about roles." in html
    assert "Now, line 4, 0:12, Coach: Ask away, then we will set the agenda." in html
    assert "File, line 3, 0:12, Coach: Ask away, then we set the agenda." in html
    assert "Now, line 2, 0:05, Student: Thanks for having me." in html  # moved to 0:07
    assert lines(module) == before


def test_a_renamed_speaker_and_the_readers_repairs_are_shown_before_replacing(client_of, module):
    renamed = (
        b"WEBVTT\n\n00:00.000 --> 00:04.000\n<v Dr Lee>Welcome to the session.\n\n"
        b"00:05.500 --> 00:08\n<v Student>Thanks for having me.\n"
    )
    page = preview(client_of, module, renamed, "renamed.vtt")
    comparison = page.context["preview"]["comparison"]
    assert comparison.renamed == {"Coach": "Dr Lee"}
    html = page.content.decode()
    assert "<li>Coach → Dr Lee</li>" in html
    assert "renamed.vtt, line 6: " in html  # the timing without milliseconds, repaired


def test_replace_swaps_the_lines_for_the_previewed_file(client_of, module):
    signed = preview(client_of, module).context["preview"]["signed"]
    response = client_of.post(
        editor_url(module), {"action": "replace", "upload": signed}, follow=True
    )
    assert "The transcript was replaced by corrected.vtt: 4 lines." in messages_of(response)
    assert [line[4] for line in lines(module)][-1] == "A line the vendor added."


def test_an_altered_or_stale_preview_replaces_nothing(client_of, module):
    signed = preview(client_of, module).context["preview"]["signed"]
    payload = signing.loads(signed, salt="authoring.transcript_editor.replace")
    forged = signing.dumps({**payload, "module": module.pk}, salt="another salt")
    before = lines(module)
    altered = client_of.post(
        editor_url(module), {"action": "replace", "upload": forged}, follow=True
    )
    assert "the file sent is not the one previewed" in messages_of(altered)[0]
    client_of.post(
        editor_url(module), {"action": "rename", "speaker": "Coach", "new_name": "C"}, follow=True
    )
    before = lines(module)
    stale = client_of.post(editor_url(module), {"action": "replace", "upload": signed}, follow=True)
    assert "the module changed since the preview" in messages_of(stale)[0]
    assert lines(module) == before


def test_a_file_that_cannot_be_read_is_named_with_its_line_and_changes_nothing(client_of, module):
    before = lines(module)
    broken = followed(
        preview(client_of, module, b"Coach: [00:00] Hi.\n\nCoach: [01:75] No.\n", "t.txt")
    )
    assert "t.txt, line 3: timestamp [01:75] has 75 seconds" in messages_of(broken)[0]
    wrong_kind = followed(preview(client_of, module, b"Hello", "notes.docx"))
    assert "notes.docx: upload the transcript as plain text" in messages_of(wrong_kind)[0]
    assert lines(module) == before


def followed(response):
    assert response.status_code == 302
    return response.client.get(response["Location"])


# --- the pieces --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "seconds"),
    [("-3", -3), ("+90", 90), ("3", 3), ("+1:30", 90), ("-1:02:03", -3723), (" - 0:05 ", -5)],
)
def test_a_shift_is_read_as_signed_whole_seconds(written, seconds):
    assert parse_offset(written) == seconds


@pytest.mark.parametrize("written", ["", "+", "1.5", "--3", "+1:75", "٣"])
def test_a_shift_that_is_not_one_is_refused(written):
    with pytest.raises(TimestampError):
        parse_offset(written)


def test_comparing_tells_a_corrected_line_from_one_removed_and_another_added():
    old = [
        ParsedCue(0, None, "A", "one"),
        ParsedCue(5, None, "A", "two"),
        ParsedCue(9, None, "", "A question about roles."),
    ]
    new = [
        ParsedCue(0, None, "A", "one!"),
        ParsedCue(5, None, "A", "two"),
        ParsedCue(9, None, "", "A line the vendor added."),
    ]
    comparison = compare_cues(old, new)
    assert [(c.old_line, c.new_line) for c in comparison.changed] == [(1, 1)]
    assert [c.old_line for c in comparison.removed] == [3]
    assert [c.new_line for c in comparison.added] == [3]
    assert comparison.unchanged == 1 and not comparison.moved and not comparison.renamed


def test_staff_who_may_not_change_modules_can_change_no_line(programme_staff, module):
    client = Client()
    client.force_login(programme_staff)
    before = lines(module)
    for data in (
        {"action": "edit", "position": "1", "time": "", "speaker": "X", "text": "Y"},
        {"action": "shift", "offset": "+5"},
        {"action": "merge", "position": "2"},
    ):
        assert client.post(editor_url(module), data).status_code == 403
    assert lines(module) == before


@pytest.mark.parametrize(
    "data",
    [
        {"action": "edit", "position": "9" * 30, "time": "", "speaker": "", "text": "x"},
        {"action": "edit", "position": "9" * 5000, "time": "", "speaker": "", "text": "x"},
        {"action": "split", "position": "1", "at": "9" * 30},
        {"action": "shift", "offset": "+1", "from_position": "9" * 30},
        {"action": "merge", "position": "-1"},
        {"action": "drop tables"},
        {"action": "replace", "upload": "not signed"},
    ],
)
def test_hostile_numbers_and_forms_get_a_message_never_a_server_error(client_of, module, data):
    before = lines(module)
    response = client_of.post(editor_url(module), data, follow=True)
    assert response.status_code == 200
    assert messages_of(response)[0].startswith("Nothing was changed.")
    assert lines(module) == before
