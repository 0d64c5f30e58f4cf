"""Timing a transcript to its video: forced alignment of the known text to the speech.

Programmes often have the script, or a transcript without times. PocketSphinx (its US
English acoustic model and dictionary ship in the wheel: nothing is downloaded) is told the
words in order and finds where each is spoken; the start of each line's first word
becomes that line's proposed time. Words the dictionary does not know (names, numbers) are
left out of the search; a line with none it knows gets no proposal.

Proposals are only proposals: staff review them beside the current times and accept them
(modules/admin.py), since a line the speaker skipped gets a time that is wrong.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from modules.video_pipeline import VideoPipelineError, input_options, tool

SAMPLE_RATE = 16_000
FRAMES_PER_SECOND = 100  # PocketSphinx's frame rate
WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
# A pause this long after a line's first word means that word was matched too early.
LONE_WORD_PAUSE = 0.5
NOT_WORDS = {"<s>", "</s>", "<sil>", "(NULL)", "[NOISE]", "[BREATH]", "[COUGH]"}


class AlignmentError(Exception):
    """The text could not be aligned to the audio; the message says why."""


@dataclass(frozen=True)
class Proposal:
    position: int  # the cue's position
    start_seconds: float | None  # None: no word of the line was found


def audio_of(video: Path) -> bytes:
    """The video's sound as 16 kHz mono 16-bit PCM, as PocketSphinx reads it."""
    result = subprocess.run(
        [tool("ffmpeg"), "-v", "error", "-nostdin", *input_options(video), "-vn", "-ac", "1"]
        + ["-ar", str(SAMPLE_RATE), "-f", "s16le", "-acodec", "pcm_s16le", "pipe:1"],
        capture_output=True,
        timeout=1800,
    )
    if result.returncode != 0 or not result.stdout:
        words = result.stderr.decode(errors="replace").strip().splitlines()
        raise VideoPipelineError(
            "The video's sound could not be read: " + (words[-1] if words else "it has none")
        )
    return result.stdout


# Transcribers' notes ("[laughs]", "(Knocks on the door)") describe sound; nobody says them.
NOTE = re.compile(r"\[[^\]]*\]|\([^)]*\)")


def known_words(text: str, known) -> list[str]:
    spoken = NOTE.sub(" ", text).lower().replace("’", "'")
    return [word for word in WORD.findall(spoken) if known(word)]


def align(audio: bytes, lines: list[tuple[int, str]]) -> list[Proposal]:
    """A proposed start for each (position, text) line, from where its words are spoken."""
    from pocketsphinx import Decoder

    # Wide beams: the search follows one known sentence, so it may keep many paths.
    decoder = Decoder(loglevel="ERROR", beam=1e-100, pbeam=1e-100, wbeam=1e-80)
    words_of = [
        known_words(text, lambda word: decoder.lookup_word(word) is not None) for _, text in lines
    ]
    words = [word for line in words_of for word in line]
    if not words:
        raise AlignmentError("No word of the transcript is in the English dictionary.")
    decoder.set_align_text(" ".join(words))
    decoder.start_utt()
    decoder.process_raw(audio, full_utt=True)
    decoder.end_utt()
    if decoder.hyp() is None:
        raise AlignmentError(
            "The transcript could not be matched to the speech (is it this video's?)."
        )
    spoken = _matched(words, _spoken_words(decoder.seg()))
    if not any(spoken):
        raise AlignmentError("No word of the transcript was found in the speech.")
    proposals, at = [], 0
    for (position, _), line_words in zip(lines, words_of, strict=True):
        found = [word for word in spoken[at : at + len(line_words)] if word is not None]
        proposals.append(Proposal(position=position, start_seconds=_line_start(found)))
        at += len(line_words)
    return proposals


def _matched(words: list[str], spoken: list[_Spoken]) -> list[_Spoken | None]:
    """For each word of the text, where it was spoken, or None where the search left it out
    (the speech stops early, or skips a stretch): the two lists are matched by the words."""
    matched: list[_Spoken | None] = [None] * len(words)
    names = [word.name for word in spoken]
    matcher = difflib.SequenceMatcher(a=words, b=names, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            matched[block.a + offset] = spoken[block.b + offset]
    return matched


@dataclass(frozen=True)
class _Spoken:
    name: str
    start: float
    end: float
    silence_after: float


def _spoken_words(segments) -> list[_Spoken]:
    """Each aligned word with its times and the silence that follows it."""
    spoken: list[_Spoken] = []
    for segment in segments:
        start = segment.start_frame / FRAMES_PER_SECOND
        end = (segment.end_frame + 1) / FRAMES_PER_SECOND
        if segment.word in NOT_WORDS:
            if spoken and segment.word == "<sil>":
                last = spoken[-1]
                spoken[-1] = _Spoken(
                    last.name, last.start, last.end, last.silence_after + end - start
                )
            continue
        # "to(3)": the third pronunciation of "to" in the dictionary
        spoken.append(_Spoken(segment.word.split("(")[0], start, end, 0.0))
    return spoken


def _line_start(found: list[_Spoken]) -> float | None:
    """Where the line begins: its first word, unless that word stands alone before a pause.

    A short first word ("I", "So") is often matched to the end of the previous line's
    speech, followed by a pause, then the rest of the line: the line really begins where
    the rest does, less the short word's length.
    """
    if not found:
        return None
    first = found[0]
    if len(found) > 1 and first.silence_after >= LONE_WORD_PAUSE:
        return round(max(found[1].start - (first.end - first.start), 0.0), 2)
    return round(first.start, 2)
