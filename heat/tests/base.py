"""Common test case for unit and functional tests."""

import testtools


class TestCase(testtools.TestCase):
    """testtools.TestCase with the project's defaults."""

    maxDiff = None
