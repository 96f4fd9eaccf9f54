"""The load test on real processes (heat-api + 3 heat-engine on RabbitMQ
and MariaDB, 2,000 triggers from 20 concurrent clients; about a minute),
as part of the unit run; skipped with the reason when RabbitMQ or MariaDB
does not answer. See :mod:`heat.tests.functional.test_load`."""

from heat.tests.functional.test_load import TestLoad  # noqa: F401
