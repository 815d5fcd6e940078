"""Files kulak makes hold posts and alerts about real people: never world-readable.

The database is its owner's alone (0600); exports, previews and alert files are for the
owner's group too (0640). The modes apply when a file is made; the process's umask can
only take more away, and an existing file keeps the mode its owner gave it.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import TextIO

OWNER_ONLY = 0o600
OWNER_AND_GROUP = 0o640


def create(path: Path, mode: int = OWNER_ONLY) -> None:
    """Make `path` empty with `mode`, unless it exists."""
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode))


def open_text(path: Path, mode: int = OWNER_AND_GROUP) -> TextIO:
    """`path` opened to be written anew as UTF-8 text; made with `mode` if new."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    return os.fdopen(fd, "w", encoding="utf-8")


def write_text(path: Path, text: str, mode: int = OWNER_AND_GROUP) -> None:
    with open_text(path, mode) as handle:
        handle.write(text)
