"""``--format csv|json``: the same sheets as the workbook, for other tools.

* csv: one UTF-8 file per sheet (human sheets and the ``data.*`` record sheets), in a
  folder or a .zip, written by the one CSV writer :mod:`audit_lib.io.csv_out`: text quoted,
  numbers bare, and text a spreadsheet could evaluate given a leading apostrophe (OWASP).
  A sheet's preamble (e.g. the ICO contact block) is its own ``..._preamble.csv``.
* json: one document with the sheets as lists of row objects, the transfers, the
  findings and the full register (values unchanged: the lossless form).

Both are written atomically, like the workbook.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from audit_lib.audit.core import finding_row
from audit_lib.export.context import ExportContext, build_context
from audit_lib.export.sheet import Sheet, plain
from audit_lib.export.workbook import LAYOUTS, layout_sheets
from audit_lib.io.atomic import atomic_folder, atomic_write
from audit_lib.io.csv_out import csv_text
from audit_lib.model import Register
from audit_lib.review import Review

FORMAT_VERSION = 1
_CSV_NAME = re.compile(r"^[0-9]{2}_[a-z0-9_]+\.csv$")


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "sheet"


def _csv_bytes(rows: Iterable[list[Any]]) -> bytes:
    return csv_text(rows).encode("utf-8-sig")


def csv_files(sheets: Iterable[Sheet]) -> Iterable[tuple[str, bytes]]:
    """(file name, content) of each csv file, numbered in sheet order."""
    for i, sheet in enumerate((s for s in sheets if not s.print_only), 1):
        stem = f"{i:02d}_{_slug(sheet.name)}"
        if sheet.preamble:
            yield f"{stem}_preamble.csv", _csv_bytes(sheet.preamble)
        yield f"{stem}.csv", _csv_bytes([sheet.headers, *sheet.rows])


def _flat_context(register: Register, layout: str, as_of: dt.date | str | None,
                  generated: dt.datetime | None, review: Review | None) -> ExportContext:
    """The context of a csv or json export: no diagram, rows as records (no print continuation)."""
    if layout not in LAYOUTS:
        raise ValueError(f"unknown layout {layout!r}: choose one of {', '.join(LAYOUTS)}")
    return build_context(register, as_of, diagram=False, generated=generated, review=review, printed=False)


def write_csv(register: Register, path: str | Path, layout: str = "standard",
              as_of: dt.date | str | None = None, *, generated: dt.datetime | None = None,
              review: Review | None = None) -> Path:
    """Write one csv per sheet into folder ``path`` (or a zip when ``path`` ends in .zip)."""
    sheets = layout_sheets(_flat_context(register, layout, as_of, generated, review), layout)
    target = Path(path)
    if target.suffix.lower() == ".zip":
        def _zip(tmp: Path) -> None:
            with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
                for name, data in csv_files(sheets):
                    zf.writestr(name, data)
        return atomic_write(target, _zip)

    if target.is_dir():
        foreign = [p.name for p in target.iterdir() if not _CSV_NAME.match(p.name)]
        if foreign:
            raise FileExistsError(f"{target} holds files that are not from a csv export "
                                  f"({', '.join(sorted(foreign)[:3])}); refusing to replace it")

    def _folder(tmp: Path) -> None:
        for name, data in csv_files(sheets):
            (tmp / name).write_bytes(data)
    return atomic_folder(target, _folder)


def _json_value(value: Any) -> Any:
    value = plain(value)
    return value.isoformat() if isinstance(value, dt.date) else value


def json_document(ctx: ExportContext, layout: str = "standard") -> dict[str, Any]:
    """The export as one JSON-ready dict."""
    reg = ctx.register
    sheets = []
    for sheet in layout_sheets(ctx, layout):
        if sheet.kind != "human" or sheet.print_only:
            continue
        headers = sheet.headers
        sheets.append({
            "name": sheet.name,
            "description": sheet.description,
            "preamble": [[_json_value(v) for v in row] for row in sheet.preamble],
            "columns": headers,
            "rows": [dict(zip(headers, (_json_value(v) for v in row), strict=True)) for row in sheet.rows],
        })
    return {
        "format": "ropa-export",
        "format_version": FORMAT_VERSION,
        "layout": layout,
        "generated": ctx.generated.isoformat(),
        "as_of": ctx.as_of.isoformat() if ctx.as_of else None,
        "source_path": reg.source_path,
        "source_hash": reg.source_hash,
        "warnings": [w for w in (ctx.transfers_error, ctx.findings_error) if w],
        "sheets": sheets,
        "transfers": None if ctx.transfers is None else [_as_dict(t) for t in ctx.transfers],
        "findings": [finding_row(f) for f in ctx.findings],
        "register": reg.model_dump(mode="json", exclude={"source_path", "source_hash"}),
    }


def _as_dict(obj: Any) -> dict[str, Any]:
    if hasattr(obj, "as_dict"):
        return obj.as_dict()
    return dict(vars(obj))


def write_json(register: Register, path: str | Path, layout: str = "standard",
               as_of: dt.date | str | None = None, *, generated: dt.datetime | None = None,
               review: Review | None = None) -> Path:
    """Write the export as one JSON document to ``path``."""
    doc = json_document(_flat_context(register, layout, as_of, generated, review), layout)

    def _write(tmp: Path) -> None:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, ensure_ascii=False, indent=1, default=str)
            fh.write("\n")
    return atomic_write(path, _write)
