"""The mini-cloud for a test: a real OpenStack the engine acts on.

:class:`CloudFixture` makes sure the project's test cloud runs
(:func:`heat.tests.functional.minicloud.ensure_up`: started once, then
reused; the test skips with the reason when it cannot start), points the
engine's ``[clients] cloud`` at one of its ``clouds.yaml`` entries
(``mc-admin`` unless told otherwise) and gives the test an openstacksdk
connection of its own (``conn``) to check what the engine did::

    cloud = self.useFixture(cloud_fixture.CloudFixture())
    cloud.conn.compute.servers()
    cloud.minicloud.flavor_name      # 'mc.tiny'

:class:`CloudStackTestCase` is the base of the suites that drive a served
engine against the cloud: stack helpers, and every stack a test made is
deleted at its end.
"""

import contextlib
import os
import time
import uuid

import fixtures

from heat.common import config, context
from heat.engine import clients
from heat.tests import db_fixtures, engine_fixture


class CloudFixture(fixtures.Fixture):

    def __init__(self, cloud='mc-admin'):
        super().__init__()
        self.cloud = cloud

    def setUp(self):
        # before the fixture's own setUp: a SkipTest raised inside it
        # would come out wrapped in a SetupError (a failure, not a skip)
        from heat.tests.functional import minicloud
        self.minicloud = minicloud.ensure_up()
        super().setUp()

    def _setUp(self):
        import openstack
        self.useFixture(fixtures.EnvironmentVariable(
            'OS_CLIENT_CONFIG_FILE', self.minicloud.clouds_yaml))
        conf = config.CONF
        clients.register_opts(conf)
        conf.set_override('cloud', self.cloud, group='clients')
        self.addCleanup(conf.clear_override, 'cloud', group='clients')
        self.conn = openstack.connect(cloud=self.cloud)
        self.addCleanup(self.conn.close)

    @property
    def clouds_yaml(self):
        return os.path.abspath(self.minicloud.clouds_yaml)


class CloudStackTestCase(db_fixtures.DBTestCase):
    """A served engine (SQLite, in-process bus) acting on the test cloud
    through :class:`CloudFixture`; stacks a test creates are deleted at
    its end (their cloud resources with them)."""

    BACKEND = db_fixtures.BACKENDS['sqlite']
    #: seconds a stack action may take
    WAIT = 120

    def setUp(self):
        super().setUp()
        self.cloud = self.useFixture(CloudFixture())
        self.conn = self.cloud.conn
        self.engine_fx = self.useFixture(engine_fixture.EngineFixture())
        self.svc = self.engine_fx.service
        # an administrator, as the engine is the mini cloud's admin: the
        # admin-only types (OS::Nova::Flavor, upstream's resource_types:
        # rules) are allowed
        self.ctx = context.RequestContext(
            project_id='p-%s' % uuid.uuid4().hex[:6], user_id='u1',
            user_name='user1', roles=['admin'])

    def wait(self, ident):
        self.assertTrue(self.svc.wait(ident, self.WAIT),
                        'stack action hung')

    def create(self, tmpl, params=None, name=None):
        ident = self.svc.create_stack(
            self.ctx, name or 's%s' % uuid.uuid4().hex[:6], tmpl,
            {'parameters': params or {}}, {}, {'timeout_mins': 5})
        self.addCleanup(self._delete_quietly, ident)
        self.wait(ident)
        return ident

    def update(self, ident, tmpl, params=None):
        self.svc.update_stack(self.ctx, ident, tmpl,
                              {'parameters': params or {}}, {},
                              {'timeout_mins': 5})
        self.wait(ident)

    def delete(self, ident):
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident)

    def _delete_quietly(self, ident):
        with contextlib.suppress(Exception):
            info = self.info(ident)
            if (info['stack_action'], info['stack_status']) != (
                    'DELETE', 'COMPLETE'):
                self.delete(ident)

    def info(self, ident, resolve_outputs=False):
        return self.svc.show_stack(self.ctx, ident,
                                   resolve_outputs=resolve_outputs)[0]

    def assertState(self, expected, ident):
        info = self.info(ident)
        self.assertEqual(expected, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                         '%s; events: %s' % (info['stack_status_reason'],
                                             self.failed_events(ident)))

    def failed_events(self, ident):
        return [(e['resource_name'], e['resource_status_reason'])
                for e in self.svc.list_events(self.ctx, ident)
                if e['resource_status'] == 'FAILED']

    def outputs(self, ident):
        return {o['output_key']: o.get('output_value')
                for o in self.info(ident, resolve_outputs=True)['outputs']}

    def resource(self, ident, name):
        return self.svc.describe_stack_resource(self.ctx, ident, name)

    def physical_id(self, ident, name):
        return self.resource(ident, name)['physical_resource_id']

    def physical_ids(self, ident):
        return {r['resource_name']: r['physical_resource_id']
                for r in self.svc.list_stack_resources(self.ctx, ident)}


class StackPolling:
    """Waits of the suites that drive heat processes over REST
    (python-heatclient) while the cloud works: a mixin of TestCase."""

    #: seconds a wait may take
    POLL_WAIT = 120

    def poll(self, what, fn, timeout=None):
        """``fn()`` every second until it returns something true; fails
        after ``timeout`` seconds naming ``what``."""
        deadline = time.monotonic() + (timeout or self.POLL_WAIT)
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out (%ss) waiting for %s'
                          % (timeout or self.POLL_WAIT, what))
            time.sleep(1)

    def wait_status(self, hc, stack_id, expected):
        """Until the stack's status is ``expected``; a FAILED one fails
        the test with its reason."""
        def done():
            stk = hc.stacks.get(stack_id)
            if stk.stack_status.endswith('FAILED'):
                self.fail('%s: %s' % (stk.stack_status,
                                      stk.stack_status_reason))
            return stk.stack_status == expected
        self.poll('%s of %s' % (expected, stack_id), done)

    def wait_deleted(self, hc, stack_id):
        """Until the stack is gone (404 or DELETE_COMPLETE); a
        DELETE_FAILED fails the test with its reason."""
        from heatclient import exc as heat_exc

        def gone():
            try:
                stk = hc.stacks.get(stack_id)
            except heat_exc.HTTPNotFound:
                return True
            if stk.stack_status == 'DELETE_FAILED':
                self.fail(stk.stack_status_reason)
            return stk.stack_status == 'DELETE_COMPLETE'
        self.poll('delete of %s' % stack_id, gone)


#: servers per page of a Nova listing: Nova asks Neutron for the ports of a
#: page's servers in one URL, which Neutron refuses (a 500 from Nova) past
#: about 85 of them
SERVER_PAGE = 50


def servers(conn, **filters):
    """Nova's servers (with details) of ``conn``'s project, page by
    page."""
    return conn.compute.servers(limit=SERVER_PAGE, **filters)
