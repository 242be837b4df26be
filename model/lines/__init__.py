"""Line items of MODEL.md, one module per section, one function per output.

Importing this package registers every output in `model.registry.OUTPUTS` in
MODEL.md order.
"""

from . import (  # noqa: F401  (imported for registration, in MODEL.md order)
    buy_rent,
    capital,
    cost_stack,
    datacenter,
    dscr,
    managed,
    pricing,
    stages,
    throughput,
)
