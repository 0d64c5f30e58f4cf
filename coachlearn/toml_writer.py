"""A small, deterministic TOML writer for module packages (Python reads TOML with tomllib).

Keys are written in the order of the dicts given; text with line breaks becomes a multi-line
string so descriptions stay readable. Written by hand rather than adding a dependency: the
package format needs only tables, arrays of tables, strings, integers, booleans, datetimes
and lists of strings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
# Control characters TOML strings may not hold as they are (tab and, in """ strings, \n may).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SHORT_ESCAPES = {"\b": r"\b", "\f": r"\f", "\r": r"\r"}


def dumps(document: dict) -> str:
    lines: list[str] = []
    _table(lines, "", document)
    return "\n".join(lines).lstrip("\n") + "\n"


def _is_table(value) -> bool:
    return isinstance(value, dict)


def _is_table_array(value) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)


def _table(lines: list[str], prefix: str, table: dict) -> None:
    for key, value in table.items():
        if not _is_table(value) and not _is_table_array(value):
            lines.append(f"{_key(key)} = {_value(value)}")
    for key, value in table.items():
        path = f"{prefix}{_key(key)}"
        if _is_table(value):
            lines += ["", f"[{path}]"]
            _table(lines, f"{path}.", value)
        elif _is_table_array(value):
            for item in value:
                lines += ["", f"[[{path}]]"]
                _table(lines, f"{path}.", item)


def _key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else _string(key, multiline=False)


def _value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return _string(value, multiline="\n" in value)
    if isinstance(value, datetime):
        return _datetime(value)
    if isinstance(value, list):
        if not value:
            return "[]"
        return "[\n" + "".join(f"  {_value(item)},\n" for item in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as TOML")


def _datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("datetimes must be timezone-aware")
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _escape_control(match: re.Match[str]) -> str:
    char = match[0]
    return _SHORT_ESCAPES.get(char, f"\\u{ord(char):04X}")


def _string(text: str, *, multiline: bool) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = _CONTROL.sub(_escape_control, escaped)
    if multiline:
        # The line break right after the opening quotes is not part of the value.
        return '"""\n' + escaped + '"""'
    return '"' + escaped.replace("\n", "\\n") + '"'
