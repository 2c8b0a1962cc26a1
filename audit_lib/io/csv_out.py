"""The one CSV writer: every csv file or ``--format csv`` table the tool writes goes through here.

A csv file is opened by a spreadsheet, which has no cell types to go by and evaluates what
looks like a formula. The rule, after OWASP's "CSV Injection" page
(https://owasp.org/www-community/attacks/CSV_Injection):

1. Every text field is quoted (``"..."``, inner quotes doubled), numbers are not: a
   spreadsheet opening the file with ``,``, ``;`` (the default list separator in most EU
   locales) or tab as separator cannot split a text into cells, and numbers stay numbers.
2. A text that starts with ``=``, ``+``, ``-``, ``@``, tab, CR or LF, or is an error literal
   (``#N/A``), gets a leading apostrophe, so a spreadsheet shows it as text and never
   evaluates it. So does every part of a text that follows a ``,``, ``;``, tab, CR or LF and
   starts (after any double quotes) with ``=``, ``+``, ``-`` or ``@``: ``a;=1+1`` is written
   ``a;'=1+1``. A spreadsheet reading the file with another separator than it was written
   with (Excel in a ``;`` locale opening a ``,`` file) loses track of the quotes after the
   first field and cuts such a text there; each part it can cut out is text already.

The rule is idempotent (a guarded text is not guarded again).
Nothing else is changed; the json outputs carry the values as they are.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from typing import Any

from audit_lib.io.cells import formula_like

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")
"""First characters that make a spreadsheet take a cell for a formula (OWASP's list)."""
_SEGMENT_FORMULA = re.compile(r'(?<=[,;\t\r\n])(?="*[=+\-@])')


def guarded(text: str) -> str:
    """``text`` as a csv cell under rule 2 of this module: an apostrophe before each part a
    spreadsheet could evaluate, the text itself, the first part included, otherwise unchanged."""
    text = _SEGMENT_FORMULA.sub("'", text)
    return "'" + text if text.startswith(FORMULA_START) or formula_like(text) else text


def csv_value(value: Any) -> Any:
    """A value as a csv field: numbers as numbers, booleans true/false, None and NaN empty, text guarded."""
    if hasattr(value, "text") and not isinstance(value, str):  # a marked cell (export.sheet.Mark)
        value = value.text
    kind = type(value).__name__
    if isinstance(value, bool) or kind in ("bool_", "bool"):
        return "true" if value else "false"
    if value is None or kind in ("NAType", "NaTType") or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, (int, float)) or _is_number(value):
        return value
    return guarded(value if isinstance(value, str) else str(value))


def _is_number(value: Any) -> bool:
    """numpy integers and floats (pandas rows) count as numbers; NaN was handled before."""
    kind = type(value).__module__
    return kind == "numpy" and type(value).__name__.startswith(("int", "uint", "float"))


def csv_text(rows: Iterable[Iterable[Any]], lineterminator: str = "\r\n") -> str:
    """``rows`` (the header first) as csv text under the rule of this module."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, quoting=csv.QUOTE_NONNUMERIC, lineterminator=lineterminator)
    for row in rows:
        writer.writerow([csv_value(v) for v in row])
    return buf.getvalue()
