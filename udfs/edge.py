"""Excel's side of the UDFs: argument shapes, domains, error values, and registration with xlwings.

The functions themselves are in `udfs.functions`; this module reads Excel-shaped arguments,
validates them against the model's domains and turns bad input into an Excel error.

Excel shapes: a 1x1 range (or a ``[[x]]`` nested list in Python) is a scalar; a row or
a column is a vector; an empty cell is None, i.e. a missing argument.

Errors. In plain Python a bad argument raises `UDFError` (an `xlwings.XlwingsError`).
Inside Excel every runtime gets a real error value:

* xlwings Server and xlwings Lite: the raised `UDFError` becomes ``#VALUE!`` with the
  message as its tooltip; an undefined result (nan) is written as ``#N/A``.
* classic add-in (Windows, COM): the classic VBA wrapper would write an exception's
  *text* into the cell, so when the call comes from xlwings' classic ``call_udf`` the
  function returns an `ExcelError` instead of raising, and the return converter hands
  COM a ``VT_ERROR`` variant (``#VALUE!``, ``#N/A``, ``#NUM!``). Without pywin32 (no
  classic add-in can run there) it falls back to raising.

No pandas, scipy, openpyxl, XlsxWriter, formulas or matplotlib is imported here (xlwings
itself imports pandas and matplotlib when they are installed; see udfs/README.md).
"""

from __future__ import annotations

import functools
import math
import numbers
import os
import re
import sys
from typing import Literal

try:
    import xlwings
except ModuleNotFoundError as exc:  # the model works without it; the Excel functions do not
    if exc.name != "xlwings":
        raise
    from model.errors import needs_extra

    raise ModuleNotFoundError(needs_extra("the Excel functions (udfs)", "xlwings", "udfs"), name="xlwings") from None
from xlwings import XlwingsError, arg, func, ret

import model
from model.errors import InputError
from model.lines.dscr import SCHEDULE_COLUMNS
from model.registry import INPUTS, OUTPUTS, Domain, parse_domain, unknown
from model.validate import check_value, short

CATEGORY = "AI inference economics"


def _no_pyodide_probe_per_cell() -> None:
    """Outside Pyodide no value is a JsNull, yet xlwings 0.37's `utils.is_jsnull` tries
    `from pyodide.ffi import JsNull` for every argument cell, and a failed import is not cached (~90 µs a
    cell: a 10,000-row AIE_EVALUATE spent 40× longer there than in the model). Where pyodide is absent,
    answer False at once; under Pyodide (xlwings Lite) xlwings' own check stays."""
    import importlib.util

    import xlwings.utils as xw_utils

    if importlib.util.find_spec("pyodide") is None and hasattr(xw_utils, "is_jsnull"):
        xw_utils.is_jsnull = lambda value: False


_no_pyodide_probe_per_cell()
# The generated model reference; no public URL is known, so a path relative to the repository.
# Office.js wants an absolute URL: set AIE_UDF_HELP_URL before the functions are registered.
HELP_URL = os.environ.get("AIE_UDF_HELP_URL", "docs/model.md")

# --------------------------------------------------------------------------------------
# Domains of the arguments that are not model inputs (or whose domain differs from the
# input of the same name): name -> (domain, unit, description). The domain is either the
# name of a model input whose domain the argument shares, or MODEL.md's notation parsed
# by model.registry.parse_domain. A key "udf:arg" applies to that one function only.
# Arguments named like a model input and not listed here use that input's domain.
# --------------------------------------------------------------------------------------
ARGUMENTS: dict[str, tuple[str, str, str]] = {
    "hourly_cost": ("≥0", "$/h", "Cost of the replica (or GPU) per hour"),
    "tokens_per_sec": (">0", "tokens/s", "Tokens produced per second"),
    "utilization": ("serving_utilization", "%", "Share of time doing useful work"),
    "gpus": ("integer 1..4096", "GPUs", "GPUs that hold one copy of the model (a replica)"),
    "aie_decode_tokens_per_sec:hbm_capacity_gb": (
        "hbm_capacity_gb", "GB", "Memory per GPU, for the fit check only (empty = no check: MODEL.md's nine arguments)"),
    "own_cost_per_hour": ("≥0", "$/GPU-h", "Cost to own one GPU for an hour, before any capital charge"),
    "rent_price_per_hour": ("rental_price_per_gpu_hour", "$/GPU-h", "Market rental price of a GPU-hour"),
    "aie_breakeven_utilization:gpu_price": ("≥0", "$", "Purchase price the capital charge applies to; 0 = none"),
    "capital_rate": ("cost_of_equity", "%/yr", "Cost of capital on gpu_price (WACC or cost of equity); 0 = none"),
    "cfads": ("cfads_contracted", "$/yr", "Yearly cash flow available for debt service"),
    # the model's loan rates are base_rate + a spread, each at most 1 (MODEL.md F2): up to 2
    "rate": ("[0,2]", "%/yr", "Interest rate of the loan (base rate + spread)"),
    "tenor_years": ("tenor_contracted_years", "years", "Loan term"),
}

