"""Transcripts in (plain, WebVTT, SRT) and out (WebVTT, text): no spoken word is ever lost."""

import html
import itertools
import pickle
from collections import Counter
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import pytest
import webvtt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from modules.transcripts import (
    ParsedCue,
    TranscriptError,
    cues_to_text,
    cues_to_vtt,
    format_timestamp,
    format_vtt_timestamp,
    parse_plain,
    parse_srt,
    parse_transcript,
    parse_vtt,
    read_transcript,
)
from tests.caption_reference import words

FIXTURES = Path(__file__).parents[1] / "fixtures" / "transcripts"
CAPTIONS = Path(__file__).parents[1] / "fixtures" / "captions"  # one file for each quirk
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
FUZZ = settings(max_examples=200, deadline=None)


@pytest.fixture(autouse=True, scope="module")
def _isolated_media_and_cache():
    """Overrides conftest's: these pure tests touch neither media nor the (database) cache."""
    yield


def cue(start, speaker, text, end=None):
    return ParsedCue(start_seconds=start, end_seconds=end, speaker=speaker, text=text)


def error_of(parse, data, **kwargs) -> TranscriptError:
    with pytest.raises(TranscriptError) as caught:
        parse(data, **kwargs)
    return caught.value


def words_of(cues) -> list[str]:
    return [word for item in cues for word in item.text.split()]


def reread(vtt: str) -> list[tuple[str, str]]:
    """(voice, text) of each caption as webvtt-py reads them, entities decoded."""
    return [
        (html.unescape(caption.voice or ""), html.unescape(caption.text))
        for caption in webvtt.from_string(vtt)
    ]


# ------------------------------------------------------------------------------ the plain format


def test_labelled_paragraphs_become_cues_with_speaker_time_and_text():
    text = (
        "Host: [00:00] Welcome to Coaching Basics.\n\n"
        "Coach: [06:41] Are you familiar with academic coaching?\n\n"
        "Student: [06:52] Not really. [Indistinguishable] I think it is like advising?\n"
    )
    assert parse_plain(text) == [
        cue(0, "Host", "Welcome to Coaching Basics.", end=401),
        cue(401, "Coach", "Are you familiar with academic coaching?", end=412),
        cue(412, "Student", "Not really. [Indistinguishable] I think it is like advising?"),
    ]


def test_timestamp_before_the_label_is_accepted():
    assert parse_plain("[06:41] Coach: Are you familiar?") == [
        cue(401, "Coach", "Are you familiar?")
    ]


def test_timestamp_on_its_own_line_before_the_label_is_accepted():
    assert parse_plain("[06:41]\nCoach: Hello.") == [cue(401, "Coach", "Hello.")]


def test_paragraph_without_label_continues_previous_speaker():
    cues = parse_plain("Student: [0:12] Not really.\n\nThis paragraph has no label.")
    assert [(c.speaker, c.text) for c in cues] == [
        ("Student", "Not really."),
        ("Student", "This paragraph has no label."),
    ]


def test_paragraph_without_label_before_any_label_has_no_speaker():
    assert parse_plain("[0:05] Just words.") == [cue(5, "", "Just words.")]


def test_line_break_inside_a_paragraph_joins_lines_with_a_space():
    assert parse_plain("Coach: Are you\nfamiliar   with\n  coaching?")[0].text == (
        "Are you familiar with coaching?"
    )


def test_paragraph_without_timestamp_is_an_untimed_cue():
    assert parse_plain("Coach: (Speaking into phone) Hello, yes.") == [
        cue(None, "Coach", "(Speaking into phone) Hello, yes.")
    ]


def test_stage_directions_and_bracketed_notes_are_kept_verbatim():
    notes = "Not really. [Indistinguishable] (laughs) [sic] [1] [2.5] [] see [3:1 ratio]"
    assert parse_plain(f"Student: [0:12] {notes}")[0].text == notes


def test_timestamp_in_the_middle_splits_the_paragraph_keeping_every_word():
    cues = parse_plain("Coach: [06:41] An advisor gives answers, and then [07:02] she said\nno.")
    assert cues == [
        cue(401, "Coach", "An advisor gives answers, and then", end=422),
        cue(422, "Coach", "she said no."),
    ]


def test_timestamp_in_the_middle_of_an_untimed_paragraph_times_the_rest():
    assert parse_plain("Coach: Hello there, [0:07] and welcome.") == [
        cue(None, "Coach", "Hello there,"),
        cue(7, "Coach", "and welcome."),
    ]


def test_timestamp_glued_to_words_still_splits_them():
    assert parse_plain("Coach: then[0:07]now") == [
        cue(None, "Coach", "then"),
        cue(7, "Coach", "now"),
    ]


def test_timed_cue_ends_where_the_next_timed_cue_starts():
    cues = parse_plain("A: [0:01] one\n\nA: [0:09] three")
    assert [(c.start_seconds, c.end_seconds) for c in cues] == [(1, 9), (9, None)]


def test_a_timed_cue_before_an_untimed_one_ends_with_the_untimed_one_s_time():
    cues = parse_plain("A: [0:01] one\n\nB: two\n\nA: [0:09] three")
    assert [(c.start_seconds, c.end_seconds) for c in cues] == [(1, None), (None, None), (9, None)]
    assert _times(cues_to_vtt(cues)) == [(1, 5), (5, 9), (9, 13)]


def test_timestamps_may_have_hours_and_no_leading_zero():
    cues = parse_plain(
        "A: [0:05] a\n\nA: [6:41] b\n\nA: [06:42] c\n\nA: [1:02:03] d\n\nA: [01:02:04] e"
    )
    assert [c.start_seconds for c in cues] == [5, 401, 402, 3723, 3724]


def test_equal_timestamps_are_not_backwards():
    assert [c.start_seconds for c in parse_plain("A: [0:05] a\n\nB: [0:05] b")] == [5, 5]


def test_paragraphs_with_the_same_timestamp_share_the_time_up_to_the_next():
    cues = parse_plain("A: [0:05] a\n\nB: [0:05] b\n\nA: [0:09] c\n\nB: [0:09] d")
    assert [(c.start_seconds, c.end_seconds) for c in cues] == [
        (5, 9),
        (5, 9),
        (9, None),
        (9, None),
    ]


def test_a_transcript_written_one_turn_a_line_gives_each_line_its_own_speaker():
    text = "Coach: [0:00] Welcome.\nResident: [0:04] Thanks.\n[0:08] Coach: Let's start."
    assert parse_plain(text) == [
        cue(0, "Coach", "Welcome.", end=4),
        cue(4, "Resident", "Thanks.", end=8),
        cue(8, "Coach", "Let's start."),
    ]


def test_the_reading_of_a_plain_file_names_where_its_speakers_came_from():
    reading = read_transcript(b"Coach: [0:00] Hi.\nResident: [0:02] Hello.", filename="t.txt")
    assert (reading.speakers, reading.speaker_rule) == (
        ["Coach", "Resident"],
        "labels starting paragraphs and timed lines, the plain format's rule",
    )


def test_a_line_with_a_label_but_no_timestamp_continues_the_paragraph():
    assert parse_plain("Coach: [0:00] Remember this\nNote: it matters.") == [
        cue(0, "Coach", "Remember this Note: it matters.")
    ]


