"""Line items of MODEL.md, one module per section, one function per output.

Importing this package registers every output in `model.registry.OUTPUTS`; the imports
run in MODEL.md's section order, so outputs, JSON and sheets follow MODEL.md.
"""
# ruff: noqa: I001  (the order of these imports is the order of the sections)

from . import cost_stack, throughput, pricing, managed, buy_rent, datacenter, capital, dscr, stages, project  # noqa: F401
