"""Exhibits whose lines are finance of their own (not a registered line item): each line declared once,
its Python body beside its Excel text, over the model's values and one axis value.

In the Excel text, `axis` is the axis cell of the column; every other name is a defined name.

>>> import model
>>> v = model.compute(model.resolve_inputs())
>>> own, rent = BUY_RENT.lines
>>> round(own.value(v, 0.5) / v["economic_cost_per_hour"], 12)
2.0
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from .registry import check_excel


@dataclass(frozen=True)
class CurveLine:
    label: str
    unit: str
    excel: str  # over defined names and `axis`
    func: Callable[[Mapping, float], float]  # (model values, axis value) -> value

    def value(self, values: Mapping, x: float) -> float:
        return float(self.func(values, x))


@dataclass(frozen=True)
class Curve:
    title: str
    axis: str  # the input along the x axis
    axis_label: str
    axis_unit: str
    lines: tuple[CurveLine, ...]
    points: tuple[float, ...]  # the axis values laid out

    def __post_init__(self):
        for ln in self.lines:
            check_excel(f"exhibit {self.title!r}, line {ln.label!r}", ln.excel)


# Own vs rent per used GPU-hour across utilization: owning costs the economic cost of an hour spread over
# the hours used; renting costs the levelized market rent per hour used, whatever the utilization.
BUY_RENT = Curve(
    "Owning vs renting per used GPU-hour", "gpu_utilization", "GPU utilization", "%",
    (CurveLine("Owning (economic cost) per used hour", "$/GPU-h", "economic_cost_per_hour/axis",
               lambda v, u: v["economic_cost_per_hour"] / u),
     CurveLine("Renting (levelized market rent) per used hour", "$/GPU-h", "rent_levelized_per_gpu_hour",
               lambda v, u: v["rent_levelized_per_gpu_hour"])),
    tuple(round(0.1 + 0.05 * i, 2) for i in range(19)),  # 10% .. 100%: a smooth curve
)
