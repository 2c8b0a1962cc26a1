"""``ropa notice PATH -o notice.md [--lang en]``: draft an Art 13/14 privacy notice from a register."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audit_lib.cli.common import CliExit, add_path, load_or_exit, plural, refuse_folder
from audit_lib.notice import LANGUAGES, draft_notice, write_notice


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "notice",
        help="draft a privacy notice (Art 13/14) from a register, listing its gaps",
        description="Draft a markdown privacy notice structured as Art 13 (controller, DPO, "
        "representative, purposes and legal bases, legitimate interests, recipients, transfers, "
        "retention, rights, complaint, whether data is required, automated decisions, source of "
        "the data) from the register in PATH alone. It ends with 'Gaps to close before "
        "publishing': one line per item the register does not answer. Exit codes: 0 written "
        "(gaps or not), 1 invalid register or file not writable, 2 usage error or unknown language.",
    )
    add_path(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="markdown file to write (written atomically); default: standard output")
    p.add_argument("--lang", default="en", metavar="LANG",
                   help=f"language of the notice (available: {', '.join(sorted(LANGUAGES))}; default en)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.lang not in LANGUAGES:
        raise CliExit(2, f"ropa notice: no notice wording for language '{args.lang}' yet "
                         f"(available: {', '.join(sorted(LANGUAGES))})")
    out = Path(args.output) if args.output else None
    if out is not None and not out.parent.is_dir():
        raise CliExit(1, f"ropa notice: cannot write {out}: folder {out.parent} does not exist")
    if out is not None:
        refuse_folder(out, "notice")
    notice = draft_notice(load_or_exit(args.path), lang=args.lang)
    if out is None:
        sys.stdout.write(notice.text)
    else:
        try:
            write_notice(notice, out)
        except OSError as exc:
            raise CliExit(1, f"ropa notice: cannot write {out}: {exc.strerror or exc}") from None
    where = f"wrote {out}" if out else "notice drafted"
    print(f"{where}: {plural(len(notice.gaps), 'gap')} to close before publishing", file=sys.stderr)
    return 0