def test_timestamp_alone_in_a_paragraph_times_the_next_words():
    assert parse_plain("[0:30]\n\nCoach: Hello.") == [cue(30, "Coach", "Hello.")]


def test_label_alone_sets_the_speaker_of_the_next_paragraph():
    assert parse_plain("COACH:\n\nHello.") == [cue(None, "COACH", "Hello.")]


@pytest.mark.parametrize(
    "name", ["Dr. Smith", "Mary-Jane O'Brien", "Speaker 2", "Ана", "José María", "Dr. J. R. Doe"]
)
def test_speaker_labels_may_have_dots_hyphens_apostrophes_digits_and_any_letters(name):
    assert parse_plain(f"{name}: Hello.") == [cue(None, name, "Hello.")]


@pytest.mark.parametrize(
    "text",
    [
        "http://example.org is where the notes are.",
        "See https://example.org: the notes.",
        "10:30: we met in the clinic.",
        "and then: nothing happened.",
        "e.g.: a sentence.",
        "¼ cup: a measure.",
        "So this is one very long sentence: not a name.",
        "A name far longer than forty characters at all: no.",
    ],
)
def test_urls_sentences_and_times_are_not_speaker_labels(text):
    assert parse_plain(text) == [cue(None, "", text)]


def test_windows_line_endings_and_a_bom_are_accepted():
    data = "\ufeffHost: [00:00] Welcome\r\nback.\r\n\r\nCoach: [00:03] Hi.\r\n".encode()
    assert parse_transcript(data) == [
        cue(0, "Host", "Welcome back.", end=3),
        cue(3, "Coach", "Hi."),
    ]


def test_sample_plain_file_is_read():
    cues = parse_transcript((FIXTURES / "coaching_basics.txt").read_bytes())
    assert [(c.start_seconds, c.speaker) for c in cues] == [
        (0, "Host"),
        (6, "Coach"),
        (12, "Student"),
        (None, "Student"),
        (None, "Coach"),
        (401, "Coach"),
        (422, "Coach"),
    ]
    assert cues[2].text == "Not really. [Indistinguishable] I think it is like advising?"


# ------------------------------------------------------------------------------ plain format errors


def test_seconds_over_59_name_the_line():
    error = error_of(parse_plain, "Host: [00:00] Hi.\n\nCoach: [01:75] Hello.")
    assert (error.line, error.message) == (3, "timestamp [01:75] has 75 seconds")
    assert str(error) == "line 3: timestamp [01:75] has 75 seconds"


def test_minutes_over_59_name_the_line():
    error = error_of(parse_plain, "Coach: [75:00] Hello.")
    assert str(error) == "line 1: timestamp [75:00] has 75 minutes"
    error = error_of(parse_plain, "Coach: [1:60:00] Hello.")
    assert str(error) == "line 1: timestamp [1:60:00] has 60 minutes"


def test_timestamp_going_backwards_names_both_lines():
    text = "Coach: [03:00] Hello.\n\nStudent: Hi.\n\nCoach: [02:10] So."
    assert str(error_of(parse_plain, text)) == (
        "line 5: timestamp [02:10] goes backwards (the previous one was [03:00] on line 1)"
    )


def test_timestamp_going_backwards_inside_a_paragraph_names_its_own_line():
    text = "Coach: [03:00] Hello\nand then\n[02:10] so."
    assert str(error_of(parse_plain, text)) == (
        "line 3: timestamp [02:10] goes backwards (the previous one was [03:00] on line 1)"
    )


def test_the_example_of_the_brief_goes_backwards_from_6_41_to_0_12():
    text = (
        "Host: [00:00] Welcome to Coaching Basics.\n\n"
        "Coach: [06:41] Are you familiar with academic coaching?\n\n"
        "Student: [0:12] Not really.\n"
    )
    assert str(error_of(parse_plain, text)) == (
        "line 5: timestamp [0:12] goes backwards (the previous one was [06:41] on line 3)"
    )


@pytest.mark.parametrize("stamp", ["[12:5]", "[1:2:3:4]", "[00:12.5]", "[1:]", "[:30]", "[123:00]"])
def test_something_almost_like_a_timestamp_is_an_error_naming_it(stamp):
    error = error_of(parse_plain, f"Coach: Hello.\n\nStudent: {stamp} Hi.")
    assert str(error) == f"line 3: not a timestamp: {stamp}; write [m:ss] or [h:mm:ss]"


def test_timestamp_written_with_spaces_inside_is_named_without_them():
    assert (
        str(error_of(parse_plain, "A: [ 01:75 ] b")) == "line 1: timestamp [01:75] has 75 seconds"
    )


# ------------------------------------------------------------------------------ parse_transcript


@pytest.mark.parametrize("data", ["", "   \n\n\t\n", b"", "\ufeff", b"\xef\xbb\xbf \r\n"])
def test_empty_transcript_is_an_error(data):
    error = error_of(parse_transcript, data)
    assert (error.line, str(error)) == (None, "the transcript is empty")


@pytest.mark.parametrize("data", ["WEBVTT\n\nNOTE nothing said", "Coach:\n\nStudent:"])
def test_transcript_without_spoken_text_is_empty(data):
    assert str(error_of(parse_transcript, data)) == "the transcript is empty: it has no spoken text"


def test_bytes_that_are_not_utf8_are_read_as_windows_1252_and_say_so():
    reading = read_transcript("Coach: caf\u00e9\n\nStudent: na\u00efve".encode("latin-1"))
    assert [c.text for c in reading.cues] == ["café", "naïve"]
    assert (reading.encoding, reading.is_utf8) == ("cp1252", False)
    assert read_transcript(b"Coach: fine\r\n\r\nStudent: \xff").cues[-1].text == "ÿ"


@pytest.mark.parametrize(
    ("encoding", "name"),
    [("utf-8-sig", "utf-8"), ("utf-16", "utf-16"), ("utf-32", "utf-32")],
)
@pytest.mark.parametrize("order", ["-le", "-be"])
def test_a_bom_tells_the_encoding(encoding, name, order):
    text = "1\n00:00:01,000 --> 00:00:02,000\nCafé — naïve\n"
    codec = encoding if encoding == "utf-8-sig" else encoding + order
    bom = {"utf-8-sig": b"", "utf-16": "\ufeff".encode(codec), "utf-32": "\ufeff".encode(codec)}
    reading = read_transcript(bom[encoding] + text.encode(codec))
    assert reading.cues == [cue(1, "", "Café — naïve", end=2)]
    assert reading.encoding == name


def test_a_file_in_an_east_asian_encoding_is_detected():
    said = "轻轻一跳就能飞跃高楼，宇宙守护神保护我们远离邪恶。"
    reading = read_transcript(f"1\n00:00:01,000 --> 00:00:02,000\n{said}\n".encode("gb18030") * 3)
    assert reading.cues[0].text == said
    assert reading.encoding == "gb18030"