_TEXT_ARGS = {
    "output_name": "Name of a model output, e.g. total_cost_per_gpu_hour",
    "output_names": "A row or column of model output names",
    "inputs_table": "A table: a header row of input names, then one scenario per row",
    "input_names": "Range of model input names to override (row, column or block); empty = none",
    "input_values": "Range of values, one per name in input_names, same order; empty = none",
    "template": "A bundled template: " + ", ".join(model.bundled()) + " (empty = seed)",
    "headers": "TRUE (default) to include the header row and column, FALSE for numbers only",
}

SCULPT_HEADER = SCHEDULE_COLUMNS
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
                "#GETTING_DATA", "#BUSY!", "#FIELD!", "#BLOCKED!", "#CONNECT!", "#UNKNOWN!", "#PYTHON!",
                "#EXTERNAL!")  # Office.js sends the newer ones as their text too
# Excel's error codes as COM reports them (VT_ERROR scodes; xlwings._xlwindows.cell_errors)
COM_ERRORS = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
              "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}
_REQUIRED = object()
_TEMPLATES = tuple(model.bundled())

# Autocomplete in xlwings Server / Lite (Office.js enums)
OutputName = Literal[tuple(OUTPUTS)]  # type: ignore[valid-type]
TemplateName = Literal[_TEMPLATES]  # type: ignore[valid-type]
ENUM_ANNOTATIONS = ("OutputName", "TemplateName")  # as the annotations read (postponed: text)


def _enums_supported() -> bool:
    """Literal arguments become Office.js enums in xlwings Server and Lite from xlwings 0.35.3. Classic
    xlwings (and Office.js xlwings before 0.35.3) takes the annotation for a converter, and every call
    then fails reading that argument (AttributeError: reader): there, the functions carry no enums."""
    if getattr(func, "__module__", "") == "xlwings.udfs":  # the classic add-in's decorators
        return False
    digits = [int(d) for d in re.findall(r"\d+", xlwings.__version__)[:3]]
    return not digits or tuple(digits) >= (0, 35, 3)


ENUMS = _enums_supported()


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
class UDFError(XlwingsError):
    """A bad argument of an aie_* function; the message names the function, the argument and its domain."""

    def __str__(self):
        return str(self.args[0]) if self.args else ""


class ExcelError:
    """An Excel error value (``#VALUE!``, ``#N/A``, ``#NUM!``) with the message that explains it.

    Returned (not raised) to xlwings' classic add-in, whose return converter writes it as a
    COM ``VT_ERROR`` variant; server and Lite get the error text, which they turn into an error."""

    __slots__ = ("code", "message")

    def __init__(self, code: str, message: str = ""):
        self.code, self.message = code, message

    def __repr__(self):
        return f"ExcelError({self.code!r}, {self.message!r})"

    def __eq__(self, other):
        return isinstance(other, ExcelError) and other.code == self.code


def _com_error(code: str):
    """pywin32's VT_ERROR variant for `code`, or None without pywin32 (not Windows)."""
    try:
        import pythoncom
        from win32com.client import VARIANT
    except ImportError:
        return None
    return VARIANT(pythoncom.VT_ERROR, COM_ERRORS.get(code, COM_ERRORS["#VALUE!"]))


def _from_classic_addin() -> bool:
    """Whether this call comes from xlwings' classic add-in (`xlwings.udfs.call_udf`)."""
    frame = sys._getframe(2)
    for _ in range(8):
        if frame is None:
            return False
        if frame.f_code.co_name == "call_udf" and frame.f_globals.get("__name__") == "xlwings.udfs":
            return True
        frame = frame.f_back
    return False


