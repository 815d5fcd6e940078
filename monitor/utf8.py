"""Files people write by hand or export from a spreadsheet: read as UTF-8, and when they are
not, say on which line, so the person can find the character their editor saved wrongly."""

from __future__ import annotations

from pathlib import Path


class NotUtf8(ValueError):
    """A file's bytes are not UTF-8 text; `line` is 1-based, `problem` says what, for
    callers that name the line their own way."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.problem = f"not UTF-8 text ({reason})"
        super().__init__(f"line {line}: {self.problem}")


def read_utf8(path: Path) -> str:
    """The file's text, without the byte-order mark that Excel and Notepad put first."""
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NotUtf8(data.count(b"\n", 0, exc.start) + 1, exc.reason) from None