@pytest.mark.parametrize(
    "data",
    [b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", b"\x00\x01\x02\x03 abc" * 20, "C\x00o\x00a\x00"],
)
def test_binary_data_is_not_text(data):
    error = error_of(parse_transcript, data)
    assert error.line is None
    assert error.message.startswith("not text")


def test_a_stray_nul_character_is_read_as_a_replacement_character_and_reported():
    reading = read_transcript("Coach: Hi\n\nStudent: he\x00llo")
    assert reading.cues[-1].text == "he\ufffdllo"
    assert [str(r) for r in reading.repairs] == ["line 3: a NUL character is read as \ufffd"]


def test_format_is_detected_from_the_content():
    assert parse_transcript("WEBVTT\n\n00:01.000 --> 00:02.000\nHi") == [cue(1, "", "Hi", end=2)]
    srt = "\n\n1\n00:00:01,000 --> 00:00:02,000\nHi\n"
    assert parse_transcript(srt) == [cue(1, "", "Hi", end=2)]
    assert parse_transcript("Coach: [0:01] Hi") == [cue(1, "Coach", "Hi")]


def test_a_file_named_srt_is_read_as_srt():
    reading = read_transcript("Coach: [0:01] Hi", filename="talk.SRT")
    assert reading.format == "SRT"
    assert reading.cues == [cue(None, "", "Coach: [0:01] Hi")]
    assert [str(r) for r in reading.repairs] == [
        "line 1: text before the first cue ('Coach: [0:01] Hi') kept, untimed"
    ]


def test_a_file_named_vtt_without_header_is_read_and_the_header_reported():
    reading = read_transcript("00:01.000 --> 00:02.000\nHi", filename="talk.vtt")
    assert reading.cues == [cue(1, "", "Hi", end=2)]
    assert [str(r) for r in reading.repairs] == [
        "line 1: no WEBVTT header; read as WebVTT all the same"
    ]


def test_cues_without_a_header_or_a_name_are_not_read_as_plain_text():
    assert read_transcript("00:00:01,000 --> 00:00:02,000\nHi").format == "SRT"
    assert read_transcript("Hello.\n\n00:01.000 --> 00:02.000\nHi").format == "WebVTT"


def test_transcript_error_is_a_value_error_with_line_and_message():
    error = TranscriptError("it broke", line=4)
    assert isinstance(error, ValueError)
    assert (error.line, error.message, str(error)) == (4, "it broke", "line 4: it broke")
    assert str(TranscriptError("it broke")) == "it broke"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.line, copy.message, str(copy)) == (4, "it broke", "line 4: it broke")


# ------------------------------------------------------------------------------ WebVTT in


def test_vtt_cues_are_read_with_times_speakers_and_text():
    cues = parse_transcript((FIXTURES / "coaching_basics.vtt").read_bytes())
    assert cues == [
        cue(0, "Host", "Welcome to Coaching Basics.", end=6),
        cue(6, "Coach", "Are you familiar with academic coaching?", end=12),
        cue(12, "", "Student: Not really. [Indistinguishable] Q&A <3", end=20.5),
        cue(20.5, "", "It is like advising?", end=25),
        cue(25, "Coach", "Hello.", end=30),
        cue(25, "Student", "Hi!", end=30),
    ]


def test_vtt_voice_tags_become_speakers():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Dr. Smith>Hello</v>\n"
    assert parse_vtt(vtt) == [cue(1, "Dr. Smith", "Hello", end=2)]


def test_vtt_cue_with_two_voices_becomes_two_cues_at_the_same_time():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Coach>Hello.</v>\n<v Student>Hi!</v>\n"
    assert parse_vtt(vtt) == [cue(1, "Coach", "Hello.", end=2), cue(1, "Student", "Hi!", end=2)]


def test_vtt_voice_is_not_carried_to_the_next_cue():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Coach>Hello\n\n00:02.000 --> 00:03.000\nthere.\n"
    assert parse_vtt(vtt) == [cue(1, "Coach", "Hello", end=2), cue(2, "", "there.", end=3)]


def test_a_voice_s_own_name_before_its_text_is_not_text():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Coach>COACH: Hello, Coach: hi\n"
    assert parse_vtt(vtt) == [cue(1, "Coach", "Hello, Coach: hi", end=2)]


@pytest.mark.parametrize(
    "text",
    [
        "Step 1: write down your goal.",
        "Note: this part is optional.",
        "The time is 10: 30",
        'Digo: "Le doy un abrazo al estirado".',
    ],
)
def test_a_one_off_label_in_timed_captions_is_text(text):
    srt = f"1\n00:00:01,000 --> 00:00:02,000\n{text}\n\n2\n00:00:02,000 --> 00:00:03,000\nNext.\n"
    assert parse_srt(srt) == [cue(1, "", text, end=2), cue(2, "", "Next.", end=3)]


def test_labels_that_are_the_file_s_convention_are_speakers_but_not_carried():
    srt = (CAPTIONS / "zoom_style.srt").read_text()
    reading = read_transcript(srt, filename="zoom_style.srt")
    assert [(c.speaker, c.text) for c in reading.cues] == [
        ("Christina", "Welcome, everyone."),
        ("Chris", "Thanks for having me."),
        ("", "and the agenda is short."),
        ("Christina", "Step 1: introductions."),
        ("Chris", "Great."),
    ]
    assert reading.speakers == ["Christina", "Chris"]
    assert reading.speaker_rule == "names at line starts, a convention of this file"


def _srt_of(texts: list[str]) -> str:
    """One cue a second."""
    return "".join(
        f"{n}\n00:{n // 60:02d}:{n % 60:02d},000 --> 00:{n // 60:02d}:{n % 60:02d},900\n{text}\n\n"
        for n, text in enumerate(texts, start=1)
    )


def test_names_at_turns_only_count_when_they_are_a_twentieth_of_the_cues():
    turns = ["Speaker 1: So.", *["words"] * 14, "Speaker 2: Yes.", *["words"] * 14] * 2
    # 4 labels in 60 cues: 6.7 %
    assert {c.speaker for c in parse_srt(_srt_of(turns))} == {"", "Speaker 1", "Speaker 2"}
    rarer = turns + ["words"] * 30  # 4 in 90: 4.4 %
    assert {c.speaker for c in parse_srt(_srt_of(rarer))} == {""}


def test_a_sentence_opening_twice_is_no_convention():
    texts = ["Note: one.", "words", "Note: two.", "words"]
    assert {c.speaker for c in parse_srt(_srt_of(texts))} == {""}


def test_one_off_names_in_capitals_count_when_capitals_are_the_convention():
    srt = (CAPTIONS / "broadcast_style.srt").read_text()
    assert [c.speaker for c in parse_srt(srt)] == ["", "MAN", "", "MAN 2", "MAN 2", "NARRATOR"]


def test_names_once_each_in_a_short_file_are_speakers_only_when_the_admin_says_so():
    data = (FIXTURES / "coaching_basics.srt").read_bytes()
    assert {c.speaker for c in parse_transcript(data, filename="a.srt")} == {""}
    reading = read_transcript(data, filename="a.srt", speaker_labels=True)
    assert [c.speaker for c in reading.cues] == ["Host", "Coach", "Student", ""]
    assert reading.speaker_rule == "names at line starts, as asked"


