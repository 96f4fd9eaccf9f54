"""The real python-heatclient against the API over a local HTTP server
(cheroot on 127.0.0.1, a free port), as the functional harness drives it.
The scenarios of :mod:`heat.tests.heatclient_scenarios` run here on an
engine in the test process, and in the functional suite on real
processes."""

import threading
import time

from cheroot import wsgi
from heatclient import client as heat_client
from heatclient import exc as heat_exc

from heat.tests import pinned
from heat.tests.base import free_port
from heat.tests.heatclient_scenarios import TEMPLATE, HeatclientScenarios
from heat.tests.unit.api import APITestCase


class TestWithHeatclient(HeatclientScenarios, APITestCase):

    def setUp(self):
        super().setUp()
        port = free_port()
        self.server = wsgi.Server(('127.0.0.1', port), self.app,
                                  numthreads=4)
        self.server.prepare()
        thread = threading.Thread(target=self.server.serve, daemon=True)
        thread.start()
        self.addCleanup(thread.join, 10)
        self.addCleanup(self.server.stop)
        self.endpoint = 'http://127.0.0.1:%d/v1/p1' % port
        self.hc = heat_client.Client('1', endpoint=self.endpoint,
                                     token='fake-token')

    def wait_status(self, ident, status, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            stack = self.hc.stacks.get(ident, resolve_outputs=False)
            if stack.stack_status == status:
                return stack
            if 'IN_PROGRESS' not in stack.stack_status:
                self.fail('%s: %s' % (stack.stack_status,
                                      stack.stack_status_reason))
            time.sleep(0.05)
        self.fail('timed out waiting for %s' % status)

    def test_stack_lifecycle(self):
        created = self.hc.stacks.create(
            stack_name='s1', template=TEMPLATE, parameters={'size': 2},
            disable_rollback=True, files={}, environment={})
        sid = created['stack']['id']
        ident = 's1/%s' % sid
        self.wait_status(ident, 'CREATE_COMPLETE')

        # lookups by name and by id go through the 302
        stack = self.hc.stacks.get('s1')
        self.assertEqual(sid, stack.id)
        self.assertEqual(('CREATE', 'COMPLETE'), (stack.action,
                                                  stack.status))
        self.assertEqual(ident, stack.identifier)
        self.assertEqual(sid, self.hc.stacks.get(sid).id)
        self.assertEqual([sid], [s.id for s in self.hc.stacks.list()])

        # outputs
        self.assertEqual(2, self.hc.stacks.output_show(
            ident, 'group_size')['output']['output_value'])
        self.assertEqual(['group_size'], [
            o['output_key'] for o in self.hc.stacks.output_list(
                ident)['outputs']])

        # resources, by full identifier and by name only
        names = sorted(r.resource_name for r in self.hc.resources.list(
            ident))
        self.assertEqual(['group', 'handle'], names)
        self.assertEqual(names, sorted(
            r.resource_name for r in self.hc.resources.list('s1')))
        deep = self.hc.resources.list(ident, nested_depth=2,
                                      with_detail=True)
        self.assertEqual(4, len(deep))
        group = self.hc.resources.get(ident, 'group')
        self.assertIn('nested', [link['rel'] for link in group.links])
        handle = self.hc.resources.get(ident, 'handle')
        token = handle.attributes['token']

        # signal, with the handle's token as the caller's token
        signaller = heat_client.Client('1', endpoint=self.endpoint,
                                       token=token)
        signaller.resources.signal(ident, 'handle',
                                   data={'status': 'SUCCESS', 'id': 'a'})
        self.assertTrue(self.engine_svc.wait(sid, 30))
        self.assertEqual('SUCCESS', self.hc.resources.metadata(
            ident, 'handle')['a']['status'])
        events = self.hc.events.list(ident, resource_name='handle')
        self.assertIn('SIGNAL_COMPLETE',
                      [e.resource_status for e in events])
        event = self.hc.events.get(ident, 'handle', events[0].id)
        self.assertEqual(events[0].id, event.id)
        all_events = self.hc.events.list('s1')
        self.assertEqual('Stack CREATE started',
                         all_events[0].resource_status_reason)
        some = self.hc.events.list(ident, limit=2, nested_depth=1,
                                   sort_dir='asc')
        self.assertEqual(2, len(some))

        # template, files, environment
        self.assertEqual('2016-10-14', self.hc.stacks.template(ident)[
            'heat_template_version'])
        self.assertEqual({}, self.hc.stacks.files(ident))
        self.assertIn('parameters', self.hc.stacks.environment(ident))

        # update: PUT, then PATCH with parameters only
        self.hc.stacks.update(ident, template=TEMPLATE,
                              parameters={'size': 3}, files={},
                              environment={}, disable_rollback=True)
        self.wait_status(ident, 'UPDATE_COMPLETE')
        self.hc.stacks.update(ident, existing=True, parameters={'size': 1})
        stack = self.wait_status(ident, 'UPDATE_COMPLETE')
        self.assertEqual('1', stack.parameters['size'])
        self.assertEqual(1, len(self.hc.resources.list(
            ident, nested_depth=1)) - 2)

        # actions
        self.hc.actions.suspend(ident)
        self.wait_status(ident, 'SUSPEND_COMPLETE')
        self.hc.actions.resume(ident)
        self.wait_status(ident, 'RESUME_COMPLETE')
        self.hc.resources.mark_unhealthy(ident, 'group', True, 'reason')
        self.assertEqual('CHECK_FAILED', self.hc.resources.get(
            ident, 'group').resource_status)

        # delete: 404 at the end
        self.hc.stacks.delete(ident)
        self.assertTrue(self.engine_svc.wait(sid, 30))
        self.assertRaises(heat_exc.HTTPNotFound, self.hc.stacks.get, 's1')

    def test_validate_and_preview(self):
        self.assertEqual(pinned.VALIDATE_RESULT, self.hc.stacks.validate(
            template=pinned.VALIDATE_TEMPLATE))
        preview = self.hc.stacks.preview(stack_name='s1', template=TEMPLATE,
                                         disable_rollback=True, files={})
        self.assertEqual('s1', preview.stack_name)
        def flat(items):
            for item in items:
                if isinstance(item, list):
                    yield from flat(item)
                else:
                    yield item

        names = [r['resource_name'] for r in flat(preview.resources)]
        self.assertIn('handle', names)

    def test_error_bodies(self):
        ex = self.assertRaises(heat_exc.HTTPNotFound, self.hc.stacks.get,
                               'nope')
        self.assertEqual('ERROR: The Stack (nope) could not be found.',
                         str(ex))
        bad = TEMPLATE.replace('default: 2', 'default: BAD')
        ex = self.assertRaises(heat_exc.HTTPBadRequest,
                               self.hc.stacks.create, stack_name='s1',
                               template=bad)
        self.assertIsInstance(ex, heat_exc.BadRequest)
        self.assertEqual('StackValidationFailed', ex.error['error']['type'])
        ex = self.assertRaises(heat_exc.HTTPBadRequest,
                               self.hc.stacks.validate,
                               template=TEMPLATE.replace(
                                   'TestResource', 'TestResource\n'
                                   '        properties: {value: [1]}'))
        self.assertIn('ERROR: ', str(ex))
        self.hc.stacks.create(stack_name='s1', template=TEMPLATE)
        ex = self.assertRaises(heat_exc.HTTPConflict, self.hc.stacks.create,
                               stack_name='s1', template=TEMPLATE)
        self.assertEqual('StackExists', ex.error['error']['type'])
        stack = self.hc.stacks.get('s1')
        self.assertTrue(self.engine_svc.wait(stack.id, 30))
        self.hc.actions.suspend('s1/%s' % stack.id)
        self.assertTrue(self.engine_svc.wait(stack.id, 30))
        ex = self.assertRaises(heat_exc.HTTPBadRequest,
                               self.hc.resources.signal,
                               's1/%s' % stack.id, 'handle')
        self.assertIn('Signal resource during SUSPEND is not supported',
                      str(ex))
        ex = self.assertRaises(heat_exc.HTTPNotFound, self.hc.resources.get,
                               's1/%s' % stack.id, 'nope')
        self.assertEqual('ResourceNotFound', ex.error['error']['type'])

    def test_noauth_session_client(self):
        from keystoneauth1 import noauth, session
        hc = heat_client.Client('1', session=session.Session(
            auth=noauth.NoAuth(endpoint=self.endpoint)))
        self.assertEqual([], list(hc.stacks.list()))
        self.hc.stacks.create(stack_name='s1', template=TEMPLATE)
        self.assertEqual(['s1'], [s.stack_name for s in hc.stacks.list()])
        self.assertTrue(self.engine_svc.wait(hc.stacks.get('s1').id, 30))
