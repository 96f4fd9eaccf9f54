"""The suites on the test cloud (:mod:`heat.tests.functional.minicloud`:
Keystone, Nova with its fake driver, Neutron, Glance, Aodh, started once
and reused), as part of the unit run, one after another in the worker of
the real-process suites (``.stestr.conf``); each skips with the reason
when the cloud, RabbitMQ, MariaDB or Prometheus cannot start. See each
module's docstring for what it proves."""

from heat.tests.functional.test_cloud_alarms import (  # noqa: F401
    TestAodhAlarms,
    TestInstance,
)
from heat.tests.functional.test_cloud_autoscaling import (  # noqa: F401
    CloudAutoScalingTest,
)
from heat.tests.functional.test_cloud_corpus import (  # noqa: F401
    TestCloudCorpus,
)
from heat.tests.functional.test_cloud_crash import (  # noqa: F401
    TestBatchLongerThanLease,
    TestCloudCrashDuringScaleOut,
)
from heat.tests.functional.test_cloud_keystone import (  # noqa: F401
    KeystoneTest,
)
from heat.tests.functional.test_cloud_resources import (  # noqa: F401
    TestGlanceImages,
    TestNeutronNovaResources,
)
from heat.tests.functional.test_cloud_server import ServerTest  # noqa: F401
from heat.tests.functional.test_minicloud import (  # noqa: F401
    MiniCloudTestCase,
)
