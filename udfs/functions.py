"""The Excel functions of MODEL.md's UDF table, as thin wrappers over `model/`.

Every number comes from the model's own line functions (`model.OUTPUTS[name].func`,
chained by `_line` below, constants from `model.CONSTANTS`) or from `model.evaluate`;
this module only reads Excel-shaped arguments, validates them against the model's
domains and turns bad input into an Excel error. The one exception is `_sculpt_schedule`,
a private stand-in for a model function (see its docstring).

Excel shapes: a 1x1 range (or a ``[[x]]`` nested list in Python) is a scalar; a row or
a column is a vector; an empty cell is None, i.e. a missing argument. Bad arguments
raise `UDFError`, an `xlwings.XlwingsError`: xlwings Server and xlwings Lite show its
message with ``#VALUE!``; in plain Python it is an ordinary exception.
"""

import functools
import math
import numbers
import sys

import numpy as np
import xlwings
from xlwings import XlwingsError, arg, func, ret

import model
from model import graph
from model.errors import InputError
from model.lines.dscr import SCHEDULE_COLUMNS, sculpt_schedule
from model.registry import BLOCKS, INPUTS, OUTPUTS, Domain, parse_domain, suggest
from model.validate import check_value

__all__ = [
    "ARGUMENTS", "UDFError", "UDFS", "aie_breakeven_utilization", "aie_cost_per_m_tokens", "aie_debt_capacity",
    "aie_decode_tokens_per_sec", "aie_gpu_hour_cost", "aie_output", "aie_pooled_utilization", "aie_sculpt",
    "aie_wacc",
]

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
    "own_cost_per_hour": ("≥0", "$/GPU-h", "Cost to own one GPU for an hour, before any capital charge"),
    "rent_price_per_hour": ("rent_price_per_gpu_hour", "$/GPU-h", "Market rental price of a GPU-hour"),
    "aie_breakeven_utilization:gpu_price": ("≥0", "$", "Purchase price the capital charge applies to; 0 = none"),
    "capital_rate": ("cost_of_equity", "%/yr", "Cost of capital on gpu_price (WACC or cost of equity); 0 = none"),
    "cfads": ("cfads_contracted", "$/yr", "Yearly cash flow available for debt service"),
    "rate": ("base_rate", "%/yr", "Interest rate of the loan"),
    "tenor_years": ("tenor_contracted_years", "years", "Loan term"),
}

_TEXT_ARGS = {
    "output_name": "Name of a model output, e.g. total_cost_per_gpu_hour",
    "input_names": "Range of model input names to override (row, column or block); empty = none",
    "input_values": "Range of values, one per name in input_names, same order; empty = none",
}

SCULPT_HEADER = SCHEDULE_COLUMNS
EXCEL_ERRORS = ("#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!", "#SPILL!", "#CALC!",
                "#GETTING_DATA")
_REQUIRED = object()


# --------------------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------------------
def _com_error_bases(platform: str = sys.platform, on_server: bool = bool(getattr(xlwings, "on_server", False))):
    """On Windows with the classic (COM) add-in, also derive from pywin32's COMException.

    The classic add-in's generated VBA writes the COM error description into the cell;
    for an ordinary exception pywin32 makes that description the Python traceback, for a
    COMException it is exactly the message. Untested here (no Windows); harmless elsewhere.
    """
    if not platform.startswith("win") or on_server:
        return ()
    try:
        from win32com.server.exception import COMException
    except ImportError:
        return ()
    return (COMException,)


def _error_class(bases: tuple) -> type:
    """`UDFError`: an XlwingsError whose str() is the message (and, on classic Windows, a COMException)."""

    def __init__(self, message):
        for base in bases:  # COMException: description and scode for pywin32's EXCEPINFO
            base.__init__(self, description=message, scode=-2147467259)  # E_FAIL
        Exception.__init__(self, message)

    namespace = {"__init__": __init__, "__str__": lambda self: str(self.args[0]) if self.args else "",
                 "__doc__": "A bad argument of an aie_* function; the message names the argument and its domain."}
    try:
        return type("UDFError", (XlwingsError, *bases), namespace)
    except TypeError:  # incompatible layouts: fall back to a plain XlwingsError
        return type("UDFError", (XlwingsError,), namespace)


