"""The pause tests on real processes (heat-api + heat-engines on
RabbitMQ and MariaDB): ``SIGSTOP`` of the converging engine until
another took the group over, then ``SIGCONT``, 3 times during a 0 to
300 scale-out (about a minute); and of the engine creating a stack,
whose resumed writes the lock's fencing token refuses. Part of the unit
run; skipped with the reason when RabbitMQ or MariaDB does not answer.
See :mod:`heat.tests.functional.test_pause`."""

from heat.tests.functional.test_pause import (  # noqa: F401
    TestPauseDuringScaleOut,
    TestPauseDuringStackCreate,
)
