"""Appends each alert as one JSON line to a file, for scripts and log shippers.

A line is written with one `write` and fsynced before the send counts as done; a reader
should deduplicate by `key`, since a crash right after the write means it is written again.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

from pydantic import Field

from alerts.base import Channel, ChannelOptions, SendResult
from monitor.alert import Alert
from monitor.private import OWNER_AND_GROUP

# Errors a person must fix (a path that cannot be a file); anything else may pass.
PERMANENT = {errno.EACCES, errno.EPERM, errno.EISDIR, errno.ENOTDIR, errno.EROFS}


class JsonlOptions(ChannelOptions):
    path: Path = Field(description="the file appended to")


class JsonlChannel(Channel):
    type = "jsonl"
    Options = JsonlOptions
    options: JsonlOptions

    def _send(self, alert: Alert) -> SendResult:
        path = self.options.path
        line = (alert.to_json() + "\n").encode("utf-8")
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, OWNER_AND_GROUP)
        try:
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)
        return SendResult.sent()

    def _classify(self, exc: Exception) -> SendResult | None:
        if isinstance(exc, OSError) and exc.errno in PERMANENT:
            return SendResult.failed(f"cannot write {self.options.path}: {exc.strerror}")
        if isinstance(exc, OSError):
            return SendResult.retry(f"writing {self.options.path}: {exc.strerror or exc}")
        return None
