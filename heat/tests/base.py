"""Common test case for unit and functional tests."""

import socket

import testtools


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


class TestCase(testtools.TestCase):
    """testtools.TestCase with the project's defaults."""

    maxDiff = None


def enable_stack_adopt(test):
    """Turn ``enable_stack_adopt`` on (off by default, as upstream) for
    the rest of ``test``."""
    from heat.common import config
    config.CONF.set_override('enable_stack_adopt', True)
    test.addCleanup(config.CONF.clear_override, 'enable_stack_adopt')