def test_a_label_at_a_later_line_of_a_cue_starts_a_piece_with_that_speaker():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nA: Hi.\nB: Hello.\n"
    assert parse_srt(srt, speaker_labels=True) == [
        cue(1, "A", "Hi.", end=2),
        cue(1, "B", "Hello.", end=2),
    ]


def test_a_name_alone_in_its_cue_stays_text():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nNARRATOR:\n\n2\n00:00:02,000 --> 00:00:03,000\nOnce.\n"
    assert parse_srt(srt, speaker_labels=True) == [
        cue(1, "", "NARRATOR:", end=2),
        cue(2, "", "Once.", end=3),
    ]


def test_vtt_formatting_tags_are_stripped_and_entities_unescaped():
    vtt = (
        "WEBVTT\n\n00:01.000 --> 00:02.000\n"
        "<c.grey>A</c> <i>&amp;</i> <b>B</b>&nbsp;<u>&lt;3</u> <ruby>C<rt>c</rt></ruby> "
        "<00:00:01.500>D &#58; E <lang en>F</lang> <s>G</s> <font color=red>H</font>\n"
    )
    assert parse_vtt(vtt)[0].text == "A & B <3 Cc D : E F G H"


@pytest.mark.parametrize(
    ("written", "read"),
    [
        ("<LAUGHING & WHOOPS!>", "<LAUGHING & WHOOPS!>"),
        ("If x < y and y > z then x < z.", "If x < y and y > z then x < z."),
        ("<i>so</i> <3 <br>you <BR/>", "so <3 you"),
        ("{\\an8}Up here {\\i1}now{\\i0}", "Up here now"),
        ("&lt;i&gt; is a tag", "<i> is a tag"),
        ("<I>Loud</I> <unknown>", "Loud <unknown>"),
    ],
)
def test_only_formatting_tags_are_removed_everything_else_is_text(written, read):
    srt = f"1\n00:00:01,000 --> 00:00:02,000\n{written}\n"
    assert parse_srt(srt)[0].text == read
    assert parse_vtt(f"WEBVTT\n\n00:01.000 --> 00:02.000\n{written}\n")[0].text == read


def test_teams_json_metadata_cues_are_read_as_speaker_and_text():
    payload = (
        '{"startDateTime":"2023-03-08T08:22:30Z","speakerName":"User Name",'
        '"spokenText":"This is a transcription test.","spokenLanguage":"en-us"}'
    )
    vtt = f"WEBVTT\n00:00:16.246 --> 00:00:17.726\n{payload}\n"
    reading = read_transcript(vtt)
    assert reading.cues == [cue(16.246, "User Name", "This is a transcription test.", end=17.726)]
    assert reading.speaker_rule == "Microsoft Teams speaker names"


def test_json_that_is_not_a_teams_cue_is_text():
    vtt = 'WEBVTT\n\n00:01.000 --> 00:02.000\n{"a": 1}\n'
    assert parse_vtt(vtt)[0].text == '{"a": 1}'


def test_vtt_multiline_cue_text_joins_with_a_space():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nAre you\nfamiliar?\n"
    assert parse_vtt(vtt)[0].text == "Are you familiar?"


def test_vtt_header_notes_styles_regions_identifiers_and_settings_are_not_text():
    vtt = (
        "WEBVTT - a title\nKind: captions\n\nREGION\nid:fred width:40%\n\n"
        "STYLE\n::cue { color: red }\n\nNOTE a comment\n\n"
        "intro\n00:00:01.000 --> 00:00:02.000 region:fred align:left\nHi\n\nNOTE\nbye\n"
        "\nNOTE with --> an arrow\n\nSTYLE\n/* --> */\n"
    )
    assert read_transcript(vtt).cues == [cue(1, "", "Hi", end=2)]
    assert read_transcript(vtt).repairs == []


def test_vtt_text_after_a_blank_line_inside_a_cue_is_kept_and_reported():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nHello\n\nthere\n\n00:02.000 --> 00:03.000\nBye\n"
    reading = read_transcript(vtt)
    assert [c.text for c in reading.cues] == ["Hello there", "Bye"]
    assert [str(r) for r in reading.repairs] == [
        "line 6: text after a blank line ('there') kept with its cue"
    ]


def test_vtt_with_crlf_and_bom_is_read():
    data = "\ufeffWEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\n<v A>Hi\r\n".encode()
    assert parse_transcript(data) == [cue(1, "A", "Hi", end=2)]


def test_vtt_without_header_is_read_and_reported():
    reading = read_transcript("\n\n00:01.000 --> 00:02.000\nHi", filename="a.vtt")
    assert reading.cues == [cue(1, "", "Hi", end=2)]
    assert [str(r) for r in reading.repairs] == [
        "line 3: no WEBVTT header; read as WebVTT all the same"
    ]
    assert str(read_transcript("webvtt\n\n00:01.000 --> 00:02.000\nHi").repairs[0]) == (
        "line 1: the header is 'webvtt', read as WEBVTT"
    )


@pytest.mark.parametrize(
    "timing", ["00:02.000 --> 00:0x.000", "00:00:61.000 --> 00:01:02.000", "00::00.000 --> 1"]
)
def test_a_timing_that_cannot_be_read_keeps_its_text_as_an_untimed_line(timing):
    vtt = f"WEBVTT\n\n00:01.000 --> 00:02.000\nHi\n\nid\n{timing}\nHo\n"
    reading = read_transcript(vtt)
    assert reading.cues == [cue(1, "", "Hi", end=2), cue(None, "", "Ho")]
    assert [str(r) for r in reading.repairs] == [
        f"line 7: not a cue timing: {timing!r}; its text is kept as an untimed line"
    ]


def test_times_are_kept_as_given_overlapping_same_start_and_backwards():
    vtt = (
        "WEBVTT\n\n00:03.000 --> 00:09.000\nA\n\n00:03.000 --> 00:04.000\nB\n\n"
        "00:01.000 --> 00:02.000\nC\n\n00:05.000 --> 00:05.000\nD\n"
    )
    reading = read_transcript(vtt)
    assert [(c.start_seconds, c.end_seconds) for c in reading.cues] == [
        (3, 9),
        (3, 4),
        (1, 2),
        (5, 5),
    ]
    assert reading.repairs == []


def test_a_cue_ending_before_it_starts_keeps_its_start_and_gets_a_computed_end():
    reading = read_transcript("WEBVTT\n\n00:05.000 --> 00:03.000\nHi\n")
    assert reading.cues == [cue(5, "", "Hi")]
    assert [str(r) for r in reading.repairs] == [
        "line 3: the cue ends before it starts (00:05.000 --> 00:03.000); its end is computed"
    ]


def test_vtt_text_before_the_first_cue_is_not_read_and_reported():
    reading = read_transcript("WEBVTT\n\nKind: captions\n\n00:01.000 --> 00:02.000\nHi\n")
    assert reading.cues == [cue(1, "", "Hi", end=2)]
    assert [str(r) for r in reading.repairs] == [
        "line 3: not read: 'Kind: captions', text before the first cue"
    ]


def test_an_arrow_inside_cue_text_is_kept_as_text_and_reported():
    vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\nthe --> arrow\n"
    reading = read_transcript(vtt)
    assert reading.cues == [cue(1, "", "the --> arrow", end=2)]
    assert [str(r) for r in reading.repairs] == [
        "line 4: 'the --> arrow' has '-->' but is kept as text"
    ]


