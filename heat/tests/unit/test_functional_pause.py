"""The pause test on real processes (heat-api + 3 heat-engine on
RabbitMQ and MariaDB, ``SIGSTOP`` of the converging engine until another
took the group over, then ``SIGCONT``, 3 times during a 0 to 300
scale-out; about a minute), as part of the unit run; skipped with the
reason when RabbitMQ or MariaDB does not answer. See
:mod:`heat.tests.functional.test_pause`."""

from heat.tests.functional.test_pause import (  # noqa: F401
    TestPauseDuringScaleOut,
)
