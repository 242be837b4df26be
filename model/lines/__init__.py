"""Line items of MODEL.md, one module per section, one function per output.

Importing this package registers every output in `model.registry.OUTPUTS` in
MODEL.md order.
"""

from . import (  # noqa: F401  (imported for registration, in MODEL.md order)
    cost_stack,
    throughput,
    pricing,
    managed,
    buy_rent,
    datacenter,
    capital,
    dscr,
    stages,
)
