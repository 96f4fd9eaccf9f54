"""The functional suite on real processes (heat-api + 2 heat-engine on
RabbitMQ and MariaDB), as part of the unit run; skipped with the reason
when RabbitMQ or MariaDB does not answer. See
:mod:`heat.tests.functional.test_processes`."""

from heat.tests.functional.test_processes import (  # noqa: F401
    TestHeatclientOnProcesses,
    TestProcessStart,
)
