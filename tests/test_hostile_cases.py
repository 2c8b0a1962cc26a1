"""Every reproduced hostile case of issue 18, end to end: the real ``ropa`` command in a
subprocess on a copy of ropa/dearmob altered the way an attacker, a careless pull request
or a full disk would alter it.

Each test asserts only what a user sees: the exit code, the file (record, field) named on
stderr, no traceback, no "internal error", no raw control character, no partial output,
the user's files unchanged, no hang. Any clear message, any refusal passes.
"""

from __future__ import annotations

import csv
import fcntl
import io
import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pytest
from hostile import (
    DEARMOB,
    ENOSPC_BOOTSTRAP,
    ROOT,
    assert_clean,
    assert_refused,
    copy_register,
    memory_limit,
    replace,
    ropa,
    ropa_env,
    snapshot,
    unprivileged,
)

pytestmark = pytest.mark.timeout(300)

ANALYTICS_NAME = "  name: Website analytics and general statistics (Google Analytics)\n"
TWOCHECKOUT_NAME = "  name: 2Checkout (now Verifone)\n"


# --------------------------------------------------------------------------
# 1. A register file that is a symlink leaving the register
# --------------------------------------------------------------------------


def test_symlink_to_a_secret_outside_the_register_is_refused_and_never_echoed(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("root:MARKER-7f3a-SHADOW:19000:0:99999:7:::\n", encoding="utf-8")
    reg = copy_register(tmp_path)
    (reg / "organisation.yaml").unlink()
    (reg / "organisation.yaml").symlink_to(secret)
    for run in (ropa("validate", reg), ropa("export", reg, "--no-diagram", "-o", tmp_path / "out.json")):
        assert "MARKER-7f3a-SHADOW" not in run.out + run.err, run
        assert_refused(run, "organisation.yaml")
    assert not (tmp_path / "out.json").exists()


def test_symlink_to_a_valid_file_outside_the_register_is_refused(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    shutil.copy(DEARMOB / "organisation.yaml", outside / "organisation.yaml")
    reg = copy_register(tmp_path)
    (reg / "organisation.yaml").unlink()
    (reg / "organisation.yaml").symlink_to(outside / "organisation.yaml")
    assert_refused(ropa("validate", reg), "organisation.yaml")


# --------------------------------------------------------------------------
# 2. Terminal escapes in echoed values
# --------------------------------------------------------------------------


def test_escape_sequence_in_an_invalid_taxonomy_key_reaches_no_terminal(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "activities.yaml", "key: analytics.reporting.content_performance",
            r'key: "\e[2K\e[1A ok"')
    run = ropa("validate", reg)
    assert "\x1b" not in run.out + run.err, run
    assert_refused(run, "activities.yaml", "website_analytics", "purposes")


def test_escape_sequence_in_an_unknown_key_reaches_no_terminal(tmp_path):
    reg = copy_register(tmp_path)
    with (reg / "organisation.yaml").open("a", encoding="utf-8") as fh:
        fh.write('"unknown\\e[2K\\e[1A ok": 1\n')
    run = ropa("validate", reg)
    assert "\x1b" not in run.out + run.err, run
    assert_refused(run, "organisation.yaml")


# --------------------------------------------------------------------------
# 3. Values and files the loader must refuse cleanly
# --------------------------------------------------------------------------


def _organisation_field(reg: Path, line: str) -> None:
    replace(reg / "organisation.yaml", "employees: null\n", line + "\n")


def test_impossible_date_is_a_load_error_naming_the_field(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "organisation.yaml", "last_reviewed: 2018-05-24", "last_reviewed: 2026-02-30")
    assert_refused(ropa("validate", reg), "organisation.yaml", "last_reviewed")


def test_integer_of_5000_digits_is_a_load_error_naming_the_field(tmp_path):
    reg = copy_register(tmp_path)
    _organisation_field(reg, "employees: " + "7" * 5000)
    run = ropa("validate", reg)
    assert_refused(run, "organisation.yaml", "employees")
    assert "7" * 200 not in run.err, "the 5,000 digits are echoed back"


def test_401_digit_employee_count_fails_validate_or_exports_cleanly(tmp_path):
    reg = copy_register(tmp_path)
    _organisation_field(reg, f"employees: {10**400}")
    check = ropa("validate", reg)
    assert_clean(check)
    out = tmp_path / "out.xlsx"
    run = ropa("export", reg, "--no-diagram", "-o", out)
    assert_clean(run)
    if check.code == 0:  # what validate accepts, export writes
        assert run.code == 0 and out.is_file(), run
    else:
        assert_refused(check, "organisation.yaml", "employees")
        assert_refused(run, "organisation.yaml", "employees")
        assert not out.exists()


def test_broken_symlink_is_named(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "systems.yaml").unlink()
    (reg / "systems.yaml").symlink_to(tmp_path / "no-such-file.yaml")
    assert_refused(ropa("validate", reg), "systems.yaml")


def test_symlink_loop_is_named(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "systems.yaml").unlink()
    (reg / "systems.yaml").symlink_to(reg / "systems.yaml")
    assert_refused(ropa("validate", reg), "systems.yaml")


def test_unreadable_file_is_named(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "systems.yaml").chmod(0)
    try:
        run = ropa("validate", reg, preexec_fn=unprivileged())
    finally:
        (reg / "systems.yaml").chmod(0o644)
    assert_refused(run, "systems.yaml")


def test_unreadable_activities_folder_is_refused_not_skipped(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "activities").mkdir()
    (reg / "activities.yaml").rename(reg / "activities" / "dearmob.yaml")
    readable = ropa("validate", reg)
    assert readable.code == 0 and "activities: 16" in readable.out, readable  # the layout is valid
    (reg / "activities").chmod(0)
    try:
        run = ropa("validate", reg, preexec_fn=unprivileged())
    finally:
        (reg / "activities").chmod(0o755)
    assert_refused(run, "activities")


# --------------------------------------------------------------------------
# 4. Files that are not files
# --------------------------------------------------------------------------


def test_fifo_named_activities_yaml_does_not_block(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "activities.yaml").unlink()
    os.mkfifo(reg / "activities.yaml")
    assert_refused(ropa("validate", reg), "activities.yaml")  # a hang past 60 s fails


def test_symlink_to_dev_zero_is_refused(tmp_path):
    reg = copy_register(tmp_path)
    (reg / "systems.yaml").unlink()
    (reg / "systems.yaml").symlink_to("/dev/zero")
    assert_refused(ropa("validate", reg, preexec_fn=memory_limit()), "systems.yaml")


# --------------------------------------------------------------------------
# 5. Dollar signs are text, not mathtext
# --------------------------------------------------------------------------


def _svg_texts(path: Path) -> list[str]:
    """The text of every <text> element of an SVG (drawn with svg.fonttype none), spaces normalised."""
    texts = []
    for element in ET.parse(path).iter("{http://www.w3.org/2000/svg}text"):
        texts.append(re.sub(r"\s+", " ", "".join(element.itertext()).replace("\xa0", " ")).strip())
    return texts


def test_dollar_signs_in_names_are_drawn_as_written(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "activities.yaml", ANALYTICS_NAME, '  name: "costs $5 or $10"\n')
    replace(reg / "recipients.yaml", TWOCHECKOUT_NAME, "  name: '$\\undefined$'\n")
    png = ropa("graph", reg, "-o", tmp_path / "x.png")
    assert_clean(png)
    assert png.code == 0 and (tmp_path / "x.png").stat().st_size > 0, png
    rc = tmp_path / "mplrc"
    rc.mkdir()
    (rc / "matplotlibrc").write_text("svg.fonttype: none\n", encoding="utf-8")  # text kept as <text>
    svg = ropa("graph", reg, "-o", tmp_path / "x.svg", env={"MATPLOTLIBRC": str(rc)})
    assert svg.code == 0, svg
    texts = _svg_texts(tmp_path / "x.svg")
    assert any("costs $5 or $10" in t for t in texts), [t for t in texts if "cost" in t or "5" in t]
    assert any("$\\undefined$" in t for t in texts)


# --------------------------------------------------------------------------
# 6. A control character in a name
# --------------------------------------------------------------------------


def test_control_character_in_a_name_is_refused_or_kept_out_of_the_xml(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "activities.yaml", ANALYTICS_NAME, '  name: "Web\\x01analytics\\x1b[31m"\n')
    check = ropa("validate", reg)
    assert_clean(check)
    for name in ("x.graphml", "x.svg"):
        run = ropa("graph", reg, "-o", tmp_path / name)
        assert_clean(run)
        if check.code != 0:
            assert_refused(check, "activities.yaml", "website_analytics", "name")
            assert_refused(run, "activities.yaml")
            assert not (tmp_path / name).exists()
        else:
            assert run.code == 0, run
            ET.parse(tmp_path / name)  # raises on XML no parser accepts


# --------------------------------------------------------------------------
# 7. Output into a pipe the reader closed
# --------------------------------------------------------------------------


def _into_closed_pipe(args: list[str], read_first_line: bool) -> tuple[int, str]:
    """Run ``ropa ARGS | head -1`` (or ``| true`` when not ``read_first_line``) deterministically:
    a one-page pipe, so the command is still writing when the reader goes away."""
    r, w = os.pipe()
    fcntl.fcntl(w, fcntl.F_SETPIPE_SZ, 4096)
    if not read_first_line:
        os.close(r)
    proc = subprocess.Popen([sys.executable, "-m", "audit_lib.cli", *args], stdout=w,
                            stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, env=ropa_env(), cwd=ROOT)
    os.close(w)
    if read_first_line:  # like head -1: read byte by byte up to the first newline, then leave
        while (byte := os.read(r, 1)) and byte != b"\n":
            pass
        os.close(r)
    try:
        _, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail(f"ropa {' '.join(args)} hung writing into a closed pipe")
    return proc.returncode, err.decode("utf-8", "replace")


@pytest.mark.parametrize("args, read_first_line", [
    (["transfers", "ropa/mobikin"], True),  # ropa transfers ... | head -1
    (["transfers", "ropa/mobikin"], False),  # ropa transfers ... | true
    (["audit", "ropa/dearmob"], False),
    (["audit", "ropa/mobikin", "--assumptions"], False),
], ids=["transfers-head-1", "transfers-true", "audit-true", "assumptions-true"])
def test_output_into_a_closed_pipe_ends_quietly(args, read_first_line):
    code, err = _into_closed_pipe(args, read_first_line)
    assert "BrokenPipeError" not in err and "internal error" not in err and "Traceback" not in err, err
    assert code != 3, err


# --------------------------------------------------------------------------
# 8. YAML 1.1 numbers in text fields
# --------------------------------------------------------------------------


def test_number_like_text_is_kept_as_written(tmp_path):
    reg = copy_register(tmp_path)
    org = reg / "organisation.yaml"
    contact = "  name: DearMob Customer Support\n"
    replace(org, contact, contact + "  phone: 0301234567\n")
    replace(org, 'register_version: "0.1"', "register_version: 1.10")
    replace(org, "legal_entity: null", "legal_entity: 1_000")
    replace(reg / "systems.yaml", "  name: DearMob customer databases\n", "  name: 1:20\n")
    out = tmp_path / "out.json"
    run = ropa("export", reg, "--no-diagram", "-o", out)
    assert_clean(run)
    if run.code != 0:  # refusing the ambiguous scalars clearly is fine
        assert_refused(run, "organisation.yaml")
        assert not out.exists()
        return
    register = json.loads(out.read_text(encoding="utf-8"))["register"]
    organisation = register["organisation"]
    assert organisation["contact"]["phone"] == "0301234567"
    assert organisation["register_version"] == "1.10"
    assert organisation["legal_entity"] == "1_000"
    assert next(s for s in register["systems"] if s["id"] == "dearmob_databases")["name"] == "1:20"


# --------------------------------------------------------------------------
# 9. A repeated key in a file with a merge key or an explicit tag
# --------------------------------------------------------------------------


def test_repeated_key_beside_a_merge_key_is_refused(tmp_path):
    reg = copy_register(tmp_path)
    with (reg / "organisation.yaml").open("a", encoding="utf-8") as fh:
        fh.write("policy_source:\n  <<: {title: merged}\n  title: Overridden\n")
    assert_refused(ropa("validate", reg), "organisation.yaml")


def test_repeated_key_beside_an_explicit_tag_is_refused(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "organisation.yaml", "employees: null\n", 'employees: !!int "12"\nname: Someone Else\n')
    run = ropa("validate", reg)
    assert "Someone Else: register is valid" not in run.out, run
    assert_refused(run, "organisation.yaml")


# --------------------------------------------------------------------------
# 10. Formulas in CSV
# --------------------------------------------------------------------------

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER_RE = re.compile(r"[-+]?\d+(\.\d+)?\Z")


def _live_formulas(text: str) -> list[tuple[str, str]]:
    """Cells that a spreadsheet would evaluate, reading ``text`` with ``,`` and with ``;``."""
    found = []
    for delimiter in ",;":
        for row in csv.reader(io.StringIO(text.lstrip("\ufeff"), newline=""), delimiter=delimiter):
            found += [(delimiter, c) for c in row if c.startswith(FORMULA_START) and not NUMBER_RE.match(c)]
    return found


def test_csv_outputs_neutralise_formulas(tmp_path):
    reg = copy_register(tmp_path)
    replace(reg / "recipients.yaml", TWOCHECKOUT_NAME, "  name: '=WEBSERVICE(\"http://x\")'\n")
    replace(reg / "activities.yaml", "      description: Measure advertisement 'click-through'\n",
            "      description: 'measure a;=1+1'\n")
    replace(reg / "activities.yaml", "      purpose: web analytics (processor)\n",
            "      purpose: 'web analytics a;=1+1'\n")
    transfers = ropa("transfers", reg, "--format", "csv")
    assert transfers.code == 0, transfers
    folder = tmp_path / "csv"
    export = ropa("export", reg, "--format", "csv", "-o", folder)
    assert export.code == 0, export
    outputs = {"transfers --format csv": transfers.out}
    outputs.update({p.name: p.read_text(encoding="utf-8-sig") for p in sorted(folder.glob("*.csv"))})
    assert 'WEBSERVICE(""http://x"")' in transfers.out  # the name is there, only neutralised
    live = {name: cells for name, text in outputs.items() if (cells := _live_formulas(text))}
    assert live == {}


# --------------------------------------------------------------------------
# 11. import-xlsx: never lose data, report every edit it cannot honour
# --------------------------------------------------------------------------


def _without_consent(tmp_path: Path) -> Path:
    """DearMob without its one consent block: today a fresh `ropa import-xlsx` process misreads
    that column (see the control test below), which would hide every other case behind it."""
    reg = copy_register(tmp_path, "noconsent")
    text = (reg / "activities.yaml").read_text(encoding="utf-8")
    start = text.index("  consent:\n    mechanism: soft_opt_in")
    end = text.index("  data_subjects:", start)
    (reg / "activities.yaml").write_text(text[:start] + text[end:], encoding="utf-8")
    return reg


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory) -> dict[str, Path]:
    """The DearMob workbook as `ropa export` writes it, and the same without the consent block."""
    tmp = tmp_path_factory.mktemp("workbooks")
    books = {}
    for name, reg in (("dearmob", DEARMOB), ("noconsent", _without_consent(tmp))):
        books[name] = tmp / f"{name}.xlsx"
        run = ropa("export", reg, "--no-diagram", "-o", books[name])
        assert run.code == 0, run
    return books


def _edited(workbooks, tmp_path: Path, edit, name: str = "noconsent") -> Path:
    """A copy of the exported workbook edited with openpyxl, as a user's spreadsheet program would."""
    import openpyxl

    path = tmp_path / "edited.xlsx"
    wb = openpyxl.load_workbook(workbooks[name])
    edit(wb)
    wb.save(path)
    return path


def _set(sheet: str, column: str, value, row: int = 2, number_format: str | None = None):
    def edit(wb):
        ws = wb[sheet]
        cell = ws.cell(row, [c.value for c in ws[1]].index(column) + 1)
        cell.value = value
        if number_format:
            cell.number_format = number_format

    return edit


def _raw_cell(path: Path, placeholder: str, raw: str) -> None:
    """Replace ``<v>placeholder</v>`` by ``<v>raw</v>`` in the workbook's XML (openpyxl cannot write NaN)."""
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        hits = 0
        for info in src.infolist():
            data = src.read(info)
            if info.filename.startswith("xl/worksheets/") and f"<v>{placeholder}</v>".encode() in data:
                hits += 1
                data = data.replace(f"<v>{placeholder}</v>".encode(), f"<v>{raw}</v>".encode())
            dst.writestr(info, data)
    assert hits == 1
    tmp.replace(path)


def _import(book: Path, out: Path, *extra: str):
    return ropa("import-xlsx", book, "-o", out, *extra, timeout=120)


def test_import_xlsx_of_an_unedited_export_succeeds(workbooks, tmp_path):
    """Control: the unedited DearMob workbook imports in a fresh process."""
    run = _import(workbooks["dearmob"], tmp_path / "out")
    assert_clean(run)
    assert run.code == 0 and (tmp_path / "out" / "activities.yaml").is_file(), run


def test_import_xlsx_force_never_deletes_other_registers(workbooks, tmp_path):
    parent = tmp_path / "ropa"
    parent.mkdir()
    copy_register(parent, "dearmob")
    (parent / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = snapshot(parent)
    run = _import(workbooks["noconsent"], parent, "--force")  # a typo for ropa/neworg
    assert_refused(run, code=None)
    assert "notes.txt" in run.err or "dearmob" in run.err, run  # names what it would not delete
    assert snapshot(parent) == before


def test_import_xlsx_visible_sheet_error_leaves_the_folder_untouched(workbooks, tmp_path):
    book = _edited(workbooks, tmp_path, _set(
        "Systems", "Description", "text [\u2026 continued on sheet Overflow, 'Systems'!C2, 2 parts]"))
    reg = copy_register(tmp_path)
    replace(reg / "activities.yaml", "# " + "-" * 64 + " analytics", "# my review comment")
    before = snapshot(reg)
    run = _import(book, reg, "--force")
    assert_refused(run, "Systems", code=None)
    assert snapshot(reg) == before


def test_import_xlsx_deleted_controller_record_row_is_reported(workbooks, tmp_path):
    book = _edited(workbooks, tmp_path, lambda wb: wb["Controller record"].delete_rows(3))
    run = _import(book, tmp_path / "out")
    assert_refused(run, "Controller record", "software_usage_statistics", code=None)
    assert not (tmp_path / "out").exists()


def test_import_xlsx_missing_data_sheet_member_is_reported(workbooks, tmp_path):
    source = workbooks["noconsent"]
    with zipfile.ZipFile(source) as zf:
        book = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
        rid = re.search(r'<sheet [^>]*name="data\.activities"[^>]*r:id="([^"]+)"', book).group(1)
        target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*/>', rels).group(0)
        member = re.search(r'Target="([^"]+)"', target).group(1).lstrip("/")
        member = member if member.startswith("xl/") else "xl/" + member
        path = tmp_path / "missing.xlsx"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
            for info in zf.infolist():
                if info.filename != member:
                    out.writestr(info, zf.read(info))
    run = _import(path, tmp_path / "out")
    assert_refused(run, "data.activities", code=None)
    assert not (tmp_path / "out").exists()


def test_import_xlsx_ref_error_cell_is_reported(workbooks, tmp_path):
    book = _edited(workbooks, tmp_path, _set("data.activities", "owner", "#REF!"))
    run = _import(book, tmp_path / "out")
    assert_refused(run, "data.activities", code=None)
    assert not (tmp_path / "out").exists()


def test_import_xlsx_nan_number_cell_is_a_clean_error(workbooks, tmp_path):
    book = _edited(workbooks, tmp_path, _set("data.organisation", "employees", 987654.25))
    _raw_cell(book, "987654.25", "NaN")
    run = _import(book, tmp_path / "out")
    assert_refused(run, "data.organisation", code=None)
    assert not (tmp_path / "out").exists()


def test_import_xlsx_out_of_range_date_cell_is_a_clean_error(workbooks, tmp_path):
    book = _edited(workbooks, tmp_path, _set("data.activities", "last_reviewed", 3.0e6,
                                             number_format="yyyy-mm-dd"))
    run = _import(book, tmp_path / "out")
    assert_refused(run, "data.activities", code=None)
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------
# 12. A full filesystem
# --------------------------------------------------------------------------


def test_full_filesystem_during_an_xlsx_export_is_one_message(tmp_path):
    full = tmp_path / "full"
    full.mkdir()
    run = ropa("export", DEARMOB, "--no-diagram", "-o", full / "out.xlsx", code=ENOSPC_BOOTSTRAP,
               env={"FULL_DIR": str(full)})
    assert_refused(run, "out.xlsx")
    assert list(full.iterdir()) == []  # no partial file, no temporary file left


@pytest.mark.parametrize("args", [["validate"], ["transfers"], ["audit", "--format", "json"], ["notice"]],
                         ids=lambda a: a[0])
def test_standard_output_on_a_full_disk_is_a_clear_message(args, tmp_path):
    extra = ["--gaps", tmp_path / "gaps.md"] if args[0] == "notice" else []
    with open("/dev/full", "wb") as full:  # `ropa ... > file` on a full disk
        run = ropa(args[0], DEARMOB, *args[1:], *extra, stdout=full)
    assert_clean(run)
    assert run.code not in (0, 3), run
    assert "None" not in run.err, run  # names what could not be written

