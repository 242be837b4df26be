"""Excel functions (UDFs) for the AI inference economics model, through xlwings.

``from udfs import *`` (xlwings Lite, xlwings Server's ``custom_functions``) registers the
functions of MODEL.md's UDF table; the classic add-in uses the entry module ``aie_udfs``
(UDF Modules = aie_udfs). Each is a thin wrapper over `model/`. See udfs/README.md.
"""

from . import functions as _functions
from .edge import ARGUMENTS, CATEGORY, HELP_URL, ExcelError, UDFError
from .functions import EXCEL_NAMES, UDFS

# Every function registered by `@_udf` (udfs/edge.py) in udfs/functions.py, under its name: the decorator is the
# one list of UDFs.
globals().update({_name: getattr(_functions, _name) for _name in UDFS})

__all__ = ["ARGUMENTS", "CATEGORY", "EXCEL_NAMES", "HELP_URL", "UDFS", "ExcelError", "UDFError", *UDFS]
