"""The standard Article 30 workbook: sheets, Art 30 columns, formatting, visibility, CLI."""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from visibility import invisible_fields, workbook_text

from audit_lib.cli import main
from audit_lib.export import write_workbook
from audit_lib.export.workbook import CONTROLLER_COLUMNS
from audit_lib.export.xlsx import CONTINUED
from audit_lib.io.loader import load_register

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = ROOT / "tests" / "data" / "minimal"
SAMPLES = {"mobikin": ROOT / "ropa" / "mobikin", "dearmob": ROOT / "ropa" / "dearmob"}
GENERATED = dt.datetime(2026, 6, 2, 9, 30, tzinfo=dt.timezone.utc)

EXTRA_FILES = {
    "processor_activities.yaml": """
- id: payroll_service
  name: Payroll run for client firms
  controller: {name: Client GmbH, email: dpo@client.test, address: "Hauptstr. 2, Berlin", country: DE}
  controller_representative: {name: Rep Ltd, email: rep@rep.test}
  categories_of_processing: [payroll calculation, payslip delivery]
  data_categories: [user.name, user.financial.bank_account]
  sub_processors: [payments_cloud]
  transfer_countries: [US]
  transfer_mechanisms:
    - type: scc
      scc_module: 3
      reference: SCC-2023-9
  security_measures: [tls]
  evidence: We run payroll for other companies.
""",
    "commitments.yaml": """
rights:
  - right: access
    how: Email privacy@example.test
    response_time: one month
    evidence: You may ask for a copy of your data.
  - right: portability
    how: Download from the account page
  - right: withdraw_consent
    how: Unsubscribe link
    assumptions:
      - field: response_time
        statement: Not stated in the policy.
breach_procedure:
  decided_by: Data protection officer
  notify_authority_within_hours: 72
  data_subject_notification: By email when the risk is high
  evidence: We notify the authority within 72 hours.
children:
  minimum_age: 16
  directed_at_children: false
  on_discovery: Account deleted
cookies:
  - id: session
    name: shop_session
    purpose: Keep the basket
    type: strictly_necessary
    consent_required: false
    duration: session
  - id: ads
    name: ad_tracker
    provider: payments
    purpose: Measure campaigns
    type: marketing
    consent_required: true
    consent_mechanism: Cookie banner
other:
  - topic: sale of data
    statement: We never sell personal data.
""",
    "taxonomy.yaml": """
data_categories:
  - fides_key: user.contact.email.work
    name: Work email
    parent_key: user.contact.email
    description: Business address of a contact person
""",
}


