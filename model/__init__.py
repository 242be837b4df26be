"""The economics of AI inference: the reference model of MODEL.md in plain Python.

>>> import model
>>> round(model.evaluate()["total_cost_per_gpu_hour"], 4)
1.3235
>>> round(model.evaluate()["project_irr"], 4)
0.0923
"""

from . import checks as _checks  # noqa: F401  (registers the checks)
from . import inputs as _inputs  # noqa: F401  (registers the inputs)
from .core import (
    ORDER,
    compute,
    evaluate,
    project_schedule,
    reserved_contract_schedule,
    resolve_inputs,
    sculpting_schedule,
)
from .errors import InputError, NotFitting
from .registry import BLOCKS, CONSTANTS, INPUTS, OUTPUTS, SECTIONS
from .templates import Template, bundled, load


def __getattr__(name: str):
    """`model.sweeps` after `import model` (imported on first use: it needs pandas, the sweeps extra)."""
    if name == "sweeps":
        import importlib

        return importlib.import_module(".sweeps", __name__)
    raise AttributeError(f"module 'model' has no attribute {name!r}")


__all__ = [
    "BLOCKS", "CONSTANTS", "INPUTS", "ORDER", "OUTPUTS", "SECTIONS", "InputError", "NotFitting", "Template", "bundled",
    "compute", "evaluate", "load", "project_schedule", "reserved_contract_schedule", "resolve_inputs", "sculpting_schedule",
]
