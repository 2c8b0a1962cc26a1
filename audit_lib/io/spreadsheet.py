"""Read a register kept in the ICO's or the CNIL's spreadsheet template (.xlsx or .ods) into YAML.

Regulators' templates are found by their *heading text*, never by cell address: in English (the
ICO documentation template for controllers: "Business function", "Purpose of processing",
"Categories of individuals", ...) and in French (the CNIL registre: "Nom du traitement",
"Finalité(s)", "Catégories de personnes concernées", ...). Two shapes are read:

- a table: a heading row (found among the first rows of a sheet), one activity per row below;
- a fiche: one activity per sheet, a label in one column and its value to the right (the
  CNIL 2018 model's "fiche de registre").

Free text becomes register vocabulary through :mod:`audit_lib.io.lexicon` (taxonomy keys,
Art 6(1) bases, ISO 8601 durations, ISO 3166-1 codes). Every mapping is reported (``ROPA-I031``);
a value the lexicon does not know is kept as a label under a generic key with an assumption to
confirm (``ROPA-I032``); a column with no place in the register is kept in the activity's notes.
Untrusted input: size and zip checks, no macros (.xlsm refused), no formulas (values only),
and nothing is written unless the result loads as a valid register (Art 30(3)).
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from audit_lib.io import lexicon
from audit_lib.issues import Issue, Stage, declare
from audit_lib.model import Register

declare(
    "ROPA-I030",
    Stage.import_,
    "error",
    "Spreadsheet cannot be imported",
    remedy="Give the ICO or CNIL register as .xlsx or .ods, values only (no formulas, no macros).",
)
declare(
    "ROPA-I031",
    Stage.import_,
    "info",
    "Spreadsheet value mapped",
    remedy="Check the mapping; correct the YAML if the lexicon chose wrongly.",
)
declare(
    "ROPA-I032",
    Stage.import_,
    "low",
    "Spreadsheet value kept as a label, to confirm",
    remedy="Choose the taxonomy key (or value) in the YAML and remove the assumption.",
)

MAX_ROWS = 5000
MAX_COLUMNS = 200
HEADER_SCAN = 40

# field -> heading phrases (folded), English and French. A heading is the field of the longest
# phrase it starts with (or contains, for phrases of 12 characters or more).
HEADINGS: dict[str, tuple[str, ...]] = {
    "id": ("reference", "ref", "ref.", "n°", "no", "numero", "activity id", "id", "identifiant"),
    "name": (
        "business function",
        "nom du traitement",
        "nom de l'activite",
        "designation des activites",
        "activite de traitement",
        "processing activity",
        "name of processing",
        "activite",
        "activites",
        "traitement",
        "activity",
        "intitule",
    ),
    "purposes": (
        "purpose of processing",
        "purposes of processing",
        "purpose",
        "purposes",
        "objectifs poursuivis",
        "finalite",
        "finalites",
        "finalite(s)",
        "finalite principale",
    ),
    "legal_basis": (
        "article 6 lawful basis",
        "lawful basis",
        "gdpr article 6 lawful basis",
        "legal basis",
        "base legale",
        "base juridique",
        "fondement juridique",
        "licéité",
    ),
    "data_subjects": (
        "categories of individuals",
        "categories of data subjects",
        "data subjects",
        "categories de personnes concernees",
        "personnes concernees",
    ),
    "data_categories": (
        "categories of personal data",
        "personal data",
        "categories de donnees",
        "categories de donnees collectees",
        "categories de donnees personnelles",
        "donnees collectees",
        "donnees personnelles",
        "donnees traitees",
    ),
    "recipients": (
        "categories of recipients",
        "recipients",
        "destinataires",
        "categories de destinataires",
        "organismes externes",
        "destinataires internes",
        "sous-traitants",
    ),
    "countries": (
        "names of third countries",
        "third countries",
        "transferts des donnees hors ue",
        "transferts hors ue",
        "transfert hors ue",
        "transferts",
        "pays tiers",
    ),
    "safeguards": ("safeguards for exceptional transfers", "safeguards", "garanties"),
    "retention": (
        "retention schedule",
        "retention",
        "retention period",
        "duree de conservation",
        "durees de conservation",
        "delai de conservation",
        "durees de conservation des categories",
    ),
    "security": (
        "general description of technical and organisational security measures",
        "security measures",
        "mesures de securite",
        "securite",
    ),
    "legitimate_interest": (
        "legitimate interests for the processing",
        "legitimate interest",
        "interet legitime poursuivi",
    ),
    "special": (
        "article 9 condition",
        "article 9 basis",
        "special category",
        "donnees sensibles",
        "des donnees sensibles sont-elles traitees",
    ),
    "owner": ("responsable de l'activite", "owner", "service responsable", "pilote"),
    "last_reviewed": (
        "date de derniere mise a jour",
        "date de mise a jour",
        "last reviewed",
        "date of review",
    ),
}
ORG_LABELS = {  # organisation block, any sheet: label -> organisation field
    "contact": (
        "controller",
        "name and contact details of controller",
        "responsable du traitement",
        "nom du responsable",
        "organisme",
        "raison sociale",
        "nom de l'organisme",
    ),
    "dpo": (
        "data protection officer",
        "dpo",
        "delegue a la protection des donnees",
        "delegue a la protection des donnees (dpo)",
    ),
    "eu_representative": ("representative", "representant", "representant du responsable"),
}
_KINDS = {"purposes": "data_uses", "data_subjects": "data_subjects", "data_categories": "data_categories"}


class SpreadsheetError(Exception):
    """The spreadsheet cannot be imported; ``issues`` lists every problem (sheet and cell)."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(i.message for i in issues))


