"""The fault test on real processes (a private MariaDB and RabbitMQ,
heat-api + 3 heat-engine on them, 2,000 triggers from 20 clients while
MariaDB, then RabbitMQ, restarts; a few minutes here; and a stack
create whose final state write falls in a MariaDB outage), as part of the
unit run; skipped with the reason when ``mariadbd``, ``mariadb-install-db`` or
``rabbitmq-server`` is missing. See
:mod:`heat.tests.functional.test_faults`."""

from heat.tests.functional.test_faults import (  # noqa: F401
    TestFinalWriteInOutage,
    TestRestartsUnderLoad,
)
