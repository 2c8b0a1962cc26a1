"""Development tool: write or check the rule catalogue, docs/audit-rules.md.

    python tools/rule_catalogue.py            # rewrite docs/audit-rules.md
    python tools/rule_catalogue.py --check    # exit 1 if the file is out of date

The text is :func:`audit_lib.audit.catalogue.catalogue_markdown`, generated from the rules.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make the checkout importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from audit_lib.audit.catalogue import catalogue_markdown  # noqa: E402
from audit_lib.audit.core import RULES  # noqa: E402
from audit_lib.io.atomic import atomic_write_text  # noqa: E402

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "audit-rules.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python tools/rule_catalogue.py",
                                     description="Write or check docs/audit-rules.md")
    parser.add_argument("path", nargs="?", default=str(DOC_PATH))
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    args = parser.parse_args(argv)
    path = Path(args.path)
    text = catalogue_markdown()
    if args.check:
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        if current != text:
            print(f"{path} is out of date: run python tools/rule_catalogue.py", file=sys.stderr)
            return 1
        return 0
    atomic_write_text(path, text)
    print(f"wrote {path} ({len(RULES)} rules)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
