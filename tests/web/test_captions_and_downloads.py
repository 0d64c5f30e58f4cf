import html
import io

import pytest
import webvtt
from django.urls import reverse

from modules.services import replace_cues
from modules.transcripts import ParsedCue
from tests.factories import make_module

pytestmark = pytest.mark.django_db

CUES = [
    ParsedCue(start_seconds=0, end_seconds=None, speaker="Host", text="Welcome to the module."),
    ParsedCue(start_seconds=None, end_seconds=None, speaker="Coach", text="(Into phone) Hello."),
    ParsedCue(start_seconds=12, end_seconds=None, speaker="Coach", text="Tell me & show <me>."),
    ParsedCue(start_seconds=401, end_seconds=None, speaker="Student", text="Are you sure?"),
]


@pytest.fixture
def module(db):
    module = make_module(duration_seconds=420)
    replace_cues(module=module, cues=CUES)
    return module


def test_captions_are_valid_webvtt_with_the_same_cues_voices_and_names_shown(client, module):
    response = client.get(reverse("modules:captions", args=[module.slug]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/vtt; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("WEBVTT")
    assert "<v Coach>" in body
    captions = webvtt.from_buffer(io.StringIO(body))
    # The name is in the text after each change of speaker: browsers do not show <v>.
    assert [html.unescape(caption.text) for caption in captions] == [
        "HOST: Welcome to the module.",
        "COACH: (Into phone) Hello.",
        "Tell me & show <me>.",
        "STUDENT: Are you sure?",
    ]
    assert "Tell me &amp; show &lt;me&gt;." in body
    assert [caption.voice for caption in captions] == [cue.speaker for cue in CUES]


def test_untimed_line_gets_a_time_between_its_neighbours(client, module):
    body = client.get(reverse("modules:captions", args=[module.slug])).content.decode()
    captions = list(webvtt.from_buffer(io.StringIO(body)))
    untimed = captions[1]
    assert 0 <= untimed.start_in_seconds < 12
    assert captions[0].start_in_seconds <= untimed.start_in_seconds
    starts = [caption.start_in_seconds for caption in captions]
    assert starts == sorted(starts)


def test_transcript_download_has_timestamps_and_speakers(client, module):
    response = client.get(reverse("modules:transcript_text", args=[module.slug]))
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = response.content.decode()
    assert module.activity_code in text
    assert "[6:41] Student: Are you sure?" in text
    assert "Coach: (Into phone) Hello." in text
    assert "Tell me & show <me>." in text
