"""python-heatclient scenarios shared by the in-process API tests
(``heat/tests/unit/api/test_heatclient.py``) and the functional suite on
real processes (``heat/tests/functional/test_processes.py``).

A test class mixes :class:`HeatclientScenarios` into a ``TestCase`` and
sets ``self.endpoint`` (``http://host:port/v1/<project>``) and
``self.hc`` (a heatclient on it) in ``setUp``. Everything is waited for
by polling the API, never by looking into an engine, so the scenarios
run the same against an engine in the test process or engines in other
processes behind RabbitMQ.
"""

import time

from heatclient import client as heat_client
from heatclient import exc as heat_exc

from heat.tests import pinned

TEMPLATE = '''heat_template_version: 2016-10-14
parameters:
  size:
    type: number
    default: 2
resources:
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: size}
      resource_def:
        type: OS::Heat::TestResource
  handle:
    type: OS::Heat::WaitConditionHandle
outputs:
  group_size:
    value: {get_param: size}
'''

#: seconds a scenario waits for a stack action or a signal.
WAIT = 60


class HeatclientScenarios:
    """Create, list, show, update, delete, resources, signals, events,
    outputs, validate, the name redirect and error bodies."""

    def client(self, token='fake-token'):
        return heat_client.Client('1', endpoint=self.endpoint, token=token)

    def poll(self, what, fn, timeout=WAIT):
        """``fn()`` until it returns something true; fails after
        ``timeout`` seconds naming ``what``."""
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out (%ss) waiting for %s' % (timeout, what))
            time.sleep(0.1)

    def settle(self, ident, status, timeout=WAIT):
        """Wait until the stack is ``status``; fail on any other end."""
        def done():
            stack = self.hc.stacks.get(ident, resolve_outputs=False)
            if stack.stack_status == status:
                return stack
            if 'IN_PROGRESS' not in stack.stack_status:
                self.fail('%s: %s (expected %s)' % (
                    stack.stack_status, stack.stack_status_reason, status))
            return None
        return self.poll('%s to be %s' % (ident, status), done, timeout)

    def test_scenario_stack_lifecycle(self):
        hc = self.hc
        created = hc.stacks.create(
            stack_name='life', template=TEMPLATE, parameters={'size': 2},
            disable_rollback=True, files={}, environment={})
        sid = created['stack']['id']
        ident = 'life/%s' % sid
        self.settle(ident, 'CREATE_COMPLETE')

        # list, and show by name (the 302 redirect) and by id
        self.assertEqual([sid], [s.id for s in hc.stacks.list()])
        stack = hc.stacks.get('life')
        self.assertEqual(sid, stack.id)
        self.assertEqual(ident, stack.identifier)
        self.assertEqual(sid, hc.stacks.get(sid).id)
        self.assertEqual('CREATE_COMPLETE', stack.stack_status)

        # outputs
        self.assertEqual(2, hc.stacks.output_show(
            ident, 'group_size')['output']['output_value'])

        # resources: list (by name only too), nested list, show
        self.assertEqual(['group', 'handle'], sorted(
            r.resource_name for r in hc.resources.list('life')))
        self.assertEqual(4, len(hc.resources.list(ident, nested_depth=2)))
        group = hc.resources.get(ident, 'group')
        self.assertIn('nested', [link['rel'] for link in group.links])
        handle = hc.resources.get(ident, 'handle')
        self.assertEqual('CREATE_COMPLETE', handle.resource_status)

        # signal, with the handle's token as the caller's token
        signaller = self.client(handle.attributes['token'])
        signaller.resources.signal(ident, 'handle',
                                   data={'status': 'SUCCESS', 'id': 'a'})
        meta = self.poll('the signal to be recorded', lambda: (
            hc.resources.metadata(ident, 'handle').get('a')))
        self.assertEqual('SUCCESS', meta['status'])

        # events
        events = self.poll('the SIGNAL_COMPLETE event', lambda: [
            e for e in hc.events.list(ident, resource_name='handle')
            if e.resource_status == 'SIGNAL_COMPLETE'])
        self.assertEqual(events[0].id, hc.events.get(
            ident, 'handle', events[0].id).id)
        self.assertEqual('Stack CREATE started',
                         hc.events.list('life')[0].resource_status_reason)

        # update: PUT, then PATCH with parameters only
        hc.stacks.update(ident, template=TEMPLATE, parameters={'size': 3},
                         files={}, environment={}, disable_rollback=True)
        self.settle(ident, 'UPDATE_COMPLETE')
        self.assertEqual(3, hc.stacks.output_show(
            ident, 'group_size')['output']['output_value'])
        hc.stacks.update(ident, existing=True, parameters={'size': 1})
        stack = self.settle(ident, 'UPDATE_COMPLETE')
        self.assertEqual('1', stack.parameters['size'])
        self.assertEqual(3, len(hc.resources.list(ident, nested_depth=1)))

        # delete: gone (404 by name) at the end
        hc.stacks.delete(ident)

        def deleted():
            try:
                status = hc.stacks.get(sid).stack_status
            except heat_exc.HTTPNotFound:
                return True
            if status == 'DELETE_FAILED':
                self.fail('DELETE_FAILED')
            return status == 'DELETE_COMPLETE'
        self.poll('the delete', deleted)
        self.poll('an empty list', lambda: not list(hc.stacks.list()))
        self.assertRaises(heat_exc.HTTPNotFound, hc.stacks.get, 'life')

    def test_scenario_validate(self):
        self.assertEqual(pinned.VALIDATE_RESULT, self.hc.stacks.validate(
            template=pinned.VALIDATE_TEMPLATE))

    def test_scenario_error_bodies(self):
        hc = self.hc
        ex = self.assertRaises(heat_exc.HTTPNotFound, hc.stacks.get, 'nope')
        self.assertEqual('ERROR: The Stack (nope) could not be found.',
                         str(ex))
        self.assertTrue(ex.error['error']['type'].endswith('NotFound'),
                        ex.error)
        bad = TEMPLATE.replace('default: 2', 'default: BAD')
        ex = self.assertRaises(heat_exc.HTTPBadRequest, hc.stacks.create,
                               stack_name='bad', template=bad)
        self.assertEqual('StackValidationFailed', ex.error['error']['type'])
        self.assertEqual(400, ex.error['code'])
        ex = self.assertRaises(heat_exc.HTTPNotFound, hc.resources.get,
                               'nope', 'r')
        self.assertIn('could not be found', str(ex))
