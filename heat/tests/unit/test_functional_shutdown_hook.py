"""SIGTERM on heat-all while a stack is paused on a hook, as part of the
unit run. See :mod:`heat.tests.functional.test_shutdown_hook`."""

from heat.tests.functional.test_shutdown_hook import (  # noqa: F401
    TestHeatAllShutdownDoesNotWaitOnHooks,
)
