"""``ropa crosscheck PATH --policy POLICY.md``: does the published policy say what the register says?"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from audit_lib.cli.common import CliExit, add_path, load_or_exit, print_json


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crosscheck",
        help="compare a published privacy policy with the register (parties, data, purposes)",
        description="Compare the privacy policy text in POLICY (markdown or plain text) with the "
        "register in PATH: parties, data categories and purposes named in one and missing from "
        "the other, each with the policy line it comes from, so policy and register cannot "
        "drift apart. The matching rules are documented in audit_lib/crosscheck.py. Exit "
        "codes: 0 nothing missing, 1 something missing on either side, 2 invalid input "
        "(invalid register, unreadable policy).",
    )
    add_path(p)
    p.add_argument("--policy", required=True, metavar="POLICY", help="privacy policy file (UTF-8 text)")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text (default) or json (ok, missing_in_register, missing_in_policy, matched)")
    p.set_defaults(func=run)


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise CliExit(2, f"ropa crosscheck: policy file {path} not found") from None
    except IsADirectoryError:
        raise CliExit(2, f"ropa crosscheck: {path} is a folder, not a policy file") from None
    except UnicodeDecodeError:
        raise CliExit(2, f"ropa crosscheck: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise CliExit(2, f"ropa crosscheck: cannot read {path}: {exc.strerror or exc}") from None


def run(args: argparse.Namespace) -> int:
    from audit_lib.analysis.crosscheck import crosscheck, report

    policy = Path(args.policy)
    text = _read(policy)
    register = load_or_exit(args.path, code=2)
    result = crosscheck(register, text)
    if args.format == "json":
        print_json(result.as_dict())
    else:
        sys.stdout.write(report(result, policy.name, f"register {args.path}"))
    return 0 if result.ok else 1
