"""``ropa notice PATH -o notice.md [--lang en]``: draft an Art 13/14 privacy notice from a register."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audit_lib.cli.common import CliExit, add_path, load_or_exit, plural, refuse_folder


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "notice",
        help="draft a privacy notice (Art 13/14) from a register, listing its gaps",
        description="Draft a markdown privacy notice structured as Art 13 (controller, DPO, "
        "representative, purposes and legal bases, legitimate interests, recipients, transfers, "
        "retention, rights, complaint, whether data is required, automated decisions, source of "
        "the data) from the register in PATH alone. The notice is the text a data subject reads: it "
        "states only what the register records as fact, nothing it marks as an assumption to confirm "
        "and none of the register keeper's remarks. The DPO's list (gaps to close before publishing, "
        "what was left out and why) is headed 'For the DPO - not part of the notice' and goes to "
        "--gaps FILE, or to standard error. Exit codes: 0 written (gaps or not), 1 invalid register "
        "or file not writable, 2 usage error or unknown language.",
    )
    add_path(p)
    p.add_argument("-o", "--output", metavar="FILE",
                   help="markdown file to write (written atomically); default: standard output")
    p.add_argument("--gaps", metavar="FILE",
                   help="markdown file for the DPO's list (gaps, assumptions withheld, remarks left out), "
                        "written atomically; default: standard error")
    p.add_argument("--lang", default="en", metavar="LANG",
                   help="language of the notice (default en; an unknown one is refused, naming those "
                        "available)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from audit_lib.io.atomic import atomic_write_text
    from audit_lib.notice import LANGUAGES, draft_notice, write_notice

    if args.lang not in LANGUAGES:
        raise CliExit(2, f"ropa notice: no notice wording for language '{args.lang}' yet "
                         f"(available: {', '.join(sorted(LANGUAGES))})")
    out = Path(args.output) if args.output else None
    gaps = Path(args.gaps) if args.gaps else None
    for target in (t for t in (out, gaps) if t is not None):
        if not target.parent.is_dir():
            raise CliExit(1, f"ropa notice: cannot write {target}: folder {target.parent} does not exist")
        refuse_folder(target, "notice")
    if out is not None and gaps is not None and out.resolve() == gaps.resolve():
        raise CliExit(2, "ropa notice: --gaps must name another file than -o: the DPO's list is not part "
                         "of the notice")
    from audit_lib.review import Review

    register = load_or_exit(args.path)
    notice = draft_notice(register, lang=args.lang, review=Review(register))  # one graph, one classification
    try:
        if gaps is not None:
            atomic_write_text(gaps, notice.dpo_text)
        if out is None:
            sys.stdout.write(notice.text)
        else:
            write_notice(notice, out)
    except OSError as exc:
        raise CliExit(1, f"ropa notice: cannot write {exc.filename or out}: {exc.strerror or exc}") from None
    if gaps is None:
        sys.stderr.write(notice.dpo_text)
    where = f"wrote {out}" if out else "notice drafted"
    also = f" (DPO's list in {gaps})" if gaps else ""
    print(f"{where}: {plural(len(notice.gaps), 'gap')} to close before publishing{also}", file=sys.stderr)
    return 0