def _excel_cell(value, classic: bool):
    """One result cell as Excel should get it: nan -> #N/A, ±inf -> #NUM!, ExcelError -> its error."""
    if isinstance(value, float):
        if math.isnan(value):
            value = ExcelError("#N/A")
        elif math.isinf(value):
            value = ExcelError("#NUM!")
    if isinstance(value, ExcelError):
        if classic:
            com = _com_error(value.code)
            return value.code if com is None else com
        return value.code
    return value


class ExcelValue(xlwings.conversion.Converter):
    """Return converter (the Excel path only; Python callers get floats, nan and lists).

    Office.js (xlwings Server, Lite) passes ``runtime`` in the options and turns error text into
    error values; classic gets pywin32 VT_ERROR variants."""

    @staticmethod
    def write_value(value, options):
        classic = "runtime" not in options
        if isinstance(value, list):
            return [[_excel_cell(c, classic) for c in row] for row in value]
        return _excel_cell(value, classic)


def _guard(f):
    """Turn whatever goes wrong inside a UDF into a UDFError naming the function (never a traceback);
    for the classic add-in, an ExcelError returned instead (its VBA would print a raised error as text)."""

    @functools.wraps(f)
    def wrapper(*args, **kwargs):  # Excel passes positions; Python callers may name arguments
        try:
            return f(*args, **kwargs)
        except Exception as e:
            if isinstance(e, UDFError):
                err = e
            elif isinstance(e, InputError):  # the model's own bad-input error: its message names input and domain
                err = UDFError(f"{f.__name__}: {e}")
            else:  # anything else still reaches Excel as a message, not a traceback
                err = UDFError(f"{f.__name__}: {type(e).__name__}: {e}")
            if _from_classic_addin() and _com_error("#VALUE!") is not None:
                return ExcelError("#VALUE!", str(err))
            raise err from None

    return wrapper


# --------------------------------------------------------------------------------------
# Argument reading
# --------------------------------------------------------------------------------------
def _domain(udf: str, name: str) -> tuple[Domain, str | None]:
    """The domain of argument `name` of `udf`, and the model input whose check applies (if any)."""
    spec = ARGUMENTS.get(f"{udf}:{name}") or ARGUMENTS.get(name)
    if spec is None:
        return INPUTS[name].domain, name
    ref = spec[0]
    return (INPUTS[ref].domain, None) if ref in INPUTS else (parse_domain(ref), None)


def _allowed(udf: str, name: str) -> str:
    return f"allowed domain of {name}: {_domain(udf, name)[0].text()}"


def _flatten(value) -> list:
    """Cells of a range (nested lists/tuples/arrays, any depth) in row-major order."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in _flatten(v)]
    return [value]


def _rows(value) -> list[list]:
    """A range as a list of rows (a scalar is 1x1; a flat list is a column)."""
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        return [[value]]
    return [list(v) if isinstance(v, (list, tuple)) else [v] for v in value]


def _single(udf: str, name: str, value):
    """A scalar from a scalar or a one-cell range; an error for a larger range."""
    if isinstance(value, (list, tuple)) or hasattr(value, "tolist"):
        cells = _flatten(value)
        if len(cells) != 1:
            raise UDFError(f"{udf}: {name} must be a single cell, got a range of {len(cells)} cells")
        value = cells[0]
    return value


def _blank(value) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _is_bool(value) -> bool:
    return isinstance(value, bool) or type(value).__name__ == "bool_"


def _shown(value) -> str:
    """A cell's value as Excel shows it in a message: TRUE/FALSE for logical values, else repr."""
    return str(bool(value)).upper() if _is_bool(value) else repr(value)


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not _is_bool(value)


def _describe(value) -> str:
    if _is_bool(value):
        return f"{str(bool(value)).upper()} is a logical value, not a number"
    if isinstance(value, str):
        if value.strip().upper() in EXCEL_ERRORS:
            return f"is the Excel error {value.strip().upper()}, not a number"
        return f"{value!r} is text, not a number"
    return f"{value!r} is not a number"


def _not_number(label: str, value, allowed: str) -> UDFError:
    what = _describe(value)
    sep = " " if what.startswith("is ") else " = "
    return UDFError(f"{label}{sep}{what}; {allowed}")


def _float(label: str, value, allowed: str) -> float:
    """A number's float; an integer beyond the float range (only Python passes one) -> a UDFError saying so."""
    try:
        return float(value)
    except OverflowError:
        raise UDFError(f"{label} = {short(value)} is beyond the range of a number; {allowed}") from None


