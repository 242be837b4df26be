"""Files of scenarios: a .csv (a header of input names, a row per scenario) or an .npz (an array per input name).

The one reader behind `aie evaluate --scenarios` and `bench/run.py --inputs`. Every problem is an InputError that
names the file (as `what` calls it) and what is wrong; values are checked against their domains by model.evaluate,
which names a bad one as input[scenario], scenarios counting from 0 after the header.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from model.errors import InputError
from model.registry import INPUTS, unknown

SUFFIXES = (".csv", ".npz")


def read(source: str | Path, what: str = "--scenarios") -> dict[str, np.ndarray]:
    """The inputs a file gives, one float per scenario each (the template fills in the rest)."""
    path = Path(source)
    where = f"{what} {source}"
    try:
        if path.suffix.lower() == ".npz":
            with np.load(path) as f:  # no pickles: allow_pickle stays False
                given = {k: np.asarray(f[k], dtype=float) for k in f.files}
        elif path.suffix.lower() == ".csv":
            given = _read_csv(path, where)
        else:
            raise InputError(f"{where}: expected a .npz or .csv file of scenarios")
    except (OSError, ValueError, TypeError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: cannot read it ({str(exc).strip() or type(exc).__name__})") from None
    bad = [n for n in given if n not in INPUTS]
    if bad:
        raise InputError(f"{where}: {'; '.join(unknown(n) for n in bad)} (`aie inputs` lists the inputs)")
    if not given:
        raise InputError(f"{where}: no inputs in it")
    sizes = {v.shape for v in given.values()}
    if len(sizes) != 1 or len(next(iter(sizes))) != 1:
        raise InputError(f"{where}: every input needs one value per scenario, the same count "
                         f"(shapes {sorted(sizes)})")
    if next(iter(sizes))[0] == 0:
        raise InputError(f"{where}: no scenarios in it")
    return given


def _read_csv(path: Path, where: str) -> dict[str, np.ndarray]:
    """A header of input names, then a row per scenario (pandas' C parser: a million rows in seconds, where
    numpy's genfromtxt takes minutes and gigabytes); Excel's "CSV UTF-8" byte order mark is fine. A cell that is
    not a number (text, empty, NA) is named as the domain checks name a value: input[scenario]."""
    import csv
    import warnings

    import pandas as pd

    with path.open(encoding="utf-8-sig", newline="") as f:  # the names as written: pandas renames a repeated one
        rows = csv.reader(f, skipinitialspace=True)
        header = [h.strip() for h in next((r for r in rows if any(c.strip() for c in r)), [])]
    twice = sorted({h for h in header if header.count(h) > 1})
    if twice:
        raise InputError(f"{where}: {', '.join(twice)} more than once in the header")
    if "" in header:
        raise InputError(f"{where}: column {header.index('') + 1} of the header has no name")
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)  # a row longer than the header: not dropped silently
        try:  # na_filter off: an empty cell or "NA" stays text, and is named below rather than read as nan
            frame = pd.read_csv(path, encoding="utf-8-sig", skipinitialspace=True, index_col=False, na_filter=False,
                                low_memory=False)
        except pd.errors.ParserWarning:
            raise InputError(f"{where}: a row has more values than the header has names") from None
    frame.columns = header
    given = {}
    for name in header:
        column = frame[name]
        if column.dtype.kind not in "fiu" and len(column):  # text somewhere, or numbers pandas left as text
            numbers = pd.to_numeric(column, errors="coerce") if column.dtype.kind != "b" else \
                pd.Series(np.nan, index=column.index)  # True/False: not numbers
            bad = numbers.isna().to_numpy()
            if bad.any():
                i = int(np.argmax(bad))
                cell = str(column.iloc[i]).strip()
                raise InputError(f"{where}: {name}[{i}] = {cell!r} is {'empty' if not cell else 'not a number'}"
                                 " (scenarios count from 0 after the header)")
            column = numbers
        given[name] = column.to_numpy(dtype=float)
    return given