def test_a_file_with_nothing_readable_is_refused():
    assert str(error_of(parse_transcript, "WEBVTT\n\n00:01.000 --> 00:02.000\n")) == (
        "the transcript is empty: it has no spoken text"
    )


# ------------------------------------------------------------------------------ SRT in


def test_srt_cues_are_read_with_tags_and_text_after_blank_lines():
    cues = parse_transcript((FIXTURES / "coaching_basics.srt").read_bytes(), filename="a.srt")
    assert cues == [
        cue(0, "", "Host: Welcome to Coaching Basics.", end=6),
        cue(6, "", "Coach: Are you familiar with academic coaching?", end=12),
        cue(12, "", "Student: Not really. I think it is like advising?", end=20.5),
        cue(20.5, "", "(Laughs) Maybe.", end=25),
    ]


def test_srt_cues_without_blank_lines_or_numbers_are_split():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nOne\n2\n00:00:02,000 --> 00:00:03,000\nTwo\n"
    srt += "00:00:03,000 --> 00:00:04,000\nThree\n"
    assert [(c.start_seconds, c.text) for c in parse_srt(srt)] == [
        (1, "One"),
        (2, "Two"),
        (3, "Three"),
    ]


def test_srt_text_line_right_before_a_timing_is_kept():
    srt = "1\n00:00:01,000 --> 00:00:02,000\nOne\n\nstray words\n00:00:02,000 --> 00:00:03,000\nTwo"
    assert [c.text for c in parse_srt(srt)] == ["One stray words", "Two"]


@pytest.mark.parametrize(
    ("timing", "times", "notes"),
    [
        (
            "00:00:13 --> 00:00:16",
            (13, 16),
            [
                "00:00:13 has no milliseconds; read as 00:00:13.000",
                "00:00:16 has no milliseconds; read as 00:00:16.000",
            ],
        ),
        (
            "00:00:02,50 --> 00:00:03,5",
            (2.05, 3.005),
            [
                "00:00:02,50 has 2 millisecond digits; read as 050 ms, as SRT players read it",
                "00:00:03,5 has 1 millisecond digits; read as 005 ms, as SRT players read it",
            ],
        ),
        ("0:0:1,000 --> 0:0:2.000", (1, 2), []),
        ("00:00:01,000 --> 00:00:02,000 X1:100 X2:200 Y1:10 Y2:20", (1, 2), []),
    ],
)
def test_srt_timings_are_read_leniently_and_every_leniency_is_reported(timing, times, notes):
    reading = read_transcript(f"1\n{timing}\nOne\n", filename="a.srt")
    assert [(c.start_seconds, c.end_seconds) for c in reading.cues] == [times]
    assert [str(r) for r in reading.repairs] == [f"line 2: {note}" for note in notes]


def test_srt_times_going_backwards_are_kept():
    srt = "1\n00:00:05,000 --> 00:00:06,000\nOne\n\n2\n00:00:02,000 --> 00:00:03,000\nTwo\n"
    assert [c.start_seconds for c in parse_srt(srt)] == [5, 2]


def test_srt_cue_ending_before_it_starts_is_repaired_on_its_line():
    reading = read_transcript("1\n00:00:05,000 --> 00:00:04,000\nOne\n", filename="a.srt")
    assert reading.cues == [cue(5, "", "One")]
    assert reading.repairs[0].line == 2


def test_srt_text_before_the_first_cue_is_kept_untimed_and_reported():
    reading = read_transcript("Subtitles by someone\n\n1\n00:00:01,000 --> 00:00:02,000\nOne\n")
    assert reading.cues == [cue(None, "", "Subtitles by someone"), cue(1, "", "One", end=2)]
    assert [str(r) for r in reading.repairs] == [
        "line 1: text before the first cue ('Subtitles by someone') kept, untimed"
    ]


# ------------------------------------------------------------------------------ one file a quirk


def read_fixture(name: str):
    return read_transcript((CAPTIONS / name).read_bytes(), filename=name)


def test_fixture_windows_1252_is_read_with_its_accents_and_named():
    reading = read_fixture("windows_1252.srt")
    assert [c.text for c in reading.cues] == [
        "Café crème for the naïve résumé reader.",
        "« Déjà vu », she said — twice.",
    ]
    assert reading.encoding == "cp1252"


def test_fixture_utf16_with_a_bom():
    reading = read_fixture("utf16_bom.vtt")
    assert reading.cues == [cue(1, "Coach", "Grüß dich, señora.", end=2.5)]
    assert reading.encoding == "utf-16"


def test_fixture_of_repairs_keeps_every_cue_and_reports_each_line():
    reading = read_fixture("repairs.srt")
    assert [(c.start_seconds, c.end_seconds, c.text) for c in reading.cues] == [
        (1, 2, "No milliseconds here."),
        (2.05, 4, "A short millisecond field."),
        (6, None, "This cue ends before it starts."),
        (7, 9, "An arrow --> inside the text."),
        (None, None, "A timing nobody can read."),
        (12, 13, "The last cue."),
    ]
    assert [r.line for r in reading.repairs] == [2, 2, 6, 10, 15, 18]


def test_fixture_of_tags_keeps_what_is_not_formatting():
    assert [c.text for c in read_fixture("tags.srt").cues] == [
        "<LAUGHING & WHOOPS!>",
        "If x < y and y > z then x < z.",
        "Up here & bold",
    ]


def test_fixture_teams_metadata_cues():
    assert [(c.speaker, c.text) for c in read_fixture("teams_metadata.vtt").cues] == [
        ("Ana Lima", "Shall we look at your goals?"),
        ("Sam Ortiz", "Yes, the first one."),
    ]


def test_fixture_overlaps_same_starts_and_a_zero_length_cue_keep_their_times():
    cues = read_fixture("overlaps.vtt").cues
    assert [(c.start_seconds, c.end_seconds) for c in cues] == [(1, 6), (2, 3), (2, 4), (5, 5)]
    assert _times(cues_to_vtt(cues)) == [(1, 6), (2, 3), (2, 4), (5, 5)]


def test_fixture_rev_style_names_speakers_at_turns_only():
    cues = read_fixture("rev_style.srt").cues
    assert [c.speaker for c in cues] == ["Speaker 1", "Speaker 2", "", "Speaker 1", "Speaker 2"]
    assert cues[1].text == "My scores. Step 1: I read the notes."
    assert cues[4].text == "Note: nothing changes."


def test_fixture_film_style_sentences_with_colons_name_nobody():
    reading = read_fixture("film_style.srt")
    assert reading.speakers == []
    assert reading.cues[2].text == "The time is 10: 30"


