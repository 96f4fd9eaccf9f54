"""The tests of contrib/heat-autoscalingclient (the Python client and the
``openstack autoscaling`` CLI plugin of the Auto-Scaling API v1), as part
of the unit run: the library and the real ``openstack`` command against a
real heat-all on a free port. See
:mod:`heat_autoscalingclient.tests.test_library` and
:mod:`heat_autoscalingclient.tests.test_cli`.

The classes are subclassed here so that their test ids are this module's
(``stestr run heat.tests.unit.test_contrib_autoscalingclient`` selects
them)."""

from heat_autoscalingclient.tests import (
    test_cli,
    test_health_check,
    test_library,
    test_lifecycle,
)


class TestLibraryGroups(test_library.TestGroups):
    pass


class TestLibraryMembers(test_library.TestMembers):
    pass


class TestLibraryPoliciesAndWebhooks(test_library.TestPoliciesAndWebhooks):
    pass


class TestLibraryConnectionErrors(test_library.TestConnectionErrors):
    pass


class TestCLIHelp(test_cli.TestHelp):
    pass


class TestCLIGroupCommands(test_cli.TestGroupCommands):
    pass


class TestCLIMemberPolicyWebhookCommands(
        test_cli.TestMemberPolicyWebhookCommands):
    pass


class TestCLIReadme(test_cli.TestReadme):
    pass


class TestHealthCheckModel(test_health_check.TestModel):
    pass


class TestHealthCheckCommandValues(test_health_check.TestCommandValues):
    pass


class TestLibraryHealthCheck(test_health_check.TestLibraryHealthCheck):
    pass


class TestCLIHealthCheck(test_health_check.TestCLIHealthCheck):
    pass


class TestLifecycleModel(test_lifecycle.TestModel):
    pass


class TestLifecycleCommandValues(test_lifecycle.TestCommandValues):
    pass


class TestLibraryLifecycle(test_lifecycle.TestLibraryLifecycle):
    pass


class TestCLILifecycle(test_lifecycle.TestCLILifecycle):
    pass