def make_rich_register(tmp_path: Path) -> Path:
    """tests/data/minimal plus a processor record, commitments and a taxonomy extension."""
    folder = tmp_path / "rich"
    shutil.copytree(MINIMAL, folder)
    for name, text in EXTRA_FILES.items():
        (folder / name).write_text(text.lstrip(), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def rich(tmp_path_factory):
    folder = make_rich_register(tmp_path_factory.mktemp("reg"))
    register = load_register(folder)
    out = tmp_path_factory.mktemp("out") / "ropa.xlsx"
    report = write_workbook(register, out, as_of="2026-06-01", generated=GENERATED)
    return register, out, report


def _sheet_rows(path: Path, name: str) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = list(wb[name].iter_rows(values_only=True))
    finally:
        wb.close()
    width = max(len(r) for r in rows)
    return [tuple(r) + (None,) * (width - len(r)) for r in rows]


def test_sheets_in_order(rich):
    _, out, report = rich
    wb = openpyxl.load_workbook(out, read_only=True)
    names = wb.sheetnames
    wb.close()
    human = [n for n in names if not n.startswith("data.")]
    assert human == ["Cover", "Controller", "Record cards", "Controller record", "Processor record",
                     "Recipients", "Transfers", "Findings", "Commitments", "Security measures", "Systems",
                     "Assumptions to confirm", "Taxonomy", "Data flows", "Data-flow diagram", "Guide"]
    assert {"data.organisation", "data.activities", "data.rights"} <= set(names)
    assert report.sheets == names


def test_cover_names_controller_hash_and_time(rich):
    register, out, _ = rich
    cover = {row[0]: row[1] for row in _sheet_rows(out, "Cover") if row and row[0]}
    assert cover["Controller \u2014 Art 30(1)(a)"].startswith("Example Shop")
    assert cover["Source SHA-256"] == register.source_hash and len(register.source_hash) == 64
    assert cover["Generated"] == "2026-06-02 09:30:00 UTC"
    assert "version 1.0" in cover["Register"]
    assert cover["Activities"] == 2
    assert cover["Transfers and findings as of"] == "2026-06-01"
    controller = {row[0]: row[1] for row in _sheet_rows(out, "Controller") if row and row[0]}
    assert controller["Controller \u2014 Art 30(1)(a)"] == "Example Shop"
    assert "Jane Doe" in controller["Data protection officer \u2014 Art 37-39"]
    assert controller["Register version"] == "1.0"
    # the controller block is stated once: the Art 30(1)(a) column refers to it
    rows = _sheet_rows(out, "Controller record")
    a = list(rows[0]).index("(a) Controller \u2014 Art 30(1)(a)")
    assert all("sheet Controller" in r[a] and "Jane Doe" not in r[a] for r in rows[1:])


def test_controller_record_has_every_art30_item_never_blank(rich):
    register, out, _ = rich
    rows = _sheet_rows(out, "Controller record")
    headers = list(rows[0])
    points = [h for h in headers if h.startswith("(")]
    assert [p[:3] for p in points] == ["(a)", "(b)", "(c)", "(c)", "(d)", "(e)", "(f)", "(g)"]
    assert all("Art 30(1)(" in p for p in points)
    assert len(rows) - 1 == len(register.activities)
    for row in rows[1:]:
        for p in points:
            value = row[headers.index(p)]
            assert value not in (None, ""), f"{row[0]}: {p} is blank"


def test_missing_item_shows_not_recorded_and_is_a_finding(rich):
    _, out, _ = rich
    rows = _sheet_rows(out, "Controller record")
    headers = list(rows[0])
    newsletter = next(r for r in rows if r[0] == "newsletter")
    retention = newsletter[headers.index("(f) Erasure time limits \u2014 Art 30(1)(f)")]
    assert retention.startswith("period not stated")  # what the register holds, rendered
    assert "Assumption to confirm" in retention  # the register's own assumption is marked beside it
    findings = _sheet_rows(out, "Findings")
    fh = list(findings[0])
    codes = [r[fh.index("Code")] for r in findings[1:]
             if r[fh.index("Record")] == "newsletter"
             and str(r[fh.index("Field")]).split("[")[0] == "retention"]
    cards = [r[1] for r in _sheet_rows(out, "Record cards") if r[1]]
    start = cards.index("period not stated")  # the newsletter's erasure limits on its record card
    assert codes and all(any(code in line for line in cards[start:start + 4]) for code in codes)
    assert not any(str(r[fh.index("Code")]).startswith("ROPA-X") for r in findings[1:])


def test_recipients_transfers_commitments_security(rich):
    _, out, _ = rich
    rec = _sheet_rows(out, "Recipients")
    h = list(rec[0])
    cloud = next(r for r in rec if r[0] == "payments_cloud")
    assert "PayCo Ltd [payments]" in cloud[h.index("Sub-processor of")]
    assert "module 3" in cloud[h.index("Transfer mechanisms \u2014 Art 46, 49")]
    assert next(r for r in rec if r[0] == "payments")[h.index("DPA / contract \u2014 Art 28(3)")] \
        == "DPA-2024-01 of 2024-01-10"
    transfers = _sheet_rows(out, "Transfers")
    assert any("Mail Sender Inc." in (r[1] or "") and "US" in (r[3] or "") for r in transfers[1:])
    commitments = "\n".join(str(c) for r in _sheet_rows(out, "Commitments") for c in r if c)
    assert "72 hours" in commitments and "We never sell personal data." in commitments
    assert "shop_session" in commitments and "Cookie banner" in commitments
    sec = _sheet_rows(out, "Security measures")
    assert any(r[3] == "TLS 1.2+ on every connection carrying personal data" for r in sec[1:])


def test_processor_record_art30_2(rich):
    _, out, _ = rich
    rows = _sheet_rows(out, "Processor record")
    headers = list(rows[0])
    assert any(h.startswith("(a)") and "Art 30(2)(a)" in h for h in headers)
    row = rows[1]
    assert "Client GmbH" in row[headers.index("(a) Processor and controller \u2014 Art 30(2)(a)")]
    assert "SCC-2023-9" in row[headers.index("(c) Transfers \u2014 Art 30(2)(c)")]


def test_assumptions_marked_to_confirm(rich):
    register, out, _ = rich
    rows = _sheet_rows(out, "Assumptions to confirm")
    statements = {r[3]: r[0] for r in rows[1:]}
    assert statements["The policy states no period for the mailing list."] == "Assumption to confirm"
    assert statements["Not stated in the policy."] == "Assumption to confirm"


def test_formatting_frozen_filtered_printable(rich):
    _, out, _ = rich
    wb = openpyxl.load_workbook(out)
    for name in ("Controller record", "Recipients", "Findings", "Guide", "Cover"):
        ws = wb[name]
        tables = list(ws.tables.values())
        assert len(tables) == 1, name
        table = tables[0]
        header_row = int(table.ref.split(":")[0][1:])
        assert ws.freeze_panes.endswith(str(header_row + 1)), name
        assert ws.print_title_rows == f"${header_row}:${header_row}", name
        assert table.autoFilter is not None and table.autoFilter.ref == table.ref
        assert ws.auto_filter.ref is None, "sheet autofilter would conflict with the table's"
        portrait = name == "Cover"
        assert ws.page_setup.orientation == ("portrait" if portrait else "landscape"), name
        assert int(ws.page_setup.paperSize) == int(ws.PAPERSIZE_A4), name
        assert int(ws.page_setup.scale) >= 75, name  # 11 pt type prints at 8 pt or more
        wide = name == "Recipients"  # > one A4 page wide at 75 %: identifying columns repeat
        assert bool(ws.print_title_cols) == wide, name
        assert [c.name for c in table.tableColumns] == [c.value for c in ws[header_row]]
    ws = wb["Controller record"]
    assert ws["B2"].alignment.wrap_text  # body text wraps (the workbook's default style)
    assert ws.column_dimensions["F"].width >= 30
    assert ws["A1"].font.b
    assert wb["data.activities"].sheet_state == "hidden"
    diagram = wb["Data-flow diagram"]  # the picture prints on one page of its own
    assert diagram.page_setup.fitToHeight == 1 and diagram.page_setup.fitToWidth == 1
    assert not diagram.tables
    wb.close()


def test_diagram_is_an_image(rich):
    _, out, _ = rich
    with zipfile.ZipFile(out) as zf:
        media = [n for n in zf.namelist() if n.startswith("xl/media/")]
    assert len(media) == 1 and media[0].endswith(".png")


def test_pandas_and_openpyxl_read_it(rich):
    register, out, _ = rich
    frames = pd.read_excel(out, sheet_name=None, engine="openpyxl")
    ctrl = frames["Controller record"]
    assert list(ctrl["Activity id"]) == [a.id for a in register.activities]
    assert "(b) Purposes \u2014 Art 30(1)(b)" in ctrl.columns
    recipients = frames["Recipients"]
    assert sorted(recipients["Recipient id"]) == sorted(r.id for r in register.recipients)
    assert len(frames["data.activities"]) == len(register.activities)


def test_guide_explains_every_column(rich):
    _, out, _ = rich
    guide = _sheet_rows(out, "Guide")
    explained = {(r[0], r[1]) for r in guide[1:]}
    for col in CONTROLLER_COLUMNS:
        assert ("Controller record", col.header) in explained
    point_f = next(r for r in guide if r[1] == "(f) Erasure time limits \u2014 Art 30(1)(f)")
    assert point_f[2] == "Art 30(1)(f)" and point_f[3]


def test_every_field_visible_rich(rich):
    register, out, _ = rich
    assert invisible_fields(register, out) == []


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_every_field_visible_samples(name, tmp_path):
    register = load_register(SAMPLES[name])
    out = tmp_path / "ropa.xlsx"
    write_workbook(register, out, diagram=False)
    assert invisible_fields(register, out) == []
    text = workbook_text(out)
    # the sample's rights, breach and cookie commitments reach the Commitments sheet
    for right in register.commitments.rights:
        if right.how:
            assert " ".join(right.how.split()).casefold() in text


def test_visibility_check_fails_when_a_field_is_dropped(rich, monkeypatch, tmp_path):
    import audit_lib.export.workbook as wbmod

    register, _, _ = rich
    owner = [c.header for c in CONTROLLER_COLUMNS].index("Owner")
    dropped = dataclasses.replace(CONTROLLER_COLUMNS[owner], cell=lambda ctx, a: None, blank=None)
    columns = list(CONTROLLER_COLUMNS)
    columns[owner] = dropped
    monkeypatch.setattr(wbmod, "CONTROLLER_COLUMNS", columns)
    out = tmp_path / "dropped.xlsx"
    write_workbook(register, out, diagram=False)
    assert invisible_fields(register, out) == ["activities[orders].owner = 'Head of Sales'"]


def test_export_survives_failing_modules(rich, monkeypatch, tmp_path):
    import audit_lib.analysis.transfers
    import audit_lib.audit
    import audit_lib.plots

    def boom(*args, **kwargs):
        raise RuntimeError("module exploded")

    monkeypatch.setattr(audit_lib.analysis.transfers, "classify_transfers", boom)
    monkeypatch.setattr(audit_lib.audit, "audit", boom)
    monkeypatch.setattr(audit_lib.plots, "flow_diagram", boom)
    register, _, _ = rich
    out = tmp_path / "degraded.xlsx"
    write_workbook(register, out)
    transfers = _sheet_rows(out, "Transfers")
    assert "Transfers could not be classified (RuntimeError: module exploded)" in transfers[1][0]
    findings = _sheet_rows(out, "Findings")
    assert any("The audit could not run" in (r[0] or "") for r in findings[1:])
    diagram = _sheet_rows(out, "Data-flow diagram")
    assert "could not be drawn" in diagram[1][0]
    rows = _sheet_rows(out, "Controller record")
    e = list(rows[0]).index("(e) Transfers \u2014 Art 30(1)(e)")
    assert all("could not be classified" in r[e] for r in rows[1:])
    cover = "\n".join(str(r[1]) for r in _sheet_rows(out, "Cover") if r and r[0] == "Warning")
    assert "module exploded" in cover


# --------------------------------------------------------------------------
# CLI
# --------------------------------------------------------------------------


def test_cli_export_writes_workbook(minimal_path, tmp_path, capsys):
    out = tmp_path / "ropa.xlsx"
    assert main(["export", str(minimal_path), "-o", str(out), "--as-of", "2026-06-01", "--no-diagram"]) == 0
    assert "wrote" in capsys.readouterr().err
    assert "Controller record" in openpyxl.load_workbook(out, read_only=True).sheetnames


@pytest.mark.parametrize("layout, sheet", [("ico", "Controller"), ("cnil", "Fiches de registre")])
def test_cli_export_layouts(minimal_path, tmp_path, layout, sheet):
    out = tmp_path / f"{layout}.xlsx"
    assert main(["export", str(minimal_path), "-o", str(out), "--layout", layout]) == 0
    assert sheet in openpyxl.load_workbook(out, read_only=True).sheetnames


def test_cli_export_bad_date_is_usage_error(minimal_path, tmp_path, capsys):
    out = tmp_path / "x.xlsx"
    assert main(["export", str(minimal_path), "-o", str(out), "--as-of", "June"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert not out.exists()


def test_cli_export_invalid_register_writes_nothing(register_copy, tmp_path, capsys):
    folder = register_copy()
    (folder / "activities.yaml").write_text("- id: x\n  name: X\n  recipients: [nobody]\n")
    out = tmp_path / "x.xlsx"
    assert main(["export", str(folder), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "unknown recipient id 'nobody'" in err and "nothing was written" in err
    assert not out.exists()


def test_cli_export_creates_output_folder(minimal_path, tmp_path):
    out = tmp_path / "build" / "sub" / "x.xlsx"  # the README's main job writes into build/
    assert main(["export", str(minimal_path), "-o", str(out), "--no-diagram"]) == 0
    assert out.is_file()


def test_cli_export_failure_leaves_no_folder(minimal_path, tmp_path, monkeypatch, capsys):
    import audit_lib.export.xlsx as xlsx

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(xlsx._Writer, "_add_table", fail)
    assert main(["export", str(minimal_path), "-o", str(tmp_path / "build" / "x.xlsx")]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------
# The export renders one review: it judges nothing itself
# --------------------------------------------------------------------------


def test_one_graph_and_one_classification_per_export(monkeypatch, tmp_path):
    """`ropa export` builds the data-flow graph once and classifies the transfers once, diagram included."""
    import audit_lib.analysis.graph as graph
    import audit_lib.analysis.transfers as transfers

    calls = {"graph": 0, "classify": 0}
    real_graph, real_classify = graph.build_graph, transfers.classify_transfers

    def counted_graph(*args, **kwargs):
        calls["graph"] += 1
        return real_graph(*args, **kwargs)

    def counted_classify(*args, **kwargs):
        calls["classify"] += 1
        return real_classify(*args, **kwargs)

    # count the builds wherever they happen: patch every module that holds the functions by name
    import audit_lib.cli  # noqa: F401  (the command's modules are imported before patching)
    import audit_lib.export  # noqa: F401
    import audit_lib.plots  # noqa: F401

    patched = 0
    for module in [m for n, m in sys.modules.items() if n.startswith("audit_lib") and m is not None]:
        if getattr(module, "build_graph", None) is real_graph:
            monkeypatch.setattr(module, "build_graph", counted_graph)
            patched += 1
        if getattr(module, "classify_transfers", None) is real_classify:
            monkeypatch.setattr(module, "classify_transfers", counted_classify)
            patched += 1
    assert graph.build_graph is counted_graph and transfers.classify_transfers is counted_classify
    assert patched >= 2
    out = tmp_path / "ropa.xlsx"
    assert main(["export", str(SAMPLES["dearmob"]), "-o", str(out), "--as-of", "2026-11-23"]) == 0
    with zipfile.ZipFile(out) as zf:
        assert any(n.startswith("xl/media/") for n in zf.namelist())  # the diagram was drawn
    assert calls == {"graph": 1, "classify": 1}


@pytest.mark.parametrize("name", ["mobikin", "dearmob"])
def test_findings_sheet_lists_exactly_what_ropa_audit_reports(name, tmp_path, capsys):
    import csv
    import io

    assert main(["audit", str(SAMPLES[name]), "--as-of", "2026-11-23", "--format", "csv"]) in (0, 1)
    audited = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    out = tmp_path / "ropa.xlsx"
    assert main(["export", str(SAMPLES[name]), "-o", str(out), "--as-of", "2026-11-23", "--no-diagram"]) == 0
    rows = _sheet_rows(out, "Findings")
    h = list(rows[0])
    shown = []
    columns = ("Code", "Record", "Field", "Finding")
    for r in rows[1:]:
        if str(r[0]).startswith("(continued)"):  # a long finding carried on below: join its text
            for i, k in enumerate(columns):
                v = r[h.index(k)] or ""
                if i in (1, 3) and not (k == "Record" and v == shown[-1][1]):
                    shown[-1][i] += v.removeprefix(CONTINUED).lstrip() if v.startswith(CONTINUED) else v
            continue
        shown.append([r[h.index(k)] or "" for k in columns])

    def key(code, record, field, message):
        return code, record, field, " ".join(message.split())

    assert audited, "the sample register has findings"
    assert sorted(key(*s) for s in shown) == sorted(
        key(f["code"], f["records"] or f["record"], f["field"], f["message"]) for f in audited)
    statuses = [r[h.index("Status")] for r in rows[1:] if not str(r[0]).startswith("(continued)")]
    assert sorted(str(s).split("\n")[0] for s in statuses) == sorted(f["status"] for f in audited)
    cover = {r[0]: r[1] for r in _sheet_rows(out, "Cover") if r and r[0]}
    for sev in ("high", "medium", "low", "info"):  # the Cover counts what the Findings sheet shows
        assert cover[f"Findings: {sev}"] == sum(f["severity"] == sev for f in audited)


def test_retired_activity_gets_no_finding_the_audit_does_not_make(rich, tmp_path):
    from audit_lib.review import Review

    register, _, _ = rich
    data = register.model_dump()
    data["activities"][0].update(status="retired", retention=[], security_measures=[])
    retired = type(register).model_validate(data)
    review = Review(retired, "2026-06-01")
    out = tmp_path / "retired.xlsx"
    write_workbook(retired, out, diagram=False, review=review)
    rows = _sheet_rows(out, "Findings")
    h = list(rows[0])
    shown = {(r[h.index("Code")], r[h.index("Record")], r[h.index("Field")]) for r in rows[1:]
             if not str(r[0]).startswith("(continued)") and r[h.index("Code")]}
    assert shown == {(f.code, f.record, f.field) for f in review.findings}


def _formatted_cells(path: Path) -> dict[str, tuple]:
    """Every sheet's cells (value, type, text kept as text, bold, italic, colours, wrap), row heights,
    column widths, print setup and images, as a reader of the workbook sees them."""
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        cells = [(c.coordinate, c.value, c.data_type, c.quotePrefix, c.font.b, c.font.i, c.font.sz,
                  c.font.color.rgb if c.font.color else None,
                  c.fill.fgColor.rgb if c.fill.fill_type else None,
                  c.alignment.wrap_text, c.alignment.vertical)
                 for row in ws.iter_rows() for c in row if c.value is not None]
        heights = {r: d.height for r, d in ws.row_dimensions.items() if d.height}
        widths = {k: d.width for k, d in ws.column_dimensions.items()}
        setup = (ws.page_setup.paperSize, ws.page_setup.orientation, ws.page_setup.scale, ws.print_title_rows,
                 ws.print_title_cols, ws.freeze_panes, ws.sheet_state, ws.oddHeader.left.text,
                 [b.id for b in ws.row_breaks.brk], {n: ws.tables[n].ref for n in ws.tables}, len(ws._images))
        out[ws.title] = (cells, heights, widths, setup)
    wb.close()
    return out


def test_documented_openpyxl_writer_gives_the_same_workbook(monkeypatch, tmp_path):
    """Where the raw row writer is not supported (et_xmlfile 1.x, lxml, another openpyxl), openpyxl's
    documented write-only API writes the same workbook: every value, format, height and print setting."""
    from audit_lib.export import stream

    register = load_register(SAMPLES["mobikin"])
    write_workbook(register, tmp_path / "raw.xlsx", as_of="2026-06-01", generated=GENERATED)
    monkeypatch.setattr(stream, "raw_supported", lambda ws: False)
    write_workbook(register, tmp_path / "documented.xlsx", as_of="2026-06-01", generated=GENERATED)
    raw, documented = _formatted_cells(tmp_path / "raw.xlsx"), _formatted_cells(tmp_path / "documented.xlsx")
    assert list(documented) == list(raw)
    for name in raw:
        assert documented[name] == raw[name], name
    cards = raw["Record cards"][0]
    # a missing item is marked: bold on a red fill
    assert any(c[1] == "Not recorded" and c[4] and c[8] == "00FFC7CE" for c in cards)
