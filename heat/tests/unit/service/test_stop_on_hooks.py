"""An engine that stops does not wait for a stack paused on a hook
(issue 12): the action is abandoned at once, its lock left to another
engine's takeover (see heat.tests.functional.test_shutdown_hook for the
takeover by the next process). On a real database, through
EngineService."""

import time

from heat.common import context
from heat.engine import service
from heat.tests import db_fixtures

WAIT = 60

TEMPLATE = '''
heat_template_version: 2016-10-14
resources:
  r:
    type: OS::Heat::TestResource
'''
HOOKED = {'resource_registry': {'resources': {'r': {'hooks': 'pre-create'}}}}
PAUSED = 'CREATE paused until Hook pre-create is cleared'


@db_fixtures.for_each_backend
class TestStopWithAHookPending(db_fixtures.DBTestCase):

    def setUp(self):
        super().setUp()
        self.ctx = context.RequestContext(project_id='hooks', user_id='u1',
                                          user_name='user1')
        self.svc = service.EngineService(engine_id='engine-stopping')
        self.addCleanup(self.svc.stop, 5)

    def reasons(self, svc, ident):
        return [e['resource_status_reason']
                for e in svc.list_events(self.ctx, ident)]

    def wait_for(self, predicate, what, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        self.fail('timed out waiting for %s' % what)

    def test_stop_abandons_a_stack_paused_on_a_hook_at_once(self):
        ident = self.svc.create_stack(self.ctx, 'hooked', TEMPLATE, HOOKED,
                                      {}, {'timeout_mins': 5})
        self.wait_for(lambda: PAUSED in self.reasons(self.svc, ident),
                      'the pause')
        started = time.monotonic()
        abandoned = self.svc.stop(WAIT)
        elapsed = time.monotonic() - started
        self.assertEqual([ident['stack_id']], abandoned)
        self.assertLess(elapsed, 5)
        # (in a process the thread ends with it; here it is cancelled)
        running = self.svc.thread_group_mgr.running_stack(ident['stack_id'])
        running.cancel(rollback=False)
        self.assertTrue(self.svc.thread_group_mgr.wait(ident['stack_id'],
                                                       WAIT))
