"""Hostile text in every text field, every output format, read by what a user reads it with.

The minimal register gets a hostile value (a formula, a DDE command, ``a;=1+1``, a tab- or
CR-started formula, ``<script>``, ``]]>``, control characters and bidi overrides where the
loader accepts them, ``$\\undefined$``) in each of its text fields. Then every command that
writes runs on it, and each output goes through the reader a user would use: LibreOffice
headless for the workbook and every csv (read with ``,`` and with ``;`` as separator, as a
spreadsheet in most EU locales does), an XML parser for GraphML and SVG, json.loads, a
markdown renderer for the notice. No cell may hold a formula after LibreOffice read it;
every text must arrive as the neutralised text that was written.
(Before: the export's csv read with ``;`` evaluated 100 cells; ``transfers --format csv``
let 19 of 20 formulas through.)
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import openpyxl
import pytest
from ruamel.yaml import YAML
from test_libreoffice import _soffice, convert

from audit_lib.cli import main
from audit_lib.io.csv_out import guarded
from audit_lib.io.loader import RegisterError, load_register

MINIMAL = Path(__file__).parent / "data" / "minimal"
FORMULAS = ['=WEBSERVICE("http://x")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "a;=1+1", "a,=1+1",
            "\t=1+1", "\r=1+1", "b\n=1+1"]
MARKUP = ["<script>alert(1)</script>", "x ]]> </y>", r"$\undefined$", "costs $5 or $10",
          "[x](javascript:alert(1))"]
CONTROLS = ["bell\x07", "esc\x1b[2K", "\u202eevil\u202c", "\u2066iso\u2069"]
TEXT_KEYS = {"name", "description", "label", "purpose", "evidence", "category", "address", "trigger",
             "owner", "department", "statement", "notes", "legal_entity", "lead_supervisory_authority",
             "legitimate_interest", "consent_withdrawal", "how", "limitations", "title", "register_owner",
             "screening_notes", "provision_requirement", "automated_decision_making", "role"}
RAW_CONTROLS = [chr(c) for c in (*range(0x00, 0x0A), *range(0x0B, 0x20), *range(0x7F, 0xA0))] + [
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
_YAML = YAML()  # round trip: YAML 1.2 (NO stays the country), styles kept
_ROLES = {"processor", "sub_processor", "independent_controller", "joint_controller", "controller"}


def _text_slots(node, path=""):
    """(container, key, field path) of every free-text string in a YAML document."""
    if isinstance(node, dict):
        for key, value in node.items():
            where = f"{path}.{key}" if path else key
            if key in TEXT_KEYS and isinstance(value, str) and value not in _ROLES:
                yield node, key, where
            elif isinstance(value, (dict, list)):
                yield from _text_slots(value, where)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _text_slots(value, f"{path}[{i}]")


def _write_hostile(folder: Path, payloads: list[str], refused: set[tuple[str, str]]) -> list[str]:
    """Fill every text field of the copy in ``folder`` with the payloads in turn; return those used."""
    cycle, safe = itertools.cycle(payloads), itertools.cycle(FORMULAS + MARKUP)
    used = []
    for path in sorted(MINIMAL.glob("*.yaml")):
        data = _YAML.load(path.read_text(encoding="utf-8"))
        for container, key, where in _text_slots(data):
            field = where.split(".", 1)[-1] if isinstance(data, list) else where
            value = next(safe) if (path.name, field) in refused else next(cycle)
            container[key] = f"{value} {len(used)}"  # the number keeps names unique
            used.append(container[key])
        with open(folder / path.name, "w", encoding="utf-8") as fh:
            _YAML.dump(data, fh)
    return used


def hostile_register(folder: Path) -> list[str]:
    """The minimal register in ``folder`` with hostile text everywhere the loader accepts it."""
    folder.mkdir(parents=True, exist_ok=True)
    refused: set[tuple[str, str]] = set()
    for _ in range(4):
        used = _write_hostile(folder, FORMULAS + MARKUP + CONTROLS, refused)
        try:
            load_register(folder)
            return used
        except RegisterError as exc:  # e.g. a loader refusing control characters in that field
            refused |= {(Path(i.file).name, i.field) for i in exc.issues}
    pytest.fail(f"the loader refuses hostile text in more fields than control characters explain: {refused}")


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """Every output of every writing command on the hostile register, by name."""
    base = tmp_path_factory.mktemp("injection")
    group = base / "group"
    reg = group / "hostile"
    used = hostile_register(reg)
    shutil.copytree(MINIMAL, group / "plain")  # shares parties with the hostile one (ropa group)
    out = base / "out"
    out.mkdir()
    csvs = out / "csv"
    csvs.mkdir()
    printed: dict[str, str] = {}
    std = {"audit": ["audit", str(reg), "--format", "csv"],
           "assumptions": ["audit", str(reg), "--assumptions", "--format", "csv"],
           "transfers": ["transfers", str(reg), "--format", "csv"],
           "law_changes": ["transfers", str(reg), "--compare-as-of", "2020-01-01", "--format", "csv"],
           "group": ["group", str(group), "--all", "--format", "csv"],
           "many": ["audit", str(group), "--format", "csv"]}
    for name, args in std.items():
        code, text, err = _run(*args)
        assert code in (0, 1), err
        (csvs / f"{name}.csv").write_text(text, encoding="utf-8", newline="")
        printed[name] = err
    for name, args in {"xlsx": ["export", str(reg), "-o", str(out / "ropa.xlsx")],
                       "export_csv": ["export", str(reg), "--format", "csv", "-o", str(out / "sheets")],
                       "json": ["export", str(reg), "-o", str(out / "ropa.json")],
                       "graphml": ["graph", str(reg), "-o", str(out / "flows.graphml")],
                       "graph_json": ["graph", str(reg), "-o", str(out / "graph.json")],
                       "svg": ["graph", str(reg), "-o", str(out / "flows.svg")],
                       "png": ["graph", str(reg), "-o", str(out / "flows.png")],
                       "notice": ["notice", str(reg), "-o", str(out / "notice.md"), "--gaps",
                                  str(out / "gaps.md")],
                       "table": ["audit", str(reg)], "validate": ["validate", str(reg)]}.items():
        code, text, err = _run(*args)
        assert code in (0, 1), err
        printed[name] = text + err
    for sheet in sorted((out / "sheets").glob("*.csv")):
        shutil.copy(sheet, csvs / f"export_{sheet.name}")
    return {"used": used, "out": out, "csvs": sorted(csvs.glob("*.csv")), "printed": printed}


def _formula_cells(path: Path) -> list[str]:
    wb = openpyxl.load_workbook(path)  # formulas kept as formulas
    return [f"{path.name}!{ws.title}!{c.coordinate}: {c.value!r}" for ws in wb.worksheets
            for row in ws.iter_rows() for c in row if c.data_type == "f"]


def _opened_by_libreoffice(files: list[Path], separator: int, outdir: Path) -> list[Path]:
    """The csv files as LibreOffice Calc reads them (``separator`` a character code), saved as xlsx."""
    done = outdir / f"lo{separator}"
    profile = outdir / "profile"
    cmd = [_soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
           f"--infilter=CSV:{separator},34,76", "--convert-to", "xlsx", "--outdir", str(done),
           *map(str, files)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr
    return sorted(done.glob("*.xlsx"))


def _texts(path: Path) -> list[list]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.reader(fh))


def test_no_cell_of_any_csv_is_a_formula_in_libreoffice(outputs, tmp_path):
    """Read with `,` and with `;` (the list separator of most EU locales) and tab."""
    through = []
    for separator in (44, 59, 9):
        opened = _opened_by_libreoffice(outputs["csvs"], separator, tmp_path)
        assert len(opened) == len(outputs["csvs"])
        for xlsx in opened:
            through += _formula_cells(xlsx)
    print(f"\ninjections through LibreOffice (csv, , ; tab): {len(through)}")
    assert through == [], f"{len(through)} cells evaluated as formulas:\n" + "\n".join(through[:20])


def test_libreoffice_shows_every_csv_cell_as_the_neutralised_text(outputs, tmp_path):
    opened = {p.stem: p for p in _opened_by_libreoffice(outputs["csvs"], 44, tmp_path)}
    for path in outputs["csvs"]:
        written = _texts(path)
        ws = openpyxl.load_workbook(opened[path.stem]).active
        for r, row in enumerate(written, 1):
            for c, text in enumerate(row, 1):
                assert guarded(text) == text, f"{path.name} row {r}: {text!r} is not neutralised"
                shown = ws.cell(r, c).value
                if isinstance(shown, str):  # (xlsx stores a control character as _x0007_)
                    shown = re.sub(r"_x([0-9A-Fa-f]{4})_", lambda m: chr(int(m.group(1), 16)), shown)
                    assert shown == text.replace("\r\n", "\n").replace("\r", "\n"), (path.name, r, c)


def test_the_workbook_holds_no_formula_before_or_after_libreoffice(outputs, tmp_path):
    xlsx = outputs["out"] / "ropa.xlsx"
    assert _formula_cells(xlsx) == []
    resaved = convert(xlsx, "xlsx", tmp_path / "resaved") / "ropa.xlsx"
    booleans = ("'=TRUE()'", "'=FALSE()'")  # how LibreOffice itself saves a boolean cell
    assert [c for c in _formula_cells(resaved) if not c.endswith(booleans)] == []
    values = {c.value for ws in openpyxl.load_workbook(xlsx).worksheets for row in ws.iter_rows()
              for c in row if isinstance(c.value, str)}
    reg = load_register(outputs["out"].parent / "group" / "hostile")
    for name in [a.name for a in reg.activities] + [r.name for r in reg.recipients]:
        if name.split(" ")[0] in FORMULAS[:4]:  # nothing dropped: a formula-like name is a cell of its own
            assert name in values


def test_json_keeps_every_value_exactly(outputs):
    doc = json.loads((outputs["out"] / "ropa.json").read_text(encoding="utf-8"))
    reg = load_register(outputs["out"].parent / "group" / "hostile")
    assert doc["register"] == reg.model_dump(mode="json", exclude={"source_path", "source_hash"})
    assert json.loads((outputs["out"] / "graph.json").read_text(encoding="utf-8"))["nodes"]


@pytest.mark.parametrize("name", ["flows.graphml", "flows.svg"])
def test_graph_files_parse_as_xml(outputs, name):
    root = ET.parse(outputs["out"] / name).getroot()
    assert "".join(root.itertext()) is not None
    text = (outputs["out"] / name).read_text(encoding="utf-8")
    assert "<script>" not in text


def test_the_diagram_renders_hostile_names(outputs):
    assert (outputs["out"] / "flows.png").stat().st_size > 10_000


def test_the_notice_renders_without_markup_from_the_register(outputs):
    import mistune

    for name in ("notice.md", "gaps.md"):
        html = mistune.html((outputs["out"] / name).read_text(encoding="utf-8"))
        assert "<script" not in html and "javascript:" not in html.replace("(javascript:", "")
        assert "href=" not in html


def test_nothing_printed_holds_a_raw_control_character(outputs):
    for name, text in outputs["printed"].items():
        raw = [hex(ord(c)) for c in RAW_CONTROLS if c in text]
        assert raw == [], f"{name}: {raw}"
