"""Files of scenarios: a .csv (a header of input names, a row per scenario), an Excel workbook read the same way
(.xlsx, its first visible worksheet: cli/scenarios_xlsx.py) or an .npz (an array per input name).

The one reader behind `aie evaluate --scenarios` and `bench/run.py --inputs`. Every problem is an InputError that
names the file (as `what` calls it) and what is wrong; values are checked against their domains by model.evaluate,
which names a bad one as input[scenario], scenarios counting from 0 after the header; `located` adds where that
scenario is in the file (its label, its CSV line).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from model.errors import InputError, NotFitting
from model.registry import INPUTS, unknown
from model.validate import short

INDEX_NAMES = ("", "scenario")  # a CSV's first column by these names labels the rows
XLSX = (".xlsx", ".xlsm")  # Excel workbooks: the first visible worksheet, read as a CSV (scenarios_xlsx.py)
KINDS = {"b": "true/false", "c": "complex", "M": "date", "m": "time span", "U": "text", "S": "text", "O": "object"}


def read(source: str | Path, what: str = "--scenarios") -> dict[str, np.ndarray]:
    """The inputs a file gives, one float per scenario each (the template fills in the rest)."""
    return read_labelled(source, what)[0]


def read_labelled(source: str | Path, what: str = "--scenarios",
                  notes: list[str] | None = None) -> tuple[dict[str, np.ndarray], list[str] | None]:
    """The inputs a file gives, and the rows' labels as text where it has them (a CSV's first column named
    scenario, or unnamed as pandas writes its index; an .npz's scenario array), else None. A row with a label and
    no value is a row of notes, no scenario: its label goes to `notes`, for the caller to say so."""
    if not str(source).strip():
        raise InputError(f"{what}: an empty path; give a .csv, .xlsx or .npz file of scenarios")
    path = Path(source)
    where = f"{what} {source}"
    if path.exists() and not path.is_file() and not path.is_dir():  # a pipe or a device: read twice (header, then
        raise InputError(f"{where}: not a regular file (a pipe or a device cannot be read twice); save the "
                         "scenarios to a .csv, .xlsx or .npz file first")  # values), the second read would wait forever
    labels = None
    try:
        if path.suffix.lower() == ".npz":
            given, labels = _read_npz(path, where)
        elif path.suffix.lower() == ".csv":
            given, labels = _read_csv(path, where, notes)
        elif path.suffix.lower() in XLSX:
            from .scenarios_xlsx import read_xlsx

            given, labels = read_xlsx(path, where, notes)
        else:
            raise InputError(f"{where}: expected a .csv, .xlsx or .npz file of scenarios")
    except (OSError, ValueError, TypeError, csv.Error) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: cannot read it ({str(exc).strip()[:200] or type(exc).__name__})") from None
    if not given:
        raise InputError(f"{where}: no inputs in it")
    sizes = {v.shape for v in given.values()}
    if len(sizes) != 1 or len(next(iter(sizes))) != 1:
        raise InputError(f"{where}: every input needs one value per scenario, the same count "
                         f"(shapes {sorted(sizes)})")
    if next(iter(sizes))[0] == 0:
        raise InputError(f"{where}: no scenarios in it")
    return given, labels


def located(exc: InputError, source: str | Path, labels: list[str] | None) -> InputError:
    """`exc` (an error naming scenario i: an input's 'name[i] = ', or the segment shares' or the memory fit's
    'at index i') with where scenario i is in the file: its line in a CSV, its label where the file has them. The
    same error unchanged if it names no scenario (a template's path may hold '[2]')."""
    import re

    text = str(exc)
    m = next((m for m in re.finditer(r"\b([a-z][a-z0-9_]*)\[(\d+)\] = ", text) if m[1] in INPUTS), None)
    i = int(m[2]) if m else None
    if i is None and (text.startswith("segment shares") or isinstance(exc, NotFitting)):
        m = re.search(r" at index (\d+)\b", text)
        i = int(m[1]) if m else None
    return exc if i is None else type(exc)(f"{text}; {place(source, i, labels)}")


def place(source: str | Path, i: int, labels: list[str] | None) -> str:
    """Scenario i (from 0) as an analyst finds it in the file: 'scenario 'b', line 4 of bad.csv'."""
    parts = [f"scenario {labels[i]!r}"] if labels is not None and 0 <= i < len(labels) else []
    suffix = Path(source).suffix.lower()
    line = _line_of(Path(source), i) if suffix == ".csv" else None
    if line is not None:
        parts.append(f"line {line} of {Path(source).name}")
    if suffix in XLSX:
        from .scenarios_xlsx import row_of

        row = row_of(Path(source), i)
        if row is not None:
            parts.append(f"{row} of {Path(source).name}")
    return ", ".join(parts) or f"scenario {i} of {Path(source).name} (from 0)"


def _line_of(path: Path, i: int) -> int | None:
    """The file line on which scenario i's row ends: blank lines and empty ',,' rows are no scenarios, as the
    reader skips them (read again, on an error only: the reader itself does not keep line numbers)."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = csv.reader(f, skipinitialspace=True)
            header = next((r for r in rows if any(c.strip() for c in r)), None)
            if header is None:
                return None
            first = 1 if header[0].strip() in INDEX_NAMES else 0  # a label column does not make a row a scenario
            k = -1
            for row in rows:
                if any(c.strip() for c in row[first:]):
                    k += 1
                    if k == i:
                        return rows.line_num
    except (OSError, ValueError, csv.Error):
        return None
    return None


def check_header(header: list[str], where: str, cell=lambda c: f"column {c}", sheet: str = "") -> bool:
    """A header of a CSV or a sheet: every column named, once, an input; a first column without a name or named
    scenario labels the rows (returned: whether it does). `cell(c)` names column c (1-based) as the file shows it;
    `sheet` follows every message about the header itself."""
    index = bool(header) and header[0] in INDEX_NAMES
    if "" in header[index:]:
        raise InputError(f"{where}: {cell(header.index('', int(index)) + 1)} of the header has no name{sheet}")
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InputError(f"{where}: {', '.join(twice)} more than once in the header{sheet}")
    check_names(header[index:], where)
    if index and not header[index:]:  # a label column alone: nothing to evaluate (pandas has no column to test)
        raise InputError(f"{where}: no inputs in it (the header has only the labels' column)")
    return index


def check_names(names: list[str], where: str) -> None:
    """Every column an input, before any value is read (a column of notes is an unknown name, not a bad number)."""
    bad = [n for n in names if n not in INPUTS]
    if not bad:
        return
    hint = " (the file looks separated by ';': write it with commas)" if any(";" in n for n in bad) else ""
    raise InputError(f"{where}: {'; '.join(unknown(n) for n in bad[:3])}{' ...' if len(bad) > 3 else ''}{hint} "
                     "(`python -m model inputs`, or `aie inputs`, lists them)")


def _read_npz(path: Path, where: str) -> tuple[dict[str, np.ndarray], list[str] | None]:
    """An archive of arrays as numpy.savez writes it; real numbers only (numpy would read True as 1, a date as
    its day count, 1+2j as 1: model.evaluate refuses each, and so does this)."""
    import zipfile

    if path.exists() and not path.is_dir() and not zipfile.is_zipfile(path):
        raise InputError(f"{where}: not an .npz archive (numpy.savez writes one)")
    try:  # numpy's and zipfile's reading alone: a damaged archive fails in a dozen ways (CRC, zlib, EOF, a header)
        with zipfile.ZipFile(path) as z:
            members = z.namelist()
        if members and not any(n.endswith(".npy") for n in members):  # a workbook renamed .npz, say
            raise InputError(f"{where}: not an .npz archive: no .npy array in it (numpy.savez writes one per input)")
        with np.load(path) as f:  # no pickles: allow_pickle stays False
            arrays = {m: f[m] for m in f.files}
    except (InputError, ImportError, MemoryError, OSError):  # OSError: the file's absence, said by the caller
        raise
    except Exception as exc:  # noqa: BLE001 - any failure to parse is the file's
        raise InputError(f"{where}: cannot read it, damaged? ({type(exc).__name__}: {str(exc).strip()[:200]})") \
            from None
    members = [m for m in arrays if m != "scenario"]  # a "scenario" array labels the rows, as in a CSV
    check_names(members, where)
    given, labels = {}, None
    if "scenario" in arrays:
        labels = arrays["scenario"]
        if not isinstance(labels, np.ndarray) or labels.ndim != 1 or labels.dtype.kind not in "USiu":
            raise InputError(f"{where}: its scenario member labels the rows: one text or whole number per "
                             "scenario")
        labels = [str(x) for x in labels.tolist()]
    for name in members:
        v = arrays.pop(name)
        if not isinstance(v, np.ndarray):  # a member that is not a .npy: numpy hands back its bytes
            raise InputError(f"{where}: its member {name} is not an array (numpy.savez writes one per input)")
        if v.dtype.kind not in "fiu":
            kind = KINDS.get(v.dtype.kind, str(v.dtype))
            raise InputError(f"{where}: {name} holds {kind} values, not numbers; allowed domain of {name}: "
                             f"{INPUTS[name].domain.text()}")
        given[name] = v.astype(float, copy=False)
    if labels is not None and given and len(labels) != len(next(iter(given.values()))):
        raise InputError(f"{where}: {len(labels)} scenario labels for {len(next(iter(given.values())))} scenarios")
    return given, labels


def _read_csv(path: Path, where: str, notes: list[str] | None = None) -> tuple[dict[str, np.ndarray], list[str] | None]:
    """A header of input names, then a row per scenario (pandas' C parser: a million rows in seconds, where
    numpy's genfromtxt takes minutes and gigabytes); Excel's "CSV UTF-8" byte order mark is fine. A cell that is
    not a number (text, empty, NA) is named as the domain checks name a value: input[scenario]."""
    import re
    import warnings

    import pandas as pd

    with path.open(encoding="utf-8-sig", newline="") as f:  # the names as written: pandas renames a repeated one
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next((r for r in rows if any(c.strip() for c in r)), [])]
        above = rows.line_num - 1 if header else 0  # lines before the header (blank, or Excel's empty ",,")
    # a first column without a name (pandas' to_csv writes its index so) or named scenario (evaluate
    # --scenarios writes one) labels the rows: kept as their labels, not taken for an input
    index = check_header(header, where)
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header: not dropped silently
        try:  # na_filter off: an empty cell or "NA" stays text, and is named below rather than read as nan
            with path.open("rb") as f:  # a handle: pandas would fetch a local file named http:x.csv from the web
                frame = pd.read_csv(f, encoding="utf-8-sig", skipinitialspace=True, index_col=False,
                                    na_filter=False, low_memory=False, skiprows=above,
                                    converters={0: str} if index else None)  # labels as written: 007 stays 007
        except pd.errors.ParserWarning:
            raise InputError(f"{where}: the first row has more values than the header has names") from None
        except pd.errors.ParserError as exc:
            m = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
            if not m:
                raise
            raise InputError(f"{where}: line {m[2]} of the file has {m[3]} values; the header has {m[1]} "
                             "names") from None
    frame.columns = header
    if len(frame) and all(frame[c].dtype.kind == "O" for c in header[index:]):  # only then can a row be all empty
        empty = np.logical_and.reduce([frame[c].astype(str).str.strip().eq("").to_numpy() for c in header[index:]])
        if index and notes is not None:
            notes += [str(x).strip() for x in frame.iloc[:, 0][empty].tolist() if str(x).strip()]
        frame = frame[~empty]  # Excel's ",,," rows, like blank lines: not scenarios (a label alone: a row of notes)
    labels = [str(x).strip() for x in frame.iloc[:, 0].tolist()] if index else None
    given = {}
    for name in header[index:]:
        column = frame[name]
        if column.dtype.kind not in "fiu" and len(column):  # text somewhere, or numbers pandas left as text
            numbers = pd.to_numeric(column, errors="coerce") if column.dtype.kind != "b" else \
                pd.Series(np.nan, index=column.index)  # True/False: not numbers
            bad = numbers.isna().to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                cell = str(column.iloc[i]).strip()
                raise InputError(f"{where}: {name}[{i}] = {short(cell)} is {'empty' if not cell else 'not a number'} "
                                 f"({place(path, i, labels)}); allowed domain of {name}: "
                                 f"{INPUTS[name].domain.text()}")
            column = numbers
        given[name] = column.to_numpy(dtype=float)
        huge = np.isinf(given[name])
        if huge.any():  # "1e400" reads as infinite: say so, rather than let the domain check show "inf"
            i = int(np.argmax(huge))
            raise InputError(f"{where}: {name}[{i}] = {given[name][i]}: infinite, written so or beyond the largest "
                             f"number (±1.8e308; {place(path, i, labels)}); "
                             f"allowed domain of {name}: {INPUTS[name].domain.text()}")
    return given, labels
