"""Input validation: numbers only, each within its registered domain."""

from __future__ import annotations

import numbers
from typing import TYPE_CHECKING

from .errors import InputError, NotFitting
from .registry import CONSTANTS, INPUTS, unknown

if TYPE_CHECKING:
    from collections.abc import Iterator

    import numpy as np

SHARES = ("share_hobbyist", "share_growth", "share_enterprise", "share_batch")
SHARE_TOLERANCE = CONSTANTS["share_tolerance"].value  # the workbook's check reads the same constant
_SHARES_RULE = f"they must sum to 1 (within {SHARE_TOLERANCE:.0e})".replace("e-0", "e-")  # "1e-9", as MODEL.md


def _describe(name: str) -> str:
    return f"allowed domain of {name}: {INPUTS[name].domain.text()}"


def _shown(value: object) -> str:
    """A value as messages show it; a missing one (nan, pandas' NA) says so: a blank cell or row reads as nan."""
    missing = value != value if isinstance(value, float) else \
        value is None or type(value).__name__ in ("NAType", "NaTType")
    return f"{short(value)} (a missing value)" if missing else short(value)


def check_value(name: str, value, where: str = "") -> float | np.ndarray:
    """Return `value` as a float (scalar) or float array, or raise InputError."""
    at = f"{where}: " if where else ""
    if name not in INPUTS:
        raise InputError(f"{at}{unknown(name)}")
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        raise InputError(f"{at}{name} = {value!r} is not a number; {_describe(name)}")
    if isinstance(value, numbers.Real):  # one scenario: plain floats, no numpy
        try:
            v = float(value)
        except OverflowError:  # an int beyond the float range (a 400-digit number)
            raise InputError(f"{at}{name} = {short(value)} is too large for a number; {_describe(name)}") from None
        except TypeError:  # numpy's timedelta64 is one of its integers, yet no number of ours
            raise InputError(f"{at}{name} = {short(value)} is not a number; {_describe(name)}") from None
        if not INPUTS[name].domain.contains(v):
            raise InputError(f"{at}{name} = {_shown(v)} is outside its domain; {_describe(name)}")
        return v
    import numpy as np

    if isinstance(value, np.ma.MaskedArray) and np.ma.is_masked(value):  # asarray would read what lies under a mask
        where_ = ", ".join(str(int(k)) for k in np.argwhere(np.ma.getmaskarray(value))[0])
        raise InputError(f"{at}{name}{f'[{where_}]' if where_ else ''} is masked (a missing value); fill it or leave "
                         f"that scenario out; {_describe(name)}")
    try:
        arr = np.asarray(value)
        # a list of anything but numbers (numpy would take True in [1.2, True] for 1.0) is read element by element
        if isinstance(value, (list, tuple)) and (arr.dtype.kind not in "iuf"
                                                 or not _leaf_types(value).isdisjoint(
                                                     (bool, np.bool_, np.ndarray, np.timedelta64, np.datetime64))):
            arr = np.asarray(value, dtype=object)
    except Exception:  # ragged lists and the like
        raise InputError(f"{at}{name} = {short(value)} is not a number or array of numbers; "
                         f"{_describe(name)}") from None
    if arr.size == 0:
        raise InputError(f"{at}{name} = {short(value)} is empty: expected a number or at least one scenario's; "
                         f"{_describe(name)}")
    if arr.dtype.kind == "O":  # a list or pandas column holding objects: numbers among them, or not
        arr = _object_numbers(name, arr, at, value)
    if arr.dtype.kind not in "iuf":
        raise InputError(f"{at}{name} = {_shown(value)} is not a number; {_describe(name)}")
    arr = arr.astype(float, copy=False)
    if arr.ndim == 0:
        return check_value(name, float(arr), where)
    if INPUTS[name].domain.contains_all(arr):
        return arr
    bad = INPUTS[name].domain.violations(arr)
    idx, _ = _first_bad(bad)
    where = ", ".join(map(str, idx))  # gpu_price[2, 1], as numpy indexes it
    raise InputError(f"{at}{name}[{where}] = {_shown(float(arr[idx]))} is outside its domain; {_describe(name)}")


def _leaf_types(value: list | tuple) -> set[type]:
    """The types of the elements of a list, of nested lists' elements too (a row at a time: a million cheaply)."""
    types = set(map(type, value))
    if types.isdisjoint((list, tuple)):
        return types
    out: set[type] = set()
    for x in value:
        out |= _leaf_types(x) if isinstance(x, (list, tuple)) else {type(x)}
    return out


def _is_number(x: object) -> bool:
    """A real number, not a bool, nor a numpy value that only numpy counts as one (a time span, a 0-d array)."""
    import numpy as np

    if isinstance(x, np.generic):
        return x.dtype.kind in "iuf"
    return isinstance(x, numbers.Real) and not isinstance(x, bool)


def _too_large(x: int) -> bool:
    """An integer beyond the float range (a 400-digit int: float() overflows)."""
    try:
        float(x)
    except OverflowError:
        return True
    return False


def _object_numbers(name: str, arr: np.ndarray, at: str, value: object) -> np.ndarray:
    """An object array as floats when every element is a number (a pandas object column of numbers), else an
    InputError naming the first element that is not, and where: `pue[1] = None (a missing value) is not a number`."""
    import numpy as np

    for i, x in enumerate(arr.flat):
        if isinstance(x, (list, tuple)):  # lists of unequal lengths
            raise InputError(f"{at}{name} = {short(value)} is not a number or array of numbers; {_describe(name)}")
        if not _is_number(x):
            what = "is not a number"
        elif isinstance(x, int) and _too_large(x):
            what = "is too large for a number"
        else:
            continue
        where = ", ".join(str(int(k)) for k in np.unravel_index(i, arr.shape))  # as numpy indexes it
        raise InputError(f"{at}{name}{f'[{where}]' if arr.ndim else ''} = {_shown(x)} {what}; {_describe(name)}")
    return arr.astype(float)