def _fail(message: str, file: Path, record: str = "") -> SpreadsheetError:
    return SpreadsheetError([Issue.of("ROPA-I030", message, file=file.name, record=record)])


@dataclass
class Cells:
    """One sheet's values: ``rows[r][c]`` (0-based), text or None."""

    name: str
    rows: list[list[Any]]

    def coord(self, r: int, c: int) -> str:
        return f"{self.name}!{get_column_letter(c + 1)}{r + 1}"


@dataclass
class SpreadsheetImport:
    path: Path
    register: Register
    shape: str
    issues: list[Issue] = field(default_factory=list)


# --------------------------------------------------------------------------
# Reading cells (.xlsx with openpyxl, .ods with odfpy), refusing macros and formulas
# --------------------------------------------------------------------------


def read_cells(path: str | Path) -> list[Cells]:
    """Every sheet's values; SpreadsheetError for another format, a corrupt file, macros or formulas."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsm", ".xltm", ".xlsb", ".xls"):
        raise _fail(
            f"{suffix} is not accepted: macro-enabled or legacy workbooks are refused; save the "
            "register as .xlsx (or .ods) without macros",
            path,
        )
    from audit_lib.io.import_xlsx import WorkbookError, read_book

    if suffix == ".ods":
        return _read_ods(path)
    if suffix not in (".xlsx", ".xltx"):
        raise _fail(f"unknown file type '{suffix}': give an .xlsx or .ods file", path)
    try:  # the one cell reader of the xlsx imports: formulas, error values, NaN ... refused by cell
        book = read_book(path, wanted=lambda name: True, overflow=False)
    except WorkbookError as exc:
        raise SpreadsheetError(
            [Issue.of("ROPA-I030", i.message, file=path.name, record=i.record) for i in exc.issues]
        ) from None
    sheets = []
    for name in book.sheetnames:
        found = book.sheet(name)
        if found and found[-1][0] > MAX_ROWS:
            raise _fail(f"sheet {name} has more than {MAX_ROWS} rows", path)
        rows: list[list[Any]] = [[] for _ in range(found[-1][0] if found else 0)]
        for r, values in found:
            rows[r - 1] = list(values)
        sheets.append(Cells(name, rows))
    return sheets


def _read_ods(path: Path) -> list[Cells]:
    from odf import opendocument, table, text
    from odf.namespaces import TABLENS

    if not zipfile.is_zipfile(path):
        raise _fail("not an .ods spreadsheet (not a zip archive)", path)
    with zipfile.ZipFile(path) as zf:
        try:
            mimetype = zf.read("mimetype").decode("ascii", "replace").strip()
        except KeyError:
            mimetype = ""
        if mimetype != "application/vnd.oasis.opendocument.spreadsheet":
            raise _fail(f"not an OpenDocument spreadsheet (mimetype '{mimetype}')", path)
        if any(n.startswith("Basic/") or n.startswith("Scripts/") for n in zf.namelist()):
            raise _fail("the spreadsheet contains macros (Basic/Scripts): refused", path)
    try:
        doc = opendocument.load(str(path))
    except Exception as exc:
        raise _fail(f"cannot be read as an .ods spreadsheet ({type(exc).__name__}: {exc})", path) from None
    sheets, formulas = [], []
    for t in doc.spreadsheet.getElementsByType(table.Table):
        name = t.getAttribute("name")
        rows: list[list[Any]] = []
        for tr in t.getElementsByType(table.TableRow):
            repeat = int(tr.attributes.get((TABLENS, "number-rows-repeated"), 1))
            values: list[Any] = []
            for tc in tr.childNodes:
                if tc.qname[1] not in ("table-cell", "covered-table-cell"):
                    continue
                n = int(tc.attributes.get((TABLENS, "number-columns-repeated"), 1))
                paras = ["".join(_text(p) for p in [para]) for para in tc.getElementsByType(text.P)]
                value = "\n".join(paras) if paras else None
                if tc.attributes.get((TABLENS, "formula")):
                    formulas.append(
                        Issue.of(
                            "ROPA-I030",
                            f"{name}!{get_column_letter(len(values) + 1)}"
                            f"{len(rows) + 1}: a formula: the import reads typed values only; "
                            "paste as values",
                            file=path.name,
                        )
                    )
                values += (
                    [value] * min(n, MAX_COLUMNS - len(values))
                    if value is not None
                    else [None] * min(n, MAX_COLUMNS - len(values))
                )
                if len(values) >= MAX_COLUMNS:
                    break
            if all(v is None for v in values):
                rows += [[]] * min(repeat, MAX_ROWS - len(rows))
            else:
                rows += [values] * min(repeat, MAX_ROWS - len(rows))
            if len(rows) >= MAX_ROWS:
                break
        while rows and not rows[-1]:
            rows.pop()
        sheets.append(Cells(name, rows))
    if formulas:
        raise SpreadsheetError(formulas)
    return sheets


def _text(node: Any) -> str:
    out = []
    for child in node.childNodes:
        if child.nodeType == child.TEXT_NODE:
            out.append(str(child.data))
        elif child.qname[1] == "s":
            out.append(" ")
        elif child.qname[1] == "line-break":
            out.append("\n")
        else:
            out.append(_text(child))
    return "".join(out)


# --------------------------------------------------------------------------
# Finding the register by heading text
# --------------------------------------------------------------------------


def heading_field(text: Any) -> str | None:
    """The register field a heading names (None when it names none)."""
    hit = _heading(text)
    return hit[1] if hit else None


def _heading(text: Any) -> tuple[int, str] | None:
    """(length of the phrase matched, field) for a heading."""
    if text is None:
        return None
    h = lexicon.fold(str(text)).strip(" :*")
    h = re.sub(r"\s*\((if applicable|if possible|le cas echeant)\)", "", h)
    best: tuple[int, str] | None = None
    for name, phrases in HEADINGS.items():
        for p in phrases:
            hit = h == p or (len(p) >= 12 and p in h) or (len(p) >= 4 and h.startswith(p + " "))
            if hit and (best is None or len(p) > best[0]):
                best = (len(p), name)
    return best


@dataclass
class Found:
    """Where the register is: a table (heading row) or fiches (one sheet per activity)."""

    shape: str
    sheet: Cells | None = None
    header_row: int = 0
    columns: dict[int, str] = field(default_factory=dict)
    fiches: list[tuple[Cells, dict[str, tuple[int, int]]]] = field(default_factory=list)


def _table_score(sheet: Cells) -> tuple[int, int, dict[int, str]]:
    best: tuple[int, int, dict[int, str]] = (0, 0, {})
    for r, row in enumerate(sheet.rows[:HEADER_SCAN]):
        chosen: dict[str, tuple[int, int]] = {}  # field -> (phrase length, column): the closest heading wins
        for c, v in enumerate(row):
            hit = _heading(v)
            if hit and (hit[1] not in chosen or hit[0] > chosen[hit[1]][0]):
                chosen[hit[1]] = (hit[0], c)
        cols = {c: f for f, (_, c) in chosen.items()}
        score = len(cols) if {"name", "purposes"} & set(cols.values()) else 0
        if score > best[0]:
            best = (score, r, cols)
    return best


def _fiche_labels(sheet: Cells) -> dict[str, tuple[int, int]]:
    labels: dict[str, tuple[int, int]] = {}
    for r, row in enumerate(sheet.rows[:200]):
        for c, v in enumerate(row[:3]):
            f = heading_field(v)
            if f and f not in labels and any(x not in (None, "") for x in row[c + 1 :]):
                labels[f] = (r, c)
    return labels


def locate(sheets: list[Cells], file: Path) -> Found:
    """The table or fiches holding the activities; SpreadsheetError when no sheet has the headings."""
    scored = [(s, *_table_score(s)) for s in sheets]
    table = max(scored, key=lambda t: t[1], default=None)
    if {"data.meta", "data.organisation"} & {s.name for s in sheets}:
        raise _fail(
            "this is a workbook written by `ropa export` (it has data.* sheets): read it back with "
            "`ropa import-xlsx`",
            file,
        )
    fiches = [
        (s, labels)
        for s in sheets
        if len(labels := _fiche_labels(s)) >= 5
        and "purposes" in labels
        and {"data_categories", "data_subjects"} & set(labels)
    ]
    if table and table[1] >= 4 and (not fiches or table[1] >= max(len(f[1]) for f in fiches)):
        shape = _shape_name(table[3].values(), table[0].rows[table[2]])
        return Found(shape, table[0], table[2], table[3])
    if fiches:
        words = [v for s, labels in fiches for r, c in labels.values() for v in [s.rows[r][c]]]
        return Found(
            _shape_name([f for _, labels in fiches for f in labels], words) + " (fiches)", fiches=fiches
        )
    names = ", ".join(s.name for s in sheets)
    raise SpreadsheetError(
        [
            Issue.of(
                "ROPA-I030",
                f"no sheet has the headings of an ICO or CNIL register (sheets: {names}); looked for "
                "headings such as 'Purpose of processing' and 'Categories of individuals', or 'Finalité(s)' "
                "and 'Catégories de personnes concernées', with at least four of the Art 30(1) points",
                file=file.name,
            )
        ]
    )


def _shape_name(fields: Any, headings: Any) -> str:
    text = " ".join(lexicon.fold(h) for h in headings if isinstance(h, str))
    french = any(w in text for w in ("finalite", "personnes concernees", "traitement", "donnees"))
    return "CNIL registre (French)" if french else "ICO documentation template (English)"


def _records(found: Found) -> Iterator[tuple[dict[str, Any], dict[str, str]]]:
    """({field: text}, {field: cell}) for each activity."""
    if found.sheet is not None:
        s = found.sheet
        for r in range(found.header_row + 1, len(s.rows)):
            row = s.rows[r]
            values, cells = {}, {}
            for c, f in found.columns.items():
                v = row[c] if c < len(row) else None
                if v is not None and str(v).strip():
                    values[f] = v
                    cells[f] = s.coord(r, c)
            extra = {
                str(s.rows[found.header_row][c]).strip(): (v, s.coord(r, c))
                for c, v in enumerate(row)
                if c not in found.columns
                and not lexicon.is_empty(v)
                and c < len(s.rows[found.header_row])
                and s.rows[found.header_row][c]
            }
            if values or extra:
                values["_extra"] = extra
                yield values, cells
        return
    for s, labels in found.fiches:
        values, cells = {}, {}
        for f, (r, c) in labels.items():
            parts = [str(v) for v in s.rows[r][c + 1 :] if v not in (None, "")]
            rr = r + 1  # continuation rows: label cell empty, value to the right
            while rr < len(s.rows) and not any(s.rows[rr][: c + 1]) and any(s.rows[rr][c + 1 :]):
                parts += [str(v) for v in s.rows[rr][c + 1 :] if v not in (None, "")]
                rr += 1
            if parts:
                values[f] = "\n".join(parts)
                cells[f] = s.coord(r, c + 1)
        values["_extra"] = {}
        yield values, cells


# --------------------------------------------------------------------------
# Mapping values
# --------------------------------------------------------------------------


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", lexicon.fold(text)).strip("_")[:48] or "item"


class _Builder:
    def __init__(self, file: Path) -> None:
        self.file = file
        self.issues: list[Issue] = []
        self.errors: list[Issue] = []
        self.recipients: dict[str, dict[str, Any]] = {}
        self.measures: dict[str, dict[str, Any]] = {}

    def shown(self, cell: str, record: str, name: str, text: str, value: Any, via: str) -> None:
        self.issues.append(
            Issue.of(
                "ROPA-I031",
                f"{cell}: '{text}' -> {value} ({via})",
                file=self.file.name,
                record=record,
                field=name,
            )
        )

    def kept(self, cell: str, record: str, name: str, text: str, what: str) -> str:
        message = f"{cell}: '{text}' {what}"
        self.issues.append(Issue.of("ROPA-I032", message, file=self.file.name, record=record, field=name))
        return f"Imported from {self.file.name}, {message}; to confirm."

    def taxonomy(self, name: str, text: str, cell: str, record: str, a: dict[str, Any]) -> None:
        kind = _KINDS[name]
        refs: list[dict[str, Any]] = []
        for item in lexicon.split_items(text):
            m = lexicon.taxonomy_key(kind, item)
            if any(r["key"] == m.value and r.get("label") == item for r in refs):
                continue
            ref: dict[str, Any] = {"key": m.value, ("description" if name == "purposes" else "label"): item}
            refs.append(ref)
            if m.mapped:
                self.shown(cell, record, name, item, m.value, m.via)
            else:
                a["assumptions"].append(
                    {
                        "field": name,
                        "statement": self.kept(
                            cell,
                            record,
                            name,
                            item,
                            f"matches no lexicon entry: kept as the label of the generic key '{m.value}'",
                        ),
                    }
                )
        a[name] = refs

    def activity(
        self, values: dict[str, Any], cells: dict[str, str], used: set[str]
    ) -> dict[str, Any] | None:
        if "name" not in values:
            where = next(iter(cells.values()), "?")
            if set(values) - {"_extra"}:
                self.errors.append(
                    Issue.of(
                        "ROPA-I030",
                        f"{where}: a row with values but no activity name "
                        "(Business function / Nom du traitement): name it or delete the row",
                        file=self.file.name,
                        record=where,
                    )
                )
            return None
        name = " ".join(str(values["name"]).split())
        base = _slug(str(values.get("id") or name))
        aid, n = base, 2
        while aid in used:
            aid, n = f"{base}_{n}", n + 1
        used.add(aid)
        record = f"activities[{aid}]"
        a: dict[str, Any] = {"id": aid, "name": name, "assumptions": [], "evidence": []}
        notes: list[str] = []
        for f in ("purposes", "data_subjects", "data_categories"):
            if f in values and not lexicon.is_empty(values[f]):
                self.taxonomy(f, str(values[f]), cells[f], record, a)
        if "legal_basis" in values and not lexicon.is_empty(values["legal_basis"]):
            bases = []
            for m in lexicon.legal_bases(str(values["legal_basis"])):
                if m.mapped:
                    bases.append(m.value)
                    self.shown(cells["legal_basis"], record, "legal_basis", m.text, m.value, m.via)
                else:
                    a["assumptions"].append(
                        {
                            "field": "legal_basis",
                            "statement": self.kept(
                                cells["legal_basis"],
                                record,
                                "legal_basis",
                                m.text,
                                "names no Art 6(1) basis the lexicon knows: the basis is to choose",
                            ),
                        }
                    )
            a["legal_basis"] = list(dict.fromkeys(bases))
        if "retention" in values and not lexicon.is_empty(values["retention"]):
            a["retention"] = []
            for item in [x.strip() for x in re.split(r"[\n;]+", str(values["retention"])) if x.strip()]:
                m, trigger = lexicon.retention(item)
                entry: dict[str, Any] = {"period": m.value, "description": item}
                if trigger:
                    entry["trigger"] = trigger
                if m.mapped:
                    self.shown(cells["retention"], record, "retention", item, m.value, m.via)
                else:
                    entry["assumptions"] = [
                        {
                            "field": "period",
                            "statement": self.kept(
                                cells["retention"],
                                record,
                                "retention",
                                item,
                                "gives no duration the lexicon reads: period recorded as not stated",
                            ),
                        }
                    ]
                a["retention"].append(entry)
        links = self._recipients(values, cells, record, a)
        if links:
            a["recipients"] = links
        if "security" in values and not lexicon.is_empty(values["security"]):
            a["security_measures"] = self._measures(str(values["security"]), cells["security"], record)
        for f in ("legitimate_interest", "owner"):
            if f in values and not lexicon.is_empty(values[f]):
                a[f] = str(values[f]).strip()
        if "special" in values and not lexicon.is_empty(values["special"]):
            notes.append(f"Special category / Art 9 (from {cells['special']}): {values['special']}")
            a["assumptions"].append(
                {
                    "field": "special_category_condition",
                    "statement": self.kept(
                        cells["special"],
                        record,
                        "special_category_condition",
                        str(values["special"]),
                        "is free text: the Art 9(2) condition is to choose",
                    ),
                }
            )
        for heading, (v, cell) in values.get("_extra", {}).items():
            notes.append(f"{heading} (from {cell}): {v}")
            self.kept(
                cell,
                record,
                "notes",
                str(v)[:60],
                f"(column '{heading}') has no field in the register: kept in the activity's notes",
            )
        if "legal_basis" not in a:
            a["assumptions"].append(
                {
                    "field": "legal_basis",
                    "statement": "The spreadsheet gives no Art 6(1) legal basis: to decide and record.",
                }
            )
        if notes:
            a["notes"] = "\n".join(notes)
        a["evidence"] = [f"{self.file.name}, {cells['name']}: {name}"]
        return a

    def _recipients(
        self, values: dict[str, Any], cells: dict[str, str], record: str, a: dict[str, Any]
    ) -> list[str]:
        links: list[str] = []
        if "recipients" in values and not lexicon.is_empty(values["recipients"]):
            for item in lexicon.split_items(str(values["recipients"])):
                rid = _slug(item)
                if rid not in self.recipients:
                    role = lexicon.recipient_role(item)
                    rec: dict[str, Any] = {
                        "id": rid,
                        "name": item,
                        "role": role.value,
                        "placeholder": True,
                        "assumptions": [],
                        "evidence": [f"{self.file.name}, {cells['recipients']}: {item}"],
                    }
                    if role.mapped:
                        self.shown(
                            cells["recipients"], f"recipients[{rid}]", "role", item, role.value, role.via
                        )
                    else:
                        rec["assumptions"].append(
                            {
                                "field": "role",
                                "statement": self.kept(
                                    cells["recipients"],
                                    f"recipients[{rid}]",
                                    "role",
                                    item,
                                    "does not say its role: assumed a processor (Art 28)",
                                ),
                            }
                        )
                    rec["assumptions"].append(
                        {
                            "field": "placeholder",
                            "statement": "The template lists a "
                            "category of recipients; name the legal entity.",
                        }
                    )
                    self.recipients[rid] = rec
                if rid not in links:
                    links.append(rid)
        if "countries" in values and not lexicon.is_empty(values["countries"]):
            codes, unknown = [], []
            for item in lexicon.split_items(str(values["countries"])):
                m = lexicon.country(item)
                if m.mapped:
                    codes.append(m.value)
                    self.shown(cells["countries"], record, "countries", item, m.value, m.via)
                elif not lexicon.is_empty(item):
                    unknown.append(item)
            rid = f"{a['id']}_third_country_recipients"
            rec = {
                "id": rid,
                "name": f"Recipients outside the EEA for {a['name']}",
                "role": "processor",
                "placeholder": True,
                "countries": list(dict.fromkeys(codes)),
                "assumptions": [
                    {
                        "field": "name",
                        "statement": "The template names the countries of transfer, not the "
                        "recipients: name the importer(s).",
                    },
                    {"field": "role", "statement": "Assumed a processor (Art 28), to confirm."},
                ],
                "evidence": [f"{self.file.name}, {cells['countries']}: {values['countries']}"],
            }
            for item in unknown:
                rec["assumptions"].append(
                    {
                        "field": "countries",
                        "statement": self.kept(
                            cells["countries"],
                            f"recipients[{rid}]",
                            "countries",
                            item,
                            "is not a country name pycountry knows (English or French)",
                        ),
                    }
                )
            if "safeguards" in values and not lexicon.is_empty(values["safeguards"]):
                m = lexicon.mechanism(str(values["safeguards"]))
                rec["notes"] = f"Safeguards (from {cells['safeguards']}): {values['safeguards']}"
                if m.value in ("scc", "bcr", "dpf"):
                    mech: dict[str, Any] = {"type": m.value}
                    if m.value == "scc":
                        mech["scc_module"] = 2
                        mech["assumptions"] = [
                            {
                                "field": "scc_module",
                                "statement": "Module 2 (controller to processor) assumed, to confirm.",
                            }
                        ]
                    rec["transfer_mechanisms"] = [mech]
                    self.shown(
                        cells["safeguards"],
                        f"recipients[{rid}]",
                        "transfer_mechanisms",
                        str(values["safeguards"]),
                        m.value,
                        m.via,
                    )
                else:
                    rec["assumptions"].append(
                        {
                            "field": "transfer_mechanisms",
                            "statement": self.kept(
                                cells["safeguards"],
                                f"recipients[{rid}]",
                                "transfer_mechanisms",
                                str(values["safeguards"]),
                                "names no SCC, BCR or DPF: the transfer tool is to record",
                            ),
                        }
                    )
            self.recipients[rid] = rec
            links.append(rid)
        return links

    def _measures(self, text: str, cell: str, record: str) -> list[str]:
        ids = []
        for item in lexicon.split_items(text):
            mid = _slug(item)
            if mid not in self.measures:
                m = lexicon.measure_type(item)
                rec: dict[str, Any] = {
                    "id": mid,
                    "name": item,
                    "type": m.value,
                    "evidence": [f"{self.file.name}, {cell}: {item}"],
                }
                if m.mapped:
                    self.shown(cell, f"security_measures[{mid}]", "type", item, m.value, m.via)
                else:
                    rec["assumptions"] = [
                        {
                            "field": "type",
                            "statement": self.kept(
                                cell,
                                f"security_measures[{mid}]",
                                "type",
                                item,
                                "assumed an organisational measure",
                            ),
                        }
                    ]
                self.measures[mid] = rec
            ids.append(mid)
        return list(dict.fromkeys(ids))


def _organisation(sheets: list[Cells], file: Path, b: _Builder) -> dict[str, Any]:
    found: dict[str, dict[str, Any]] = {}
    for s in sheets:
        for r, row in enumerate(s.rows[:HEADER_SCAN]):
            for c, v in enumerate(row[:4]):
                if not isinstance(v, str):
                    continue
                label = lexicon.fold(v).strip(" :*")
                for name, phrases in ORG_LABELS.items():
                    if name in found or label not in phrases:
                        continue
                    rest = [x for x in row[c + 1 : c + 5]]
                    if not rest or rest[0] in (None, ""):
                        continue
                    contact = {"name": str(rest[0]).strip()}
                    for key, value in zip(("address", "email", "phone"), rest[1:4], strict=False):
                        if value not in (None, ""):
                            contact["email" if "@" in str(value) else key] = str(value).strip()
                    found[name] = contact
                    b.shown(
                        s.coord(r, c + 1),
                        "organisation",
                        name,
                        str(rest[0]),
                        "organisation." + name,
                        "label '" + v.strip() + "'",
                    )
    org: dict[str, Any] = {
        "assumptions": [
            {
                "field": "country",
                "statement": "The template does not give the country of establishment: to record.",
            }
        ]
    }
    if "contact" in found:
        org["name"] = found["contact"]["name"]
        org["contact"] = found["contact"]
    else:
        org["name"] = file.stem
        org["assumptions"].append(
            {
                "field": "name",
                "statement": b.kept(
                    file.name,
                    "organisation",
                    "name",
                    file.stem,
                    "(the file name) stands for the controller: no "
                    "'Controller' / 'Responsable du traitement' block was found",
                ),
            }
        )
    for name in ("dpo", "eu_representative"):
        if name in found:
            org[name] = found[name]
    return org


def read_register(path: str | Path) -> tuple[dict[str, list[dict[str, Any]]], str, list[Issue]]:
    """The records (by data table name) of an ICO or CNIL spreadsheet, its shape, and every mapping."""
    path = Path(path)
    if not path.is_file():
        raise _fail("file not found", path)
    sheets = read_cells(path)
    found = locate(sheets, path)
    b = _Builder(path)
    used: set[str] = set()
    activities = [a for values, cells in _records(found) if (a := b.activity(values, cells, used))]
    if not activities and not b.errors:
        b.errors.append(
            Issue.of(
                "ROPA-I030", "the register's headings were found but no activity below them", file=path.name
            )
        )
    if b.errors:
        raise SpreadsheetError(b.errors)
    org = _organisation(sheets, path, b)
    return (
        {
            "organisation": [org],
            "activities": activities,
            "recipients": list(b.recipients.values()),
            "security": list(b.measures.values()),
        },
        found.shape,
        b.issues,
    )


def import_spreadsheet(path: str | Path, out: str | Path) -> SpreadsheetImport:
    """Write the register kept in an ICO or CNIL spreadsheet as YAML files in folder ``out``."""
    from audit_lib.io.import_xlsx import build_records, register_files, write_draft

    path = Path(path)
    tables, shape, issues = read_register(path)
    records, errors = build_records(tables, lambda name, row, err: Issue.of(
        "ROPA-I030", f"{name}[{row.get('id', '')}]: {'.'.join(map(str, err['loc']))}: {err['msg']}",
        file=path.name))
    if errors:
        raise SpreadsheetError(errors)
    register = write_draft(
        register_files(records), out, path.name, f"ropa import {path.suffix.lstrip('.').lower()}",
        lambda i: Issue.of("ROPA-I030", str(i), file=path.name), SpreadsheetError,
    )
    return SpreadsheetImport(Path(register.source_path), register, shape, issues)


def mapping_table(issues: list[Issue]) -> Any:
    """The mappings of an import as a DataFrame: cell, record, field, what it said, status, detail."""
    import pandas as pd

    rows = []
    for i in issues:
        if i.code not in ("ROPA-I031", "ROPA-I032"):
            continue
        cell, _, rest = i.message.partition(": ")
        rows.append(
            {
                "cell": cell,
                "record": i.record,
                "field": i.field,
                "status": "mapped" if i.code == "ROPA-I031" else "kept as label, to confirm",
                "detail": rest,
            }
        )
    return pd.DataFrame(rows, columns=["cell", "record", "field", "status", "detail"])
