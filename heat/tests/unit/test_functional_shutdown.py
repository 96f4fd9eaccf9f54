"""SIGTERM on heat-all, heat-engine and heat-api during a hook, a
converging group and a request in flight, as part of the unit run (the
heat-engine and heat-api classes skip with the reason when RabbitMQ or
MariaDB does not answer). See :mod:`heat.tests.functional.test_shutdown`."""

from heat.tests.functional.test_shutdown import (  # noqa: F401
    TestHeatAllShutdown,
    TestHeatApiShutdown,
    TestHeatEngineShutdown,
)