def _first_bad(bad) -> tuple[tuple[int, ...], str]:
    """Index of the first True of a boolean array and its text for messages ('3', '(1, 2)'; '' if 0-d)."""
    import numpy as np

    if bad.ndim == 0:
        return (), ""
    idx = tuple(int(i) for i in np.unravel_index(int(np.argmax(bad)), bad.shape))
    return idx, index_text(idx)


def index_text(idx: tuple[int, ...]) -> str:
    """An array index as messages write it: '3' in a vector, '(1, 2)' in a grid."""
    return str(idx[0] if len(idx) == 1 else idx)


def short(value: object, width: int = 60) -> str:
    """repr for messages, cut to `width`: a 400-digit number or a huge list stays one readable line
    (and an int past Python's 4300-digit str limit does not raise)."""
    try:
        text = repr(value)
    except ValueError:
        return "<an integer of more than 4300 digits>"
    return text if len(text) <= width else text[: width - 3] + "..."


def check_cross(values: dict, where: str = "") -> None:
    """Checks spanning several inputs: arrays broadcast together; the four segment shares sum to 1 (within
    share_tolerance, 1e-9)."""
    at = f"{where}: " if where else ""
    arrays = {k: v for k, v in values.items() if not isinstance(v, float)}
    if arrays:
        import numpy as np

        try:
            np.broadcast_shapes(*(np.shape(v) for v in arrays.values()))
        except ValueError:
            shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in arrays.items())
            raise InputError(f"{at}input arrays of shapes that do not broadcast together: {shapes}; "
                             "allowed: equal shapes, or shapes numpy can broadcast") from None
    if all(isinstance(values[s], float) for s in SHARES):
        total = sum(values[s] for s in SHARES)
        if abs(total - 1) > SHARE_TOLERANCE:
            raise InputError(f"{at}segment shares {' + '.join(SHARES)} = {total!r}; {_SHARES_RULE}")
        return
    import numpy as np

    total = sum(np.asarray(values[s], dtype=float) for s in SHARES)
    bad = np.abs(total - 1) > SHARE_TOLERANCE
    if np.any(bad):
        i, text = _first_bad(bad)
        shown = float(np.asarray(total)[i])
        idx = f" at index {text}" if text else ""
        raise InputError(f"{at}segment shares {' + '.join(SHARES)} = {shown!r}{idx}; {_SHARES_RULE}")


def check_fit(effective_batch, values: dict) -> None:
    """The model must fit: effective_batch = min(batch_size, max_batch_by_memory) ≥ 1."""
    if isinstance(effective_batch, float) and effective_batch >= 1:
        return
    import numpy as np

    eb = np.asarray(effective_batch)
    bad = eb < 1
    if not np.any(bad):
        return
    # the index in the scenarios' broadcast shape, as a chunked evaluation reports it, not in effective_batch's own
    eb = np.broadcast_to(eb, np.broadcast_shapes(eb.shape, *(np.shape(v) for v in values.values())))
    bad = eb < 1
    names = ("model_params_b", "bytes_per_param", "hbm_capacity_gb", "hbm_usable_fraction", "kv_gb_per_sequence",
             "batch_size")
    idx, text = _first_bad(bad)
    at = f" at index {text}" if text else ""

    def pick(v) -> float:
        return float(np.broadcast_to(v, eb.shape)[idx])

    shown = ", ".join(f"{n}={pick(values[n]):g}" for n in names)
    raise NotFitting(f"the model does not fit in memory{at}: effective_batch = {pick(eb):g} ({shown}); "
                     "allowed: effective_batch ≥ 1 (min(batch_size, max_batch_by_memory)); "
                     "raise hbm_capacity_gb or lower model_params_b, bytes_per_param or kv_gb_per_sequence")


def named_pairs(pairs: list[str] | None, option: str, shape: str) -> Iterator[tuple[str, str]]:
    """Command-line `option name=text` pairs as (name, text): the name an input, each given once (the last one
    used to win, silently); `shape` says what a pair looks like ("name=value")."""
    given: dict[str, str] = {}
    for pair in pairs or []:
        if "=" not in pair:
            raise InputError(f"{option} {pair!r}: expected {shape}")
        name, text = (s.strip() for s in pair.split("=", 1))
        if name not in INPUTS:
            raise InputError(f"{option}: {unknown(name)}")
        if name in given:
            raise InputError(f"{option} {name}: given twice ({given[name]!r} and {pair.strip()!r}); give it once")
        given[name] = pair.strip()
        yield name, text


def parse_sets(pairs: list[str] | None) -> dict[str, float]:
    """Command-line `--set name=value` pairs as validated numbers; a bad pair raises InputError naming it."""
    out: dict[str, float] = {}
    for name, text in named_pairs(pairs, "--set", "name=value"):
        try:
            value = float(text.replace("_", ""))
        except ValueError:
            raise InputError(f"--set {name}={text!r} is not a number; allowed domain of {name}: "
                             f"{INPUTS[name].domain.text()}") from None
        out[name] = check_value(name, value, where="--set")
    return out