# ------------------------------------------------------------------------------ timestamps out


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (None, ""),
        (0, "0:00"),
        (5, "0:05"),
        (401, "6:41"),
        (401.9, "6:41"),
        (3599, "59:59"),
        (3600, "1:00:00"),
        (3723, "1:02:03"),
        (Decimal("12.5"), "0:12"),
    ],
)
def test_format_timestamp_is_m_ss_under_an_hour_and_h_mm_ss_above(seconds, expected):
    assert format_timestamp(seconds) == expected


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "00:00:00.000"),
        (401, "00:06:41.000"),
        (3723.5, "01:02:03.500"),
        (0.0004, "00:00:00.000"),
    ],
)
def test_format_vtt_timestamp_is_hh_mm_ss_mmm(seconds, expected):
    assert format_vtt_timestamp(seconds) == expected


# ------------------------------------------------------------------------------ WebVTT out

CUES = [
    cue(0, "Host", "Welcome."),
    cue(None, "Coach", "(Into phone) Hello."),
    cue(12, "Coach", "Tell me & show <me>."),
    cue(401, "Student", "Are you sure?"),
]


def test_cues_to_vtt_writes_header_times_voices_names_and_escaped_text():
    assert cues_to_vtt(CUES, duration=420) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:06.000\n<v Host>HOST: Welcome.\n\n"
        "00:00:06.000 --> 00:00:12.000\n<v Coach>COACH: (Into phone) Hello.\n\n"
        "00:00:12.000 --> 00:06:41.000\n<v Coach>Tell me &amp; show &lt;me&gt;.\n\n"
        "00:06:41.000 --> 00:07:00.000\n<v Student>STUDENT: Are you sure?\n"
    )


def test_cues_to_vtt_output_is_read_back_with_the_same_texts_and_voices():
    assert [(c.speaker, c.text) for c in parse_vtt(cues_to_vtt(CUES))] == [
        (c.speaker, c.text) for c in CUES
    ]
    assert [voice for voice, _ in reread(cues_to_vtt(CUES))] == [c.speaker for c in CUES]


def test_speaker_with_markup_characters_is_escaped():
    vtt = cues_to_vtt([cue(0, "A & <B>", "Hi")])
    assert "<v A &amp; &lt;B&gt;>A &amp; &lt;B&gt;: Hi" in vtt
    assert reread(vtt) == [("A & <B>", "A & <B>: Hi")]
    assert [(c.speaker, c.text) for c in parse_vtt(vtt)] == [("A & <B>", "Hi")]


def test_untimed_cues_share_the_slot_of_the_previous_timed_cue():
    cues = [cue(10, "A", "a"), cue(None, "A", "b"), cue(None, "A", "c"), cue(16, "A", "d")]
    assert _times(cues_to_vtt(cues)) == [(10, 12), (12, 14), (14, 16), (16, 20)]


def test_leading_untimed_cues_start_at_zero():
    cues = [cue(None, "A", "a"), cue(None, "A", "b"), cue(8, "A", "c")]
    assert _times(cues_to_vtt(cues)) == [(0, 4), (4, 8), (8, 12)]


def test_trailing_untimed_cues_fill_up_to_the_duration():
    cues = [cue(10, "A", "a"), cue(None, "A", "b"), cue(None, "A", "c")]
    assert _times(cues_to_vtt(cues, duration=40)) == [(10, 20), (20, 30), (30, 40)]


def test_trailing_untimed_cues_get_four_seconds_each_without_a_duration():
    cues = [cue(10, "A", "a"), cue(None, "A", "b"), cue(None, "A", "c")]
    assert _times(cues_to_vtt(cues)) == [(10, 14), (14, 18), (18, 22)]


def test_untimed_cues_alone_spread_over_the_duration_or_four_seconds_each():
    cues = [cue(None, "A", "a"), cue(None, "A", "b")]
    assert _times(cues_to_vtt(cues, duration=10)) == [(0, 5), (5, 10)]
    assert _times(cues_to_vtt(cues)) == [(0, 4), (4, 8)]


def test_cue_ends_at_its_own_end_when_that_comes_before_the_next_start():
    cues = [cue(1, "A", "a", end=2.5), cue(5, "A", "b", end=9), cue(10, "A", "c", end=30)]
    assert _times(cues_to_vtt(cues, duration=60)) == [(1, 2.5), (5, 9), (10, 30)]


def test_times_given_are_kept_overlaps_same_starts_and_zero_length_too():
    cues = [
        cue(5, "A", "a", end=9),
        cue(5, "B", "b", end=6),
        cue(3, "A", "c", end=4),
        cue(7, "A", "d", end=7),
        cue(None, "A", "e"),
    ]
    # written in order of start; the untimed line after a zero-length one gets 4 s
    assert _times(cues_to_vtt(cues, duration=2)) == [(3, 4), (5, 9), (5, 6), (7, 7), (11, 15)]


def test_only_missing_ends_are_computed_from_the_next_later_start():
    cues = [cue(5, "A", "a"), cue(5, "A", "b"), cue(8, "A", "c", end=8.5), cue(12, "A", "d")]
    assert _times(cues_to_vtt(cues, duration=20)) == [(5, 8), (5, 8), (8, 8.5), (12, 20)]


def test_an_end_before_the_start_is_computed_like_a_missing_one():
    rows = [SimpleNamespace(start_seconds=5, end_seconds=2, speaker="", text="a")]
    assert _times(cues_to_vtt(rows)) == [(5, 9)]


def test_cues_without_text_are_left_out():
    assert cues_to_vtt([cue(1, "A", "  \n "), cue(2, "A", "Hi")]).count("-->") == 1
    assert cues_to_vtt([]) == "WEBVTT\n"


def test_cues_to_vtt_accepts_model_like_objects():
    rows = [
        SimpleNamespace(start_seconds=Decimal("1.5"), end_seconds=None, speaker=None, text="Hi"),
        SimpleNamespace(start_seconds=2.0, end_seconds=3.0, speaker="Coach", text="Line\none"),
    ]
    vtt = cues_to_vtt(rows, duration=Decimal("10"))
    assert _times(vtt) == [(1.5, 2), (2, 3)]
    assert reread(vtt) == [("", "Hi"), ("Coach", "COACH: Line one")]


def test_speakerless_text_that_looks_like_a_label_keeps_no_speaker():
    cues = [cue(1, "", "Note: the agenda is yours.")]
    vtt = cues_to_vtt(cues)
    assert reread(vtt) == [("", "Note: the agenda is yours.")]
    assert parse_vtt(vtt) == [cue(1, "", "Note: the agenda is yours.", end=5)]


LONG = (
    "Close, but different. An advisor gives you information and recommendations, like which "
    "electives fit your schedule, when the deadlines are, and who to ask about research; a "
    "mentor shares their own path. Okay?"
)


def test_a_long_line_becomes_captions_of_two_lines_of_42_characters_at_most():
    vtt = cues_to_vtt([cue(10, "Coach", LONG, end=40)])
    captions = webvtt.from_string(vtt).captions
    assert len(captions) > 2
    for caption in captions:
        lines = caption.text.split("\n")
        assert len(lines) <= 2
        assert all(len(line) <= 42 for line in lines), lines
    assert " ".join(c.text.replace("\n", " ") for c in captions) == "COACH: " + LONG
    assert captions[0].text.startswith("COACH: Close, but different.")


def test_captions_are_cut_at_sentence_ends_before_clauses_and_words():
    texts = [c.text.replace("\n", " ") for c in webvtt.from_string(cues_to_vtt([cue(0, "", LONG)]))]
    assert texts[0] == "Close, but different."
    assert all(text[-1] in ".,;?" for text in texts), texts


