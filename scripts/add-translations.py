"""Append catalogue entries that a fresh extraction finds and the Dutch catalogue lacks.

Usage (from the project root)::

    .venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext -k Message -k Plural:1,2 \
        -o /tmp/messages.pot .
    .venv/bin/python scripts/add-translations.py /tmp/messages.pot TRANSLATIONS.py

``TRANSLATIONS.py`` defines ``NL``: ``{msgid: msgstr}`` and, for plurals,
``{(singular, plural): (one, many)}``. Entries already in the catalogue are
left exactly as they are (no reordering, no rewrapping), so a change's diff
shows only what it added. Exits 1, listing them, when extracted messages
remain untranslated.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

from babel.messages.pofile import read_po

CATALOGUE = Path("cop_vote/translations/nl/LC_MESSAGES/messages.po")


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def main(pot_path: str, translations_path: str) -> int:
    with open(pot_path, "rb") as f:
        template = read_po(f)
    with CATALOGUE.open("rb") as f:
        existing = read_po(f)
    nl = runpy.run_path(translations_path)["NL"]
    added, missing = [], []
    for message in template:
        if not message.id or message.id in existing:
            continue
        key = tuple(message.id) if isinstance(message.id, tuple | list) else message.id
        if key not in nl:
            missing.append(key)
            continue
        lines = [f"#: {' '.join(f'{p}:{n}' for p, n in message.locations)}"]
        if message.python_format:
            lines.append("#, python-format")
        if isinstance(key, tuple):
            one, many = nl[key]
            lines += [
                f"msgid {_quote(key[0])}",
                f"msgid_plural {_quote(key[1])}",
                f"msgstr[0] {_quote(one)}",
                f"msgstr[1] {_quote(many)}",
            ]
        else:
            lines += [f"msgid {_quote(key)}", f"msgstr {_quote(nl[key])}"]
        added.append("\n".join(lines))
    if added:
        text = CATALOGUE.read_text(encoding="utf-8").rstrip("\n")
        CATALOGUE.write_text(text + "\n\n" + "\n\n".join(added) + "\n", encoding="utf-8")
    print(f"{len(added)} entries added", file=sys.stderr)
    for key in missing:
        print(f"untranslated: {key!r}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
