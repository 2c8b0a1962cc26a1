"""``ropa graph PATH -o FILE``: draw the data-flow diagram, or export the graph for other tools."""

from __future__ import annotations

import argparse
import io
import os
from pathlib import Path

from audit_lib.cli.common import CliExit, add_as_of, add_path, load_or_exit

IMAGE_SUFFIXES = {".png", ".svg", ".pdf"}
DATA_SUFFIXES = {".graphml": "graphml", ".json": "json"}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "graph",
        help="draw the data-flow diagram (png/svg/pdf) or export the graph (GraphML, JSON)",
        description="Write the layered data-flow diagram of the register (data subjects, activities, "
        "systems and recipients, sub-processors; parties and flows coloured by the status of the "
        "transfers `ropa transfers` lists, else inside the EEA / the controller's own / country not "
        "recorded) to "
        "FILE (.png, .svg or .pdf), or with --format (or a .graphml / .json name) the graph itself "
        "as GraphML or node-link JSON.",
    )
    add_path(p)
    p.add_argument("-o", "--output", required=True, metavar="FILE",
                   help="where to write: flows.png, flows.svg, flows.pdf, flows.graphml or flows.json")
    p.add_argument("--format", choices=["graphml", "json"], default=None,
                   help="write graph data in this format instead of a diagram")
    p.add_argument("--pages", action="store_true",
                   help="with a .pdf: one page per group of activities, each printing on A3 landscape at "
                        "full size (the whole diagram of a large register would print below 8 pt)")
    add_as_of(p, "classify transfers by the law in force on this date (default: today)")
    p.set_defaults(func=run)


def _target(output: str, fmt: str | None) -> tuple[Path, str]:
    target = Path(output)
    suffix = target.suffix.lower()
    if fmt is None:
        if suffix in IMAGE_SUFFIXES:
            fmt = suffix[1:]
        elif suffix in DATA_SUFFIXES:
            fmt = DATA_SUFFIXES[suffix]
        else:
            raise CliExit(2, f"ropa graph: cannot tell the format of '{output}': name it .png, .svg, "
                             ".pdf, .graphml or .json, or give --format")
    if target.is_dir():
        raise CliExit(2, f"ropa graph: '{output}' is a folder: give a file name such as {output}/flows.png")
    parent = target.parent
    if not parent.is_dir():
        raise CliExit(2, f"ropa graph: folder '{parent}' does not exist; nothing was written")
    if not os.access(parent, os.W_OK):
        raise CliExit(2, f"ropa graph: cannot write in folder '{parent}'; nothing was written")
    return target, fmt


def run(args: argparse.Namespace) -> int:
    target, fmt = _target(args.output, args.format)
    if args.pages and fmt != "pdf":
        raise CliExit(2, "ropa graph: --pages writes a multi-page PDF: name the output .pdf, "
                         f"not '{args.output}'")
    register = load_or_exit(args.path)
    try:
        from audit_lib.review import Review

        review = Review(register, args.as_of)
        if fmt in {"graphml", "json"}:
            from audit_lib.analysis.graph import export_graph

            export_graph(review.graph, target, fmt)  # atomic itself
        else:
            from audit_lib.io.atomic import atomic_write
            from audit_lib.plots import flow_diagram

            if args.pages:
                from matplotlib.backends.backend_pdf import PdfPages

                from audit_lib.plots import flow_diagram_pages

                figures = flow_diagram_pages(register, args.as_of, review=review)

                def write(tmp):
                    # the PDF in memory, then one plain write: a full disk fails that write, not
                    # PdfPages' close with a zlib "inconsistent stream state"
                    data = io.BytesIO()
                    with PdfPages(data) as pdf:
                        for figure in figures:
                            pdf.savefig(figure)
                    tmp.write_bytes(data.getbuffer())

                atomic_write(target, write)
            else:
                fig = flow_diagram(register, args.as_of, review=review)
                atomic_write(target, lambda tmp: fig.savefig(tmp, format=fmt, dpi=110))
    except OSError as exc:
        raise CliExit(2, f"ropa graph: cannot write '{target}': {exc.strerror or exc}; nothing was written") \
            from None
    print(f"wrote {target}")
    return 0