def _check(udf: str, name: str, value, label: str | None = None) -> float:
    """`value` (a cell's content, not None) as a float inside the domain of argument `name`."""
    label = label or name
    if not _is_number(value):
        raise _not_number(f"{udf}: {label}", value, _allowed(udf, name))
    domain, model_input = _domain(udf, name)
    x = _float(f"{udf}: {label}", value, _allowed(udf, name))
    if model_input is not None:
        return check_value(model_input, x)  # the model's own check; InputError -> UDFError in _guard
    if not domain.contains(x):
        raise UDFError(f"{udf}: {label} = {x!r} is outside its domain; {_allowed(udf, name)}")
    return x


def _number(udf: str, name: str, value, default=_REQUIRED) -> float | None:
    """A scalar argument: a number or a one-cell range; None (empty cell) is missing: an error, or `default`
    (None: an optional argument left out, returned as None)."""
    value = _single(udf, name, value)
    if _blank(value):
        if default is _REQUIRED:
            raise UDFError(f"{udf}: {name} is missing (empty cell or omitted argument); {_allowed(udf, name)}")
        if default is None:
            return None
        value = default
    return _check(udf, name, value)


def _flag(udf: str, name: str, value, default: bool) -> bool:
    value = _single(udf, name, value)
    if _blank(value):
        return default
    if _is_bool(value):
        return bool(value)
    if _is_number(value) and float(value) in (0.0, 1.0):
        return bool(value)
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise UDFError(f"{udf}: {name} is the Excel error {value.strip().upper()}; give TRUE or FALSE")
    raise UDFError(f"{udf}: {name} = {value!r} is not TRUE or FALSE")


def _vector(udf: str, name: str, value, max_len: int) -> tuple[list[float], bool]:
    """A row or a column of numbers (a scalar counts as one); trailing empty cells are ignored.
    Also says whether it was a row (years across columns)."""
    rows = _rows(value)
    across = len(rows) == 1 and len(rows[0]) > 1
    if len(rows) > 1 and max(len(r) for r in rows) > 1:
        raise UDFError(f"{udf}: {name} must be a single row or column, got {len(rows)} rows "
                       f"x {max(len(r) for r in rows)} columns")
    cells = _flatten(rows)
    while cells and _blank(cells[-1]):
        cells.pop()
    if not cells:
        raise UDFError(f"{udf}: {name} is missing (empty range or omitted argument); {_allowed(udf, name)} "
                       f"for each of 1..{max_len} years")
    if len(cells) > max_len:
        raise UDFError(f"{udf}: {name} has {len(cells)} values; allowed: 1..{max_len} years")
    out = []
    for t, c in enumerate(cells, start=1):
        label = f"{name} (year {t})"
        if _blank(c):
            raise UDFError(f"{udf}: {label} is empty; {_allowed(udf, name)}")
        out.append(_check(udf, name, c, label))
    return out, across


def _text(udf: str, name: str, value, what: str = "model output") -> str:
    value = _single(udf, name, value)
    if _blank(value):
        raise UDFError(f"{udf}: {name} is missing (empty cell or omitted argument)")
    if not isinstance(value, str):
        raise UDFError(f"{udf}: {name} = {_shown(value)} is not text; give the name of a {what}")
    if value.strip().upper() in EXCEL_ERRORS:
        raise UDFError(f"{udf}: {name} is the Excel error {value.strip().upper()}; give the name of a {what}")
    return value.strip()


def _model_name(udf: str, name: object, label: str, kind: str) -> str:
    """A cell naming a model `kind` ("input" or "output"): text, not an Excel error, a known name (any case)."""
    names = OUTPUTS if kind == "output" else INPUTS
    if not isinstance(name, str) or _blank(name):
        raise UDFError(f"{udf}: {label} = {_shown(name)} is not text; give the name of a model {kind}")
    if name.strip().upper() in EXCEL_ERRORS:
        raise UDFError(f"{udf}: {label} is the Excel error {name.strip().upper()}; give the name of a model {kind}")
    n = name.strip()
    if n not in names and n.lower() in names:
        n = n.lower()
    if n not in names:
        raise UDFError(f"{udf}: {unknown(n, kind)}")
    return n


def _output_name(udf: str, name: object, label: str = "output_name") -> str:
    return _model_name(udf, name, label, "output")