def test_captions_share_the_line_s_span_in_proportion_to_their_length():
    times = _times(cues_to_vtt([cue(10, "", LONG, end=40)]))
    assert times[0][0] == 10 and times[-1][1] == 40
    assert all(a[1] == b[0] for a, b in zip(times, times[1:], strict=False))
    texts = [c.text for c in webvtt.from_string(cues_to_vtt([cue(10, "", LONG, end=40)]))]
    rates = [len(text) / (end - start) for text, (start, end) in zip(texts, times, strict=True)]
    assert max(rates) - min(rates) < 1.5  # characters per second, about the same for each


def test_a_cue_that_fits_a_caption_is_served_as_it_came_its_lines_balanced():
    srt = "1\n00:00:01,250 --> 00:00:03,900\nHi, welcome to the specialization and\ninformation."
    vtt = cues_to_vtt(parse_srt(srt))
    assert vtt == (
        "WEBVTT\n\n00:00:01.250 --> 00:00:03.900\n"
        "Hi, welcome to the specialization\nand information.\n"
    )


def test_the_speaker_s_name_is_shown_after_each_change_of_speaker_only():
    cues = [cue(0, "Coach", "Hi."), cue(2, "Coach", "So."), cue(4, "", "(door)")]
    cues += [cue(6, "Student", "Hello."), cue(8, "Coach", "Well.")]
    assert [text for _, text in reread(cues_to_vtt(cues))] == [
        "COACH: Hi.",
        "So.",
        "(door)",
        "STUDENT: Hello.",
        "COACH: Well.",
    ]


def test_whole_lines_writes_one_cue_a_line_without_names_in_the_text():
    vtt = cues_to_vtt([cue(10, "Coach", LONG, end=40)], whole_lines=True)
    assert vtt == f"WEBVTT\n\n00:00:10.000 --> 00:00:40.000\n<v Coach>{LONG}\n"
    assert parse_vtt(vtt) == [cue(10, "Coach", LONG, end=40)]


def test_the_speaker_s_name_is_never_cut_over_two_lines():
    text = "Are you familiar with the kind of coaching we do here at the school?"
    first = webvtt.from_string(cues_to_vtt([cue(0, "Dr. Mary-Jane O'Brien", text)])).captions[0]
    assert first.text.split("\n")[0].startswith("DR. MARY-JANE O'BRIEN: ")


def _times(vtt: str) -> list[tuple[float, float]]:
    return [
        (caption.start_time.in_milliseconds() / 1000, caption.end_time.in_milliseconds() / 1000)
        for caption in webvtt.from_string(vtt)
    ]


# ------------------------------------------------------------------------------ text out


def test_cues_to_text_writes_timestamps_speakers_and_a_title():
    assert cues_to_text(CUES, title="Coaching Basics (CB-1)") == (
        "Coaching Basics (CB-1)\n\n"
        "[0:00] Host: Welcome.\n\n"
        "Coach: (Into phone) Hello.\n\n"
        "[0:12] Coach: Tell me & show <me>.\n\n"
        "[6:41] Student: Are you sure?\n"
    )


def test_cues_to_text_without_speaker_or_time_is_just_the_text():
    assert cues_to_text([cue(None, "", "Just words."), cue(3723, "", "Late.")]) == (
        "Just words.\n\n[1:02:03] Late.\n"
    )


def test_cues_to_text_is_read_back_by_parse_plain():
    cues = parse_plain((FIXTURES / "coaching_basics.txt").read_text())
    assert parse_plain(cues_to_text(cues)) == cues


# ------------------------------------------------------------------------------ properties

NAMES = ["Coach", "Student", "Host", "Dr. Smith", "Mary-Jane O'Brien", "Speaker 2", "Ана", "李"]
VOCABULARY = [
    "[laughs]",
    "[Indistinguishable]",
    "(Speaking",
    "into",
    "phone)",
    "[sic]",
    "[1]",
    "[2.5]",
    "[]",
    "(Knocks)",
    "http://example.org/a",
    "10:30",
    "&amp;",
    "<i>",
    "-->",
    "naïve",
    "¿Qué?",
    "日本語",
    "—",
    "coaching…",
    "don't",
]
# No colons or brackets in random words, so only the labels and stamps drawn are labels and stamps.
WORDS = st.sampled_from(VOCABULARY) | st.text(
    st.characters(categories=["L", "N", "P", "S"], exclude_characters="[]:"),
    min_size=1,
    max_size=6,
)
STAMP = st.tuples(st.integers(0, 400), st.integers(0, 2))  # (seconds after the last one, style)
WORD_TOKEN = WORDS.map(lambda word: ("word", word))
TOKEN = st.one_of(WORD_TOKEN, WORD_TOKEN, WORD_TOKEN, STAMP.map(lambda stamp: ("stamp", stamp)))
SEPARATOR = st.sampled_from([" ", " ", " ", "\n", "\r\n", " \n  "])
PARAGRAPH = st.tuples(
    st.none() | st.sampled_from(NAMES),
    st.sampled_from(["none", "stamp first", "label first"]),
    STAMP,
    st.lists(st.tuples(SEPARATOR, TOKEN), max_size=10),
)
BETWEEN = st.sampled_from(["\n\n", "\r\n\r\n", "\n \t\n", "\n\n\n"])


def render_stamp(seconds: int, style: int) -> str:
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours or style == 0:
        return f"[{hours}:{minutes:02d}:{secs:02d}]"
    return f"[{minutes:02d}:{secs:02d}]" if style == 1 else f"[{minutes}:{secs:02d}]"


def build_transcript(drawn) -> tuple[str, list[tuple[str, float | None, str]]]:
    """A plain transcript and the (speaker, start, word) every word must end up with.

    A timestamp times the words that follow it, up to the next timestamp or the end of the
    paragraph (or, with no words in between, it carries on to the next paragraph).
    """
    paragraphs, bom, final_newline = drawn
    clock, speaker, start = 0, "", None
    expected: list[tuple[str, float | None, str]] = []
    text = "\ufeff" if bom else ""
    for (label, head, head_stamp, body), between in paragraphs:
        tokens: list[tuple[str, str]] = []  # (kind, value) in reading order
        if head == "label first" and label:
            tokens.append(("label", f"{label}:"))
        if head != "none":
            tokens.append(("stamp", head_stamp))
        if head != "label first" and label:
            tokens.append(("label", f"{label}:"))
        tokens += [token for _, token in body] or ([] if tokens else [("word", "word")])
        separators = itertools.cycle([" ", *(separator for separator, _ in body)])
        speaker = label or speaker
        have_words, rendered = False, []
        for kind, value in tokens:
            if kind == "stamp":
                clock += value[0]
                start, have_words = clock, False
                rendered.append(render_stamp(clock, value[1]))
                continue
            if kind == "word":
                expected.extend((speaker, start, word) for word in value.split())
                have_words = True
            rendered.append(value)
        if have_words:
            start = None
        text += rendered[0] + "".join(next(separators) + token for token in rendered[1:])
        text += between
    return (text if final_newline else text.rstrip("\r\n \t")), expected


