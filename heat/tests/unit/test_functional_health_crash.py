"""The self-healing crash test on real processes (heat-api + 3 heat-engine
on RabbitMQ and MariaDB, ``kill -9`` of the converging engine while an
unhealthy member is being replaced and a terminate hook waits; about a
minute), as part of the unit run; skipped with the reason when RabbitMQ
or MariaDB does not answer. See
:mod:`heat.tests.functional.test_health_crash`."""

from heat.tests.functional.test_health_crash import (  # noqa: F401
    TestSelfHealingCrash,
)
