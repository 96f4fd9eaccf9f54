"""The crash test on real processes (heat-api + 3 heat-engine on
RabbitMQ and MariaDB, ``kill -9`` of the converging engine during a 0 to
500 scale-out; about 50 s), as part of the unit run; skipped with the
reason when RabbitMQ or MariaDB does not answer. See
:mod:`heat.tests.functional.test_crash`."""

from heat.tests.functional.test_crash import (  # noqa: F401
    TestCrashDuringScaleOut,
)
