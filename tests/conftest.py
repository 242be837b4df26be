"""Test configuration: hypothesis is derandomized everywhere, so a run is the same run every time
(CI and a developer's machine alike); HYPOTHESIS_PROFILE=explore draws fresh examples instead."""

import os

from hypothesis import HealthCheck, settings

settings.register_profile("deterministic", derandomize=True, deadline=None, database=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", deadline=None, max_examples=500)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "deterministic"))