def _input_name(udf: str, name: object, label: str) -> str:
    return _model_name(udf, name, label, "input")


def _template(udf: str, value) -> str:
    value = _single(udf, "template", value)
    if _blank(value):
        return "seed"
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise UDFError(f"{udf}: template is the Excel error {value.strip().upper()}; allowed: {', '.join(_TEMPLATES)}")
    if not isinstance(value, str) or value.strip().lower() not in _TEMPLATES:
        raise UDFError(f"{udf}: template = {_shown(value)} is not a bundled template; allowed: {', '.join(_TEMPLATES)}")
    return value.strip().lower()


def _cells(n: int) -> str:
    return f"{n} cell" + ("" if n == 1 else "s")


def _overrides(udf: str, input_names, input_values) -> dict[str, float]:
    """Pairs of (input name, value) from two ranges of any shape, read in the same order."""
    names = [] if input_names is None else _flatten(input_names)
    values = [] if input_values is None else _flatten(input_values)
    # xlwings passes a one-cell range that is empty as None: a missing value (or name), not a missing range
    if input_values is None and len(names) == 1:
        values = [None]
    if input_names is None and len(values) == 1:
        names = [None]
    if len(names) != len(values):
        raise UDFError(f"{udf}: input_names has {_cells(len(names))} but input_values has {_cells(len(values))}; "
                       "give one value per name")
    out: dict[str, float] = {}
    for i, (n, v) in enumerate(zip(names, values, strict=True), start=1):
        if _blank(n) and _blank(v):
            continue
        if _blank(n):
            raise UDFError(f"{udf}: input_names cell {i} is empty but its value is {v!r}")
        name = _input_name(udf, n, f"input_names cell {i}")
        if name in out:
            raise UDFError(f"{udf}: input {name!r} is given twice")
        allowed = f"allowed domain of {name}: {INPUTS[name].domain.text()}"
        if _blank(v):
            raise UDFError(f"{udf}: the value for {name} is missing (empty cell); {allowed}")
        if not _is_number(v):
            raise _not_number(f"{udf}: {name}", v, allowed)
        out[name] = _float(f"{udf}: {name}", v, allowed)
    return out


# --------------------------------------------------------------------------------------
# Registration with xlwings: argument docs from the registry, errors as error values
# --------------------------------------------------------------------------------------
def _arg_doc(udf: str, name: str) -> str:
    if name in _TEXT_ARGS:
        return _TEXT_ARGS[name]
    spec = ARGUMENTS.get(f"{udf}:{name}") or ARGUMENTS.get(name)
    if spec is not None:
        _, unit, description = spec
    else:
        description, unit = INPUTS[name].description, INPUTS[name].unit
    return f"{description} ({unit}); allowed: {_domain(udf, name)[0].text()}"


_TWO_D = {"cfads", "inputs_table"}


_REGISTERED: list[str] = []


def _udf(f):
    """Register an aie_* function with xlwings (`func`, `arg`, `ret`) behind `_guard`, and in UDFS (so `udfs`,
    `aie_udfs` and `from udfs import *` export it: the decorator is the only list a new UDF joins).

    Excel name upper-case (AIE_OUTPUT), the category, the help URL, cached and not volatile;
    each argument gets its description (Excel's function wizard) from the model registry or
    ARGUMENTS, and ``err_to_str=True`` so that an error cell arrives as its text (``'#DIV/0!'``)
    and is reported, not mistaken for an empty cell."""
    g = _guard(f)
    g.__doc__ = " ".join((f.__doc__ or "").split())  # Excel's description is one line (read at the first decorator)
    if not ENUMS:
        g.__annotations__ = {k: v for k, v in g.__annotations__.items() if v not in ENUM_ANNOTATIONS}
    for name in f.__code__.co_varnames[:f.__code__.co_argcount]:
        shape = {"ndim": 2} if name in _TWO_D else {}  # keep a row a row (xlwings would flatten it)
        g = arg(name, doc=_arg_doc(f.__name__, name), err_to_str=True, **shape)(g)
    g = ret(convert=ExcelValue)(g)
    if f.__name__ not in _REGISTERED:  # a reload of udfs.functions registers the same names again
        _REGISTERED.append(f.__name__)
    return func(name=f.__name__.upper(), category=CATEGORY, help_url=HELP_URL, volatile=False, cache=True)(g)
