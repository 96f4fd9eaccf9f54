"""Self-healing end to end on a real heat-all with real HTTP (ten members
whose URLs answer from a test server: two failing are replaced, seven
failing are guarded; about 20 s), as part of the unit run. See
:mod:`heat.tests.functional.test_health_heat_all`."""

from heat.tests.functional.test_health_heat_all import (  # noqa: F401
    TestHealthOnHeatAll,
)
