"""Excel functions (UDFs) for the AI inference economics model, through xlwings.

``UDF_MODULES = "udfs"`` (classic add-in) or ``from udfs import *`` (xlwings Lite,
xlwings Server) registers the nine functions of MODEL.md's UDF table; each is a thin
wrapper over `model/`. See udfs/README.md.
"""

from .functions import (
    ARGUMENTS,
    UDFS,
    UDFError,
    aie_breakeven_utilization,
    aie_cost_per_m_tokens,
    aie_debt_capacity,
    aie_decode_tokens_per_sec,
    aie_gpu_hour_cost,
    aie_output,
    aie_pooled_utilization,
    aie_sculpt,
    aie_wacc,
)

__all__ = [
    "ARGUMENTS", "UDFS", "UDFError", "aie_breakeven_utilization", "aie_cost_per_m_tokens", "aie_debt_capacity",
    "aie_decode_tokens_per_sec", "aie_gpu_hour_cost", "aie_output", "aie_pooled_utilization", "aie_sculpt",
    "aie_wacc",
]
