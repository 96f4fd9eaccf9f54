"""The Auto-Scaling API v1 through heat_autoscalingclient on real
processes (heat-api + 2 heat-engine on RabbitMQ and MariaDB: every
route, the members checked in the database, a policy executed while an
engine is dead; about a minute), as part of the unit run; skipped with
the reason when RabbitMQ or MariaDB does not answer. See
:mod:`heat.tests.functional.test_as_api_cluster`."""

from heat.tests.functional.test_as_api_cluster import (  # noqa: F401
    TestAutoScalingAPIOnProcesses,
)
