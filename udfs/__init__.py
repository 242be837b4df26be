"""Excel functions (UDFs) for the AI inference economics model, through xlwings.

``from udfs import *`` (xlwings Lite, xlwings Server's ``custom_functions``) registers the
functions of MODEL.md's UDF table; the classic add-in uses the entry module ``aie_udfs``
(UDF Modules = aie_udfs). Each is a thin wrapper over `model/`. See udfs/README.md.
"""

from .functions import (
    ARGUMENTS,
    CATEGORY,
    EXCEL_NAMES,
    HELP_URL,
    UDFS,
    ExcelError,
    UDFError,
    aie_breakeven_utilization,
    aie_cost_per_m_tokens,
    aie_debt_capacity,
    aie_decode_tokens_per_sec,
    aie_evaluate,
    aie_gpu_hour_cost,
    aie_inputs,
    aie_output,
    aie_outputs,
    aie_pooled_utilization,
    aie_project,
    aie_sculpt,
    aie_templates,
    aie_wacc,
)

__all__ = [
    "ARGUMENTS", "CATEGORY", "EXCEL_NAMES", "HELP_URL", "UDFS", "ExcelError", "UDFError",
    "aie_breakeven_utilization", "aie_cost_per_m_tokens", "aie_debt_capacity", "aie_decode_tokens_per_sec",
    "aie_evaluate", "aie_gpu_hour_cost", "aie_inputs", "aie_output", "aie_outputs", "aie_pooled_utilization",
    "aie_project", "aie_sculpt", "aie_templates", "aie_wacc",
]
