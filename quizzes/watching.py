"""Watched stretches of a video as merged intervals, so replays and skips don't count."""

from __future__ import annotations

from collections.abc import Iterable

Interval = tuple[float, float]


def merge_intervals(intervals: Iterable[Iterable[float]]) -> list[list[float]]:
    ordered = sorted((float(start), float(end)) for start, end in intervals if end > start)
    merged: list[list[float]] = []
    for start, end in ordered:
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [[round(start, 3), round(end, 3)] for start, end in merged]


def covered_seconds(intervals: Iterable[Iterable[float]]) -> float:
    return round(sum(end - start for start, end in merge_intervals(intervals)), 3)
