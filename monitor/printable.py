"""Untrusted text (a post, a server's error body) made safe to print on a terminal or to
write in a log line: control characters are shown as escapes, never acted on.

An ESC sequence in a post could retitle a terminal, hide text or fake a prompt; a
newline in an error body would start what looks like a log line of its own.
"""

from __future__ import annotations

import re

# C0 and C1 controls and DEL (tab and newline kept), and the bidirectional overrides that
# make text display in another order than it reads.
CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# Every character a terminal or a log viewer could take for the end of a line.
LINE_ENDS = re.compile(r"[\n\x0b\x0c\r\x85\u2028\u2029]")


NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    if char in NAMED:
        return NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """`text` with controls escaped (`\\x1b`); with `one_line`, line ends too."""
    if one_line:
        text = LINE_ENDS.sub(_escape, text)
    return CONTROLS.sub(_escape, text)
