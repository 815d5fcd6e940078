"""Refresh kulak's message catalogs after changing words people read, one command:

    python scripts/i18n.py

It extracts the English strings from alerts/, the detectors and templates/ (Babel), merges
them into monitor/locale/<tr|el>/LC_MESSAGES/kulak.po (new strings untranslated), and
compiles each .po into the .mo that ships. Translate the empty msgstr lines, run it again,
and tests/test_i18n.py passes.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.catalogs import compile_catalog, extract, languages, problems, update


def main() -> int:
    template = extract()
    for code in languages():
        update(template, code)
        compile_catalog(code)
    left = [line for code in languages() for line in problems(code, template)]
    for line in left:
        print(line)
    print(f"{len(template)} messages; {len(left)} to fix")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
