"""Write the compact language model kulak reads at run time, one command:

    python scripts/extract_language_model.py [--out monitor/sentiment/langid/latin.bin.gz]

py3langid's shipped model holds 142 languages and a byte automaton of 104,583 states (about
75 MiB resident with NumPy). kulak asks it only among the Latin-script languages of
`monitor.sentiment.language.LATIN`, so this keeps those languages' naive-Bayes weights and
the automaton's states as strings, and nothing else: under 1 MB, read without NumPy.

The automaton's state after a byte is the longest suffix of the text so far that is one of
its states' strings, and it counts the longest n-gram that is a suffix of that (checked
here for every state). So kulak walks the same states by looking strings up in a
dictionary. py3langid stores the weights (log-probabilities) as float16; all of them lie
between -16 and -4, where float16 steps by 1/256 or coarser, so each is kept exactly as an
integer, -256 times the weight, below 2**12. An n-gram's weights are packed into one
integer, LANE bits per language, its number above them (two n-grams may weigh the same but
count apart): kulak adds up to `chunk` n-grams' weights with one integer sum.

File: a first line "kulak-langid 2", a JSON line (source, languages in py3langid's order,
priors as exact decimals of py3langid's float32, lane width, chunk, row size, how many
n-grams, how many states of each string length), then the states' strings (by length,
then bytewise), the n-gram each state counts (int32, -1 for none), and each n-gram's packed
weights (row size bytes); little-endian, gzip over it all.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import deque
from importlib.metadata import version
from pathlib import Path

import numpy as np
from py3langid.langid import MODEL_DIR, MODEL_FILE
from py3langid.modelio import load_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.sentiment.language import LATIN, MODEL_PATH

MAGIC = b"kulak-langid 2\n"
LANE = 20


def state_strings(nextmove, rows) -> list[bytes]:
    """The shortest byte string reaching each state from the start (breadth first)."""
    strings: list[bytes | None] = [None] * len(rows)
    strings[0] = b""
    queue = deque([0])
    while queue:
        state = queue.popleft()
        base = rows[state] << 8
        for byte in range(256):
            reached = nextmove[base + byte]
            if strings[reached] is None:
                strings[reached] = strings[state] + bytes([byte])
                queue.append(reached)
    if None in strings:
        raise ValueError("py3langid's automaton has states the start does not reach")
    return strings  # type: ignore[return-value]


def check_longest(strings: list[bytes], output: list[int]) -> None:
    """Each state emits the longest n-gram that is a suffix of its string, so kulak can
    find the state and its n-gram by looking strings up (see `LatinModel._counts`)."""
    gram: dict[int, bytes] = {}
    for string, feature in zip(strings, output, strict=True):
        if feature >= 0 and len(string) < len(gram.get(feature, string + b"-")):
            gram[feature] = string
    known = {string: feature for feature, string in gram.items()}
    for string, feature in zip(strings, output, strict=True):
        longest = next((known[string[i:]] for i in range(len(string)) if string[i:] in known), -1)
        if longest != feature:
            raise ValueError(f"state {string!r} emits {feature}, not the longest n-gram")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    args = parser.parse_args(argv)
    weights, priors, classes, nextmove, rows, output = load_model(MODEL_DIR / MODEL_FILE)
    if any(classes.count(lang) != 1 for lang in LATIN):
        raise ValueError("each language must be one column of py3langid's model")
    # py3langid's class order, which decides ties (a text without n-grams).
    languages = sorted(LATIN, key=classes.index)
    columns = [classes.index(lang) for lang in languages]
    strings = state_strings(nextmove, rows)
    check_longest(strings, output)
    states = sorted(range(1, len(strings)), key=lambda s: (len(strings[s]), strings[s]))
    lengths: dict[int, int] = {}
    for state in states:
        lengths[len(strings[state])] = lengths.get(len(strings[state]), 0) + 1
    emits = np.asarray([output[state] for state in states], dtype="<i4")
    table = -256 * np.asarray(weights, dtype=np.float64)[:, columns]
    if not (np.all(table == np.round(table)) and table.min() > 0 and table.max() < 2**12):
        raise ValueError("a weight is not a negative multiple of 1/256 above -16")
    row_bytes = (LANE * len(languages) + len(table).bit_length() + 7) // 8
    packed = b"".join(
        (
            sum(int(w) << (LANE * lane) for lane, w in enumerate(row))
            | number << (LANE * len(languages))
        ).to_bytes(row_bytes, "little")
        for number, row in enumerate(table.tolist())
    )
    header = {
        "source": f"py3langid {version('py3langid')}, {MODEL_FILE}",
        "languages": languages,
        "priors": [float(priors[i]) for i in columns],
        "lane": LANE,
        "chunk": (2**LANE - 1) // int(table.max()),  # n-grams a lane can add up
        "row_bytes": row_bytes,
        "ngrams": len(table),
        "lengths": lengths,
    }
    body = b"".join(strings[state] for state in states) + emits.tobytes() + packed
    blob = MAGIC + json.dumps(header).encode() + b"\n" + body
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(gzip.compress(blob, compresslevel=9, mtime=0))
    print(f"{args.out}: {len(states)} states, {len(table)} n-grams, {len(blob)} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
