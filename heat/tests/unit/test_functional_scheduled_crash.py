"""The scheduled-actions crash test on real processes (heat-api + 3
heat-engine on RabbitMQ and MariaDB: one-time and per-minute scheduled
policies, each occurrence applied exactly once, also when the engine that
claims one is killed with SIGKILL just before or right after the claim's
COMMIT, and never again after a restart of every engine; about 100 s),
as part of the unit run; skipped with the reason when RabbitMQ or MariaDB
does not answer. See :mod:`heat.tests.functional.test_scheduled_crash`."""

from heat.tests.functional.test_scheduled_crash import (  # noqa: F401
    TestScheduledExactlyOnce,
)
