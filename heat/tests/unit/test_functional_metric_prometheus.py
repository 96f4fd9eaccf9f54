"""Target tracking on a real Prometheus and Pushgateway, end to end (a
real in-process engine on SQLite whose evaluator queries the private
Prometheus: scale-out, hold, stabilized scale-in; about 40 s), as part
of the unit run; skipped with the reason without ``prometheus`` or
``prometheus-pushgateway``. See
:mod:`heat.tests.functional.test_metric_prometheus`."""

from heat.tests.functional.test_metric_prometheus import (  # noqa: F401
    TestTargetTrackingOnPrometheus,
)