UDFError = _error_class(_com_error_bases())


def _guard(f):
    """Turn whatever goes wrong inside a UDF into a UDFError naming the function (never a traceback)."""

    @functools.wraps(f)
    def wrapper(*args):
        try:
            return f(*args)
        except UDFError:
            raise
        except InputError as e:  # the model's own bad-input error: its message names input and domain
            raise UDFError(f"{f.__name__}: {e}") from None
        except Exception as e:  # anything else still reaches Excel as a message, not a traceback
            raise UDFError(f"{f.__name__}: {type(e).__name__}: {e}") from None

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
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [c for v in value for c in _flatten(v)]
    return [value]


def _single(udf: str, name: str, value):
    """A scalar from a scalar or a one-cell range; an error for a larger range."""
    if isinstance(value, (list, tuple, np.ndarray)):
        cells = _flatten(value)
        if len(cells) != 1:
            raise UDFError(f"{udf}: {name} must be a single cell, got a range of {len(cells)} cells")
        value = cells[0]
    return value


def _describe(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"{str(bool(value)).upper()} is a logical value, not a number"
    if isinstance(value, str):
        if value.strip().upper() in EXCEL_ERRORS:
            return f"is the Excel error {value.strip().upper()}, not a number"
        return f"{value!r} is text, not a number"
    return f"{value!r} is not a number"


def _is_number(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _check(udf: str, name: str, value, label: str | None = None) -> float:
    """`value` (a cell's content, not None) as a float inside the domain of argument `name`."""
    label = label or name
    if not _is_number(value):
        what = _describe(value)
        sep = " " if what.startswith("is ") else " = "
        raise UDFError(f"{udf}: {label}{sep}{what}; {_allowed(udf, name)}")
    domain, model_input = _domain(udf, name)
    x = float(value)
    if model_input is not None:
        return check_value(model_input, x)  # the model's own check; InputError -> UDFError in _guard
    if domain.violations(np.asarray(x)).any():
        raise UDFError(f"{udf}: {label} = {x!r} is outside its domain; {_allowed(udf, name)}")
    return x


def _number(udf: str, name: str, value, default=_REQUIRED) -> float:
    """A scalar argument: a number or a one-cell range; None (empty cell) is missing."""
    value = _single(udf, name, value)
    if value is None or (isinstance(value, str) and value == ""):
        if default is _REQUIRED:
            raise UDFError(f"{udf}: {name} is missing (empty cell or omitted argument); {_allowed(udf, name)}")
        value = default
    return _check(udf, name, value)


def _vector(udf: str, name: str, value, max_len: int) -> list[float]:
    """A row or a column of numbers (a scalar counts as one); trailing empty cells are ignored."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (list, tuple)) and any(isinstance(v, (list, tuple)) for v in value):
        rows = [list(v) if isinstance(v, (list, tuple)) else [v] for v in value]
        if len(rows) > 1 and max(len(r) for r in rows) > 1:
            raise UDFError(f"{udf}: {name} must be a single row or column, got {len(rows)} rows "
                           f"x {max(len(r) for r in rows)} columns")
    cells = _flatten(value)
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    if not cells:
        raise UDFError(f"{udf}: {name} is missing (empty range or omitted argument); {_allowed(udf, name)} "
                       f"for each of 1..{max_len} years")
    if len(cells) > max_len:
        raise UDFError(f"{udf}: {name} has {len(cells)} values; allowed: 1..{max_len} years")
    out = []
    for t, c in enumerate(cells, start=1):
        label = f"{name} (year {t})"
        if c is None or c == "":
            raise UDFError(f"{udf}: {label} is empty; {_allowed(udf, name)}")
        out.append(_check(udf, name, c, label))
    return out


def _text(udf: str, name: str, value) -> str:
    value = _single(udf, name, value)
    if value is None or (isinstance(value, str) and not value.strip()):
        raise UDFError(f"{udf}: {name} is missing (empty cell or omitted argument)")
    if not isinstance(value, str):
        raise UDFError(f"{udf}: {name} = {value!r} is not text; give the name of a model output")
    if value.strip().upper() in EXCEL_ERRORS:
        raise UDFError(f"{udf}: {name} is the Excel error {value.strip().upper()}; give the name of a model output")
    return value.strip()


# --------------------------------------------------------------------------------------
# The model's line functions, chained
# --------------------------------------------------------------------------------------
def _compute(name: str, known: dict) -> float:
    """Value of output `name` from the model's line functions (`model.OUTPUTS[name].func`).

    `known` holds inputs and any outputs to take as given (e.g. ``effective_batch`` set to
    the batch size, which bypasses the memory cap); every other output `name` reads is
    computed from its own line function; constants come from `model.CONSTANTS`. Values
    enter as numpy floats under the same errstate as in `model.compute`, so that the lines'
    numpy guards (e.g. the annuity factor at a zero rate) behave the same.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = graph.solve(name, {k: np.float64(v) for k, v in known.items()})
    return float(np.asarray(value, dtype=float))


# --------------------------------------------------------------------------------------
# Registration with xlwings: argument docs from the registry, errors as messages
# --------------------------------------------------------------------------------------
class ExcelNumber(xlwings.conversion.Converter):
    """Return converter: an undefined result (nan) shows as #N/A, an infinite one as #NUM!.

    Python callers still get the float; only the value written to Excel changes.
    """

    @staticmethod
    def write_value(value, options):
        if isinstance(value, float) and math.isnan(value):
            return "#N/A"
        if isinstance(value, float) and math.isinf(value):
            return "#NUM!"
        return value


def _arg_doc(udf: str, name: str) -> str:
    if name in _TEXT_ARGS:
        return _TEXT_ARGS[name]
    spec = ARGUMENTS.get(f"{udf}:{name}") or ARGUMENTS.get(name)
    if spec is not None:
        _, unit, description = spec
    else:
        description, unit = INPUTS[name].description, INPUTS[name].unit
    return f"{description} ({unit}); allowed: {_domain(udf, name)[0].text()}"


def _udf(scalar: bool = True):
    """Register an aie_* function with xlwings (`func`, `arg`, `ret`) behind `_guard`.

    Each argument gets its description (shown in Excel's function wizard) from the model
    registry or ARGUMENTS, and ``err_to_str=True`` so that an error cell arrives as its
    text (``'#DIV/0!'``) and is reported, not mistaken for an empty cell.
    """

    def register(f):
        g = _guard(f)
        for name in f.__code__.co_varnames[:f.__code__.co_argcount]:
            g = arg(name, doc=_arg_doc(f.__name__, name), err_to_str=True)(g)
        if scalar:
            g = ret(convert=ExcelNumber)(g)
        return func(g)

    return register


# --------------------------------------------------------------------------------------
# The UDFs
# --------------------------------------------------------------------------------------
@_udf()
def aie_gpu_hour_cost(gpu_price, depreciation_years, gpu_power_kw, pue, power_price_kwh, dc_rate_kw_month,
                      network_capex_per_gpu, network_life_years, ops_per_gpu_hour):
    """Total cost of one GPU-hour, $ (total_cost_per_gpu_hour): capex + power + data center + network + operations."""
    udf = "aie_gpu_hour_cost"
    known = {n: _number(udf, n, v) for n, v in zip(
        ("gpu_price", "depreciation_years", "gpu_power_kw", "pue", "power_price_kwh", "dc_rate_kw_month",
         "network_capex_per_gpu", "network_life_years", "ops_per_gpu_hour"),
        (gpu_price, depreciation_years, gpu_power_kw, pue, power_price_kwh, dc_rate_kw_month,
         network_capex_per_gpu, network_life_years, ops_per_gpu_hour), strict=True)}
    return _compute("total_cost_per_gpu_hour", known)


@_udf()
def aie_cost_per_m_tokens(hourly_cost, tokens_per_sec, utilization):
    """Cost of a million tokens, $: hourly_cost * 1e6 / (tokens_per_sec * 3600 * utilization)."""
    udf = "aie_cost_per_m_tokens"
    known = {
        "replica_cost_per_hour": _number(udf, "hourly_cost", hourly_cost),
        "decode_tokens_per_sec": _number(udf, "tokens_per_sec", tokens_per_sec),
        "serving_utilization": _number(udf, "utilization", utilization),
    }
    return _compute("cost_per_m_output_tokens", known)


@_udf()
def aie_decode_tokens_per_sec(model_params_b, bytes_per_param, gpus, batch_size, kv_gb_per_sequence,
                              hbm_bandwidth_tb_s, memory_efficiency, peak_tflops, mfu):
    """Decode tokens/s of one replica of `gpus` GPUs at `batch_size` (roofline, batch not capped by memory)."""
    udf = "aie_decode_tokens_per_sec"
    names = ("model_params_b", "bytes_per_param", "gpus", "batch_size", "kv_gb_per_sequence", "hbm_bandwidth_tb_s",
             "memory_efficiency", "peak_tflops", "mfu")
    v = {n: _number(udf, n, x) for n, x in zip(names, (
        model_params_b, bytes_per_param, gpus, batch_size, kv_gb_per_sequence, hbm_bandwidth_tb_s,
        memory_efficiency, peak_tflops, mfu), strict=True)}
    known = {**{n: v[n] for n in names if n not in ("gpus", "batch_size")},
             "gpus_per_replica": v["gpus"], "effective_batch": v["batch_size"],
             "measured_decode_tokens_per_sec": 0.0, "optimization_multiplier": 1.0}
    return _compute("decode_tokens_per_sec", known)


@_udf()
def aie_breakeven_utilization(own_cost_per_hour, rent_price_per_hour, gpu_price=0, capital_rate=0):
    """Utilization above which owning beats renting: (own_cost_per_hour + gpu_price * capital_rate / 8760) / rent."""
    udf = "aie_breakeven_utilization"
    known = {
        "buy_cost_per_hour": _number(udf, "own_cost_per_hour", own_cost_per_hour),
        "rent_price_per_gpu_hour": _number(udf, "rent_price_per_hour", rent_price_per_hour),
        "buy_gpu_price": _number(udf, "gpu_price", gpu_price, default=0.0),
        "wacc": _number(udf, "capital_rate", capital_rate, default=0.0),
    }
    return _compute("breakeven_utilization_wacc", known)


@_udf()
def aie_pooled_utilization(customers, demand_cv, service_z, demand_correlation=0.01):
    """Utilization a pooled fleet reaches (pooled_utilization): 1 / (1 + z * cv * sqrt((1 + (n - 1) * rho) / n))."""
    udf = "aie_pooled_utilization"
    known = {
        "customers": _number(udf, "customers", customers),
        "demand_cv": _number(udf, "demand_cv", demand_cv),
        "service_z": _number(udf, "service_z", service_z),
        "demand_correlation": _number(udf, "demand_correlation", demand_correlation, default=0.01),
    }
    return _compute("pooled_utilization", known)


@_udf()
def aie_debt_capacity(cfads, target_dscr, rate, tenor_years):
    """Debt a level CFADS supports: cfads / target_dscr * annuity factor(rate, tenor_years), $."""
    udf = "aie_debt_capacity"
    known = {
        "cfads_contracted": _number(udf, "cfads", cfads),
        "target_dscr": _number(udf, "target_dscr", target_dscr),
        "rate_contracted": _number(udf, "rate", rate),
        "tenor_contracted_years": _number(udf, "tenor_years", tenor_years),
    }
    return _compute("debt_capacity_contracted", known)


@_udf(scalar=False)
def aie_sculpt(cfads, target_dscr, rate):
    """Debt sculpted to target_dscr for a row or column of yearly CFADS: a table with a header row
    (year, cfads, debt_service, opening, interest, principal, closing), one row per year."""
    udf = "aie_sculpt"
    flows = _vector(udf, "cfads", cfads, BLOCKS["sculpting"].years)
    rows = sculpt_schedule(flows, _number(udf, "target_dscr", target_dscr), _number(udf, "rate", rate))
    body = [[float(rows[k][i]) for k in SCULPT_HEADER] for i in range(len(flows))]
    return [list(SCULPT_HEADER), *body]


@_udf()
def aie_wacc(equity_share, cost_of_equity, cost_of_debt, tax_rate):
    """Weighted average cost of capital (wacc_from_structure): E * coe + (1 - E) * cod * (1 - tax)."""
    udf = "aie_wacc"
    known = {n: _number(udf, n, v) for n, v in zip(
        ("equity_share", "cost_of_equity", "cost_of_debt", "tax_rate"),
        (equity_share, cost_of_equity, cost_of_debt, tax_rate), strict=True)}
    return _compute("wacc_from_structure", known)


def _overrides(udf: str, input_names, input_values) -> dict[str, float]:
    """Pairs of (input name, value) from two ranges of any shape, read in the same order."""
    names = [] if input_names is None else _flatten(input_names)
    values = [] if input_values is None else _flatten(input_values)
    if len(names) != len(values):
        raise UDFError(f"{udf}: input_names has {len(names)} cells but input_values has {len(values)}; "
                       "give one value per name")
    out: dict[str, float] = {}
    for i, (n, v) in enumerate(zip(names, values, strict=True), start=1):
        blank_n, blank_v = n is None or (isinstance(n, str) and not n.strip()), v is None or v == ""
        if blank_n and blank_v:
            continue
        if blank_n:
            raise UDFError(f"{udf}: input_names cell {i} is empty but its value is {v!r}")
        if not isinstance(n, str):
            raise UDFError(f"{udf}: input_names cell {i} = {n!r} is not text; give the name of a model input")
        name = n.strip()
        if name not in INPUTS and name.lower() in INPUTS:
            name = name.lower()
        if name not in INPUTS:
            extra = " (it is an output, not an input)" if name in OUTPUTS else suggest(name)
            raise UDFError(f"{udf}: unknown input {name!r}{extra}")
        if name in out:
            raise UDFError(f"{udf}: input {name!r} is given twice")
        if blank_v:
            raise UDFError(f"{udf}: the value for {name} is missing (empty cell); "
                           f"allowed domain of {name}: {INPUTS[name].domain.text()}")
        if not _is_number(v):
            what = _describe(v)
            sep = " " if what.startswith("is ") else " = "
            raise UDFError(f"{udf}: {name}{sep}{what}; allowed domain of {name}: {INPUTS[name].domain.text()}")
        out[name] = float(v)
    return out


@_udf()
def aie_output(output_name, input_names=None, input_values=None):
    """Any output of the model, from the seed template with the inputs named in input_names set to input_values."""
    udf = "aie_output"
    name = _text(udf, "output_name", output_name)
    if name not in OUTPUTS and name.lower() in OUTPUTS:
        name = name.lower()
    if name not in OUTPUTS:
        extra = " (it is an input, not an output)" if name in INPUTS else suggest(name)
        raise UDFError(f"{udf}: unknown output {name!r}{extra}")
    result = model.evaluate(_overrides(udf, input_names, input_values))
    return float(result[name])


UDFS = ("aie_gpu_hour_cost", "aie_cost_per_m_tokens", "aie_decode_tokens_per_sec", "aie_breakeven_utilization",
        "aie_pooled_utilization", "aie_debt_capacity", "aie_sculpt", "aie_wacc", "aie_output")
