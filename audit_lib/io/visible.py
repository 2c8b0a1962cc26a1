"""Text for a terminal or a CI log: every control character shown, never obeyed.

A value echoed in a message (a taxonomy key, an id, an unknown key) may hold an escape
sequence (YAML's ``"\\e[2K"``) that erases the line it is on, or a Unicode bidi override
that reorders what is shown (CVE-2021-42574, "Trojan Source"). :func:`visible` writes each
such character as a visible escape (``\\x1b``, ``\\u202e``): C0 controls (newline kept in
multi-line text), DEL, C1 controls, the bidi embeddings/overrides U+202A-202E and the
isolates U+2066-2069. :func:`echo` also caps a value's length, saying how much was left out.
"""

from __future__ import annotations

import re

CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Every character a terminal may obey rather than show (newline included)."""
_CONTROL_BUT_NEWLINE_RE = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
ECHO_LIMIT = 200
"""Characters of one echoed value shown in a message; the rest is counted, not shown."""


def _escape(match: re.Match) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, multiline: bool = True) -> str:
    """``text`` with every control character written as a visible escape; newlines kept if ``multiline``."""
    pattern = _CONTROL_BUT_NEWLINE_RE if multiline else CONTROL_RE
    return pattern.sub(_escape, text)


def echo(value: object, limit: int = ECHO_LIMIT) -> str:
    """A value quoted in a message: one line, control characters visible, at most ``limit`` characters."""
    text = visible(str(value), multiline=False)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\u2026 ({len(text) - limit} more characters)"
