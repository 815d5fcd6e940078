"""What a source sends, made safe to store: posts are untrusted text.

PostgreSQL refuses a NUL character in text, and no database driver can encode a lone
UTF-16 surrogate (a JSON "\\ud800" decodes to one); either made the store refuse a whole
page, and a source that sent one stopped for good. Both are dropped here, once, for
every string of a post and of a problem report, so no later stage meets them.
"""

from __future__ import annotations

import re
from typing import Any

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_LANGUAGE_TAG = re.compile(r"[A-Za-z]{2,8}(?:-[A-Za-z0-9]{1,8})*")
#: a signed 64-bit integer, what the store's counters hold
_INT_LEAST, _INT_MOST = -(2**63), 2**63 - 1


def clean_text(value: str) -> str:
    """`value` without NUL characters and lone surrogates (a surrogate pair that was left
    as two characters becomes the one character it encodes)."""
    if _UNSTORABLE.search(value) is None:
        return value
    joined = value.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "ignore")
    return joined.replace("\x00", "")


def clean_value(value: Any) -> Any:
    """`clean_text` for every string in JSON-like data (keys too), at any depth."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {clean_value(k): clean_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v) for v in value]
    return value


def clean_count(value: Any) -> int | None:
    """A count the store can hold: a whole number within 64 bits, else unknown. A count
    sent as text ("42", as some APIs send them) is that number; a flag, a list or any
    other text is unknown, not an error that would cost the post."""
    if isinstance(value, str):
        digits = value.strip()
        value = int(digits) if digits.isascii() and digits.isdigit() and len(digits) < 20 else None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if type(value) is not int:  # a bool is an int too, and no count
        return None
    return value if _INT_LEAST <= value <= _INT_MOST else None


def clean_language(value: Any) -> str | None:
    """A language tag as sources give them ("en", "pt-BR"); anything else is unknown."""
    if not isinstance(value, str) or _LANGUAGE_TAG.fullmatch(value) is None:
        return None
    return value
