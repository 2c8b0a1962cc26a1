"""``ropa transfers`` and ``ropa graph``: formats, exit codes, no partial output."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest

from audit_lib.cli import main

AS_OF = ["--as-of", "2026-11-23"]
REQUIRED = {"exporter", "importer", "country", "data_categories", "activities", "mechanism", "article",
            "status"}


def run(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def broken(register_copy):
    folder = register_copy()
    path = folder / "recipients.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("role: processor", "role: friend", 1),
                    encoding="utf-8")
    return folder


def test_transfers_json(capsys, minimal_path):
    code, out, err = run(capsys, "transfers", minimal_path, "--format", "json", *AS_OF)
    assert code == 0
    rows = json.loads(out)
    assert len(rows) == 3 and all(set(r) >= REQUIRED for r in rows)
    by_importer = {r["importer"]: r for r in rows}
    assert by_importer["payments"]["status"] == "compliant" and by_importer["payments"]["mechanism"] == "dpf"
    assert by_importer["payments_cloud"]["exporter"] == "payments" and by_importer["payments_cloud"]["onward"]
    assert by_importer["mailer"]["data_categories"] == ["user.contact.email"]


def test_transfers_csv(capsys, minimal_path):
    code, out, _ = run(capsys, "transfers", minimal_path, "--format", "csv", *AS_OF)
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 3 and set(rows[0]) >= REQUIRED
    assert {r["country"] for r in rows} == {"US"}


def test_transfers_table(capsys, minimal_path):
    code, out, _ = run(capsys, "transfers", minimal_path, *AS_OF)
    assert code == 0
    assert "payments_cloud" in out and "Art 46(2)(c)" in out
    assert "3 transfers as of 2026-11-23: 1 compliant, 2 safeguard to verify, 0 no lawful mechanism" in out


def test_transfers_as_of_changes_the_answer(capsys, minimal_path):
    _, out, _ = run(capsys, "transfers", minimal_path, "--format", "json", "--as-of", "2021-01-01")
    statuses = {r["importer"]: r["status"] for r in json.loads(out)}
    assert statuses["payments"] == "no lawful mechanism"  # between Privacy Shield and the DPF


def test_transfers_invalid_register_exits_1(capsys, broken):
    code, out, err = run(capsys, "transfers", broken, "--format", "json")
    assert code == 1 and out == ""
    assert "recipients.yaml" in err and "role" in err


def test_transfers_bad_date_exits_2(capsys, minimal_path):
    with pytest.raises(SystemExit) as exc:
        main(["transfers", str(minimal_path), "--as-of", "23/11/2026"])
    assert exc.value.code == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err


@pytest.mark.parametrize(("name", "magic"), [("flows.png", b"\x89PNG"), ("flows.svg", b"<?xml"),
                                             ("flows.pdf", b"%PDF")])
def test_graph_writes_diagram(capsys, minimal_path, tmp_path, name, magic):
    target = tmp_path / name
    code, out, _ = run(capsys, "graph", minimal_path, "-o", target)
    assert code == 0 and target.read_bytes().startswith(magic) and str(target) in out
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left behind


def test_graph_writes_graph_data(capsys, minimal_path, tmp_path):
    code, *_ = run(capsys, "graph", minimal_path, "-o", tmp_path / "flows.graphml")
    assert code == 0
    graph = nx.read_graphml(tmp_path / "flows.graphml")
    assert graph.has_edge("recipient:payments", "recipient:payments_cloud")
    code, *_ = run(capsys, "graph", minimal_path, "-o", tmp_path / "flows.data", "--format", "json")
    assert code == 0
    data = json.loads((tmp_path / "flows.data").read_text(encoding="utf-8"))
    assert {n["id"] for n in data["nodes"]} >= {"controller", "recipient:mailer"}


@pytest.mark.parametrize("output", ["missing/flows.png", "flows.txt", "."])
def test_graph_bad_output_exits_2(capsys, minimal_path, tmp_path, output):
    before = sorted(tmp_path.rglob("*"))
    code, out, err = run(capsys, "graph", minimal_path, "-o", tmp_path / output)
    assert code == 2 and err.startswith("ropa graph:") and "Traceback" not in err
    assert sorted(tmp_path.rglob("*")) == before


def test_graph_invalid_register_writes_nothing(capsys, broken, tmp_path):
    target = tmp_path / "out" / "flows.png"
    target.parent.mkdir()
    code, _, err = run(capsys, "graph", broken, "-o", target)
    assert code == 1 and "nothing was written" in err
    assert list(target.parent.iterdir()) == []


def test_console_script_runs(minimal_path, tmp_path):
    result = subprocess.run([sys.executable, "-m", "audit_lib.cli", "transfers", str(minimal_path),
                             "--format", "json", *AS_OF], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)) == 3


def test_graph_output_to_folder_is_refused(capsys, minimal_path, tmp_path):
    (tmp_path / "flows.png").mkdir()
    code, _, err = run(capsys, "graph", minimal_path, "-o", tmp_path / "flows.png")
    assert code == 2 and "folder" in err
    assert Path(tmp_path / "flows.png").is_dir()


def test_transfers_show_the_merchant_of_record_as_exporter(capsys, sample_path):
    code, out, _ = run(capsys, "transfers", sample_path, "--format", "json", *AS_OF)
    assert code == 0
    inbound = [r for r in json.loads(out) if r["direction"] == "inbound"]
    assert inbound and {r["importer"] for r in inbound} == {"controller"}
    assert all(r["regime"] == "EU GDPR" and r["exporter"] != "controller" for r in inbound)


def test_transfers_table_of_a_uk_controller_shows_its_regime(capsys, register_copy):
    folder = register_copy()
    path = folder / "organisation.yaml"
    text = path.read_text(encoding="utf-8")
    assert "country:" in text
    lines = [("country: GB" if line.startswith("country:") else line) for line in text.splitlines()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, out, _ = run(capsys, "transfers", folder, *AS_OF)
    assert code == 0 and "regime" in out.splitlines()[0] and "UK GDPR" in out