plain_transcripts = st.tuples(
    st.lists(st.tuples(PARAGRAPH, BETWEEN), min_size=1, max_size=6), st.booleans(), st.booleans()
).map(build_transcript)


@PROPERTY
@given(plain_transcripts)
def test_plain_transcript_keeps_every_word_in_order_with_its_speaker_and_time(sample):
    text, expected = sample
    if not expected:  # e.g. only labels and timestamps
        assert error_of(parse_transcript, text).message.startswith("the transcript is empty")
        return
    cues = parse_transcript(text)
    assert [(c.speaker, c.start_seconds, w) for c in cues for w in c.text.split()] == expected


@PROPERTY
@given(plain_transcripts)
def test_plain_transcript_as_vtt_keeps_every_word_and_speaker(sample):
    text, expected = sample
    cues = parse_plain(text)
    vtt = cues_to_vtt(cues, duration=None)
    back = parse_vtt(vtt)
    # Captions of lines with the same start interleave in time, so compare as multisets.
    assert Counter((c.speaker, w) for c in back for w in c.text.split()) == Counter(
        (speaker, word) for speaker, _, word in expected
    )
    assert {c.start_seconds for c in cues if c.start_seconds is not None} <= {
        c.start_seconds for c in back
    }
    # webvtt-py, an independent reader, sees the voices and every word (names shown added).
    assert {voice for voice, _ in reread(vtt)} == {c.speaker for c in cues}
    assert Counter(w for _, t in reread(vtt) for w in t.split()) >= Counter(words_of(cues))


@PROPERTY
@given(plain_transcripts)
def test_plain_transcript_as_text_reads_back_the_same(sample):
    cues = parse_plain(sample[0])
    assert parse_plain(cues_to_text(cues)) == cues


# Text as the admin's forms save it: no control characters (NUL is read back as U+FFFD).
PRINTABLE = st.characters(exclude_categories=["Cc", "Cs"])
# Cue text for SRT and WebVTT: words, formatting that goes, and text that only looks like
# markup and stays. (text as written, words a reader must find)
TIMED_TOKENS = st.one_of(
    WORDS.filter(lambda word: not any(char in word for char in "<>&{}")).map(lambda w: (w, w)),
    st.sampled_from(
        [
            ("<i>", ""),
            ("</i>", ""),
            ("<b>", ""),
            ('<font color="red">', ""),
            ("</font>", ""),
            ("{\\an8}", ""),
            ("<c.grey>", ""),
            ("<LAUGHING & WHOOPS!>", "LAUGHING & WHOOPS"),
            ("x < y and y > z", "x y and y z"),
            ("&amp;", "&"),
            ("-->", ""),
            ("Coach:", "Coach"),
            ("Note:", "Note"),
            ("[laughs]", "laughs"),
        ]
    ),
)
TIMED_CUE = st.tuples(
    st.integers(0, 5000),  # ms after the previous start
    st.integers(0, 9000),  # duration in ms
    st.lists(st.lists(TIMED_TOKENS, min_size=1, max_size=6), min_size=1, max_size=3),
)


def render_timed(cues, fmt: str) -> tuple[str, list[str]]:
    """An SRT or WebVTT file of the drawn cues, and the words it holds."""
    separator = "," if fmt == "srt" else "."
    out, expected, clock = ["WEBVTT", ""] if fmt == "vtt" else [], [], 0
    for number, (step, duration, lines) in enumerate(cues, start=1):
        clock += step
        stamps = f"{_stamp(clock, separator)} --> {_stamp(clock + duration, separator)}"
        out += [str(number), stamps, *(" ".join(w for w, _ in line) for line in lines), ""]
        expected += [found for line in lines for _, found in line]
    return "\n".join(out), words(" ".join(expected))


def _stamp(milliseconds: int, separator: str) -> str:
    seconds, millis = divmod(milliseconds, 1000)
    minutes, seconds = divmod(seconds, 60)
    return f"00:{minutes:02d}:{seconds:02d}{separator}{millis:03d}"


@PROPERTY
@given(st.lists(TIMED_CUE, min_size=1, max_size=8), st.sampled_from(["srt", "vtt"]))
def test_srt_and_webvtt_keep_every_word_with_their_times(cues, fmt):
    text, expected = render_timed(cues, fmt)
    if not expected:
        return  # only formatting was drawn
    for labels in (None, True):
        reading = read_transcript(text, filename=f"t.{fmt}", speaker_labels=labels)
        found = words(" ".join(f"{c.speaker} {c.text}" for c in reading.cues))
        assert Counter(expected) - Counter(found) == Counter()
        assert all(c.start_seconds is not None for c in reading.cues)
        assert reading.repairs == [] or all("-->" in r.message for r in reading.repairs)


CUE_STARTS = st.none() | st.floats(0, 10_000, allow_nan=False) | st.integers(0, 10_000)


@st.composite
def any_cues(draw):
    return [
        SimpleNamespace(
            start_seconds=draw(CUE_STARTS),
            end_seconds=draw(CUE_STARTS),
            speaker=draw(st.text(PRINTABLE, max_size=12)),
            text=draw(st.text(PRINTABLE, max_size=30)),
        )
        for _ in range(draw(st.integers(0, 12)))
    ]


@PROPERTY
@given(any_cues(), st.none() | st.floats(0, 20_000, allow_nan=False))
def test_any_cues_make_valid_vtt_that_is_read_back_with_every_word(cues, duration):
    vtt = cues_to_vtt(cues, duration=duration)
    kept = [c for c in cues if c.text.split()]
    back = parse_vtt(vtt)
    assert Counter((c.speaker, w) for c in back for w in c.text.split()) == Counter(
        (" ".join(c.speaker.split()), w) for c in kept for w in c.text.split()
    )
    assert {voice for voice, _ in reread(vtt)} == {" ".join(c.speaker.split()) for c in kept}
    times = _times(vtt)
    assert all(end >= start for start, end in times)
    assert [start for start, _ in times] == sorted(start for start, _ in times)


@FUZZ
@given(st.text())
def test_any_text_is_read_or_raises_transcript_error(text):
    _read_or_transcript_error(parse_transcript, text)


@FUZZ
@given(st.binary())
def test_any_bytes_are_read_or_raise_transcript_error(data):
    _read_or_transcript_error(parse_transcript, data)


TRICKY = st.lists(
    st.sampled_from([*"[]()0123456789:.,-> <>/v&;#\n\r\t aZé", "-->", "NOTE", "<v A>", "\n\n"])
).map("".join)


@FUZZ
@given(TRICKY)
def test_tricky_text_in_every_format_is_read_or_raises_transcript_error(text):
    _read_or_transcript_error(parse_plain, text)
    _read_or_transcript_error(parse_vtt, "WEBVTT\n\n" + text)
    _read_or_transcript_error(parse_srt, "1\n00:00:01,000 --> 00:00:02,000\n" + text)


def _read_or_transcript_error(parse, data):
    try:
        cues = parse(data)
    except TranscriptError as error:
        assert error.message
        return
    assert all(isinstance(item, ParsedCue) and item.text for item in cues)
    assert cues_to_vtt(cues).startswith("WEBVTT")
