"""Entry module of the classic xlwings add-in: set UDF Modules to ``aie_udfs`` (no ``.py``).

A uniquely named top-level module, so that a ``model.py`` or ``udfs.py`` beside a workbook
cannot shadow it. Classic xlwings names each Excel function after ``__xlfunc__["name"]``
and finds it with ``getattr(module, name)``; this module therefore exposes every function
of `udfs` under its upper-case Excel name (``AIE_OUTPUT``), so the classic function wizard
shows the same names as xlwings Server and Lite. xlwings Server and Lite use
``from udfs import *`` instead (their decorators already carry the upper-case name).
"""

import copy
import functools

import udfs as _udfs

__all__ = list(_udfs.EXCEL_NAMES.values())


def _classic(f):
    @functools.wraps(f)
    def call(*args):
        return f(*args)

    call.__name__ = call.__qualname__ = _udfs.EXCEL_NAMES[f.__name__]
    if hasattr(f, "__xlfunc__"):  # registered (Windows classic, or server mode); elsewhere xlwings' decorators are no-ops
        call.__xlfunc__ = copy.deepcopy(f.__xlfunc__)  # its own metadata, not the lower-case function's
        call.__xlfunc__["name"] = call.__name__
    return call


for _name in _udfs.UDFS:
    globals()[_udfs.EXCEL_NAMES[_name]] = _classic(getattr(_udfs, _name))
del _name
