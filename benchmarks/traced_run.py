"""`kulak run` under tracemalloc, for `soak.py --trace DIR`: finds what grows.

    python benchmarks/traced_run.py DIR FRAMES run --config settings.yaml

Runs the kulak command line in this process with tracemalloc on, keeping FRAMES frames
per allocation (0: tracemalloc off, at full speed). A thread watches DIR: for each
`NAME.want` file that appears there it collects garbage and writes `NAME.json` (live
objects per type, memory traced, the C allocator's figures), `NAME.snapshot` (a
tracemalloc snapshot, when tracing) and removes the `.want` file. The soak benchmark asks
for a snapshot at each sample, so nothing in kulak itself needs a hook or a signal.
"""

from __future__ import annotations

import ctypes
import gc
import json
import sys
import threading
import time
import tracemalloc
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


SQLITE_STATUS_PAGECACHE_OVERFLOW = 2  # page cache bytes taken from the heap


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def malloc_figures() -> dict[str, int]:
    """glibc's heap: bytes in use, free inside the heap, and in mmap'd blocks (what
    tracemalloc cannot see, such as SQLite's page cache, shows here)."""
    try:
        libc = ctypes.CDLL(None)
        libc.mallinfo2.restype = _MallInfo2
    except (OSError, AttributeError):
        return {}
    info = libc.mallinfo2()
    return {"in_use": info.uordblks, "free": info.fordblks, "mmapped": info.hblkhd}


def sqlite_figures() -> dict[str, int]:
    """Bytes SQLite has allocated (page caches, prepared statements, schemas), and of
    those its page caches'."""
    import _sqlite3

    library = ctypes.CDLL(_sqlite3.__file__)
    library.sqlite3_memory_used.restype = ctypes.c_int64
    current, highest = ctypes.c_int64(), ctypes.c_int64()
    library.sqlite3_status64(
        SQLITE_STATUS_PAGECACHE_OVERFLOW, ctypes.byref(current), ctypes.byref(highest), 0
    )
    return {"sqlite": library.sqlite3_memory_used(), "sqlite_pages": current.value}


def dump(folder: Path, name: str) -> None:
    gc.collect()
    types = Counter(type(o).__qualname__ for o in gc.get_objects())
    if tracemalloc.is_tracing():
        tracemalloc.take_snapshot().dump(str(folder / f"{name}.snapshot"))
    traced, _ = tracemalloc.get_traced_memory()
    figures = {
        "traced": traced,
        "malloc": {**malloc_figures(), **sqlite_figures()},
        "types": dict(types),
    }
    (folder / f"{name}.json").write_text(json.dumps(figures), encoding="utf-8")


def watch(folder: Path) -> None:
    while True:
        for want in sorted(folder.glob("*.want")):
            dump(folder, want.stem)
            want.unlink()
        time.sleep(0.2)


def main() -> None:
    folder, frames = Path(sys.argv[1]), int(sys.argv[2])
    if frames:
        tracemalloc.start(frames)
    threading.Thread(target=watch, args=(folder,), daemon=True, name="traced-run").start()
    from monitor.cli import main as kulak

    kulak(sys.argv[3:], prog_name="kulak")


if __name__ == "__main__":
    main()
