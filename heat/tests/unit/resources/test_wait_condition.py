"""OS::Heat::WaitConditionHandle and OS::Heat::WaitCondition.

Signals are sent as the engine service sends them: to the handle of a
stack loaded afresh from the database, while the create runs in another
thread.
"""

import json
import time

import fixtures

from heat.common import exception
from heat.db import api as db_api
from heat.engine import service
from heat.engine.resources.openstack.heat import wait_condition
from heat.tests.unit.resources.test_none import StackTestCase

WAIT = '''
heat_template_version: 2016-10-14
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
    properties: %(handle)s
  wait:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: handle}
      count: %(count)s
      timeout: %(timeout)s
outputs:
  data:
    value: {get_attr: [wait, data]}
  curl:
    value: {get_attr: [handle, curl_cli]}
'''

HANDLE = '''
heat_template_version: 2016-10-14
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
    properties: %s
'''


def template(count=1, timeout=30, handle='{}'):
    return WAIT % {'count': count, 'timeout': timeout, 'handle': handle}


class TestHandle(StackTestCase):

    def handle(self, props='{}'):
        stack = self.create(HANDLE % props)
        self.assertState(('CREATE', 'COMPLETE'), stack)
        return stack, stack.resources['handle']

    def test_token_attributes(self):
        stack, handle = self.handle()
        token = handle.FnGetAtt('token')
        self.assertRegex(token, r'^[0-9a-f]{64}$')
        endpoint = handle.FnGetAtt('endpoint')
        self.assertEqual(
            'http://127.0.0.1:8004/v1/test_tenant/stacks/teststack/%s/'
            'resources/handle/signal' % stack.id, endpoint)
        self.assertEqual(
            "curl -i -X POST -H 'X-Auth-Token: %s' -H 'Content-Type: "
            "application/json' -H 'Accept: application/json' %s"
            % (token, endpoint), handle.FnGetAtt('curl_cli'))
        self.assertEqual({'endpoint': endpoint, 'token': token},
                         json.loads(handle.FnGetAtt('signal')))
        self.assertEqual(handle.resource_id, handle.FnGetRefId())

    def test_endpoint_follows_clients_heat_url(self):
        from heat.engine import clients
        conf = clients._conf()
        # upstream's format names the project; it is replaced by the
        # resource's path (project first)
        for url in ('https://orch.example:8004/v1/%(tenant_id)s',
                    'https://orch.example:8004/v1/'):
            conf.set_override('url', url, group='clients_heat')
            self.addCleanup(conf.clear_override, 'url', group='clients_heat')
            stack, handle = self.handle()
            self.assertEqual(
                'https://orch.example:8004/v1/test_tenant/stacks/teststack/'
                '%s/resources/handle/signal' % stack.id,
                handle.FnGetAtt('endpoint'))
            db_api.stack_delete(self.ctx, stack.id, 'test_tenant')

    def test_token_is_stored_redacted(self):
        _stack, handle = self.handle()
        from heat.db import api as db_api
        stored = db_api.resource_data_get_all(self.ctx, handle.id)
        self.assertEqual(db_api.REDACTED, stored['token'])

    def test_signals_are_normalised_and_stored(self):
        stack, handle = self.handle()
        token = handle.FnGetAtt('token')
        # (details, stored id, stored entry)
        table = [
            ({}, '1', {'status': 'SUCCESS', 'reason': 'Signal 1 received',
                       'data': None}),
            ({'status': 'FAILURE', 'reason': 'broke', 'data': [1]}, '2',
             {'status': 'FAILURE', 'reason': 'broke', 'data': [1]}),
            ({'id': 'web', 'data': 'x'}, 'web',
             {'status': 'SUCCESS', 'reason': 'Signal 3 received',
              'data': 'x'}),
            ({'id': 'web', 'data': 'y', 'reason': 'again'}, 'web',
             {'status': 'SUCCESS', 'reason': 'again', 'data': 'y'}),
        ]
        for details, key, entry in table:
            self.load(stack).resources['handle'].signal(
                dict(details, token=token))
            self.assertEqual(entry, handle.metadata_get(refresh=True)[key])
        self.assertEqual(['SUCCESS', 'FAILURE', 'SUCCESS'],
                         handle.get_status())
        self.assertIn('Signal: status:FAILURE reason:broke',
                      [reason for _a, _s, reason
                       in self.events(stack, 'handle')])

    def test_concurrent_signals_are_all_kept(self):
        stack, handle = self.handle()
        token = handle.FnGetAtt('token')
        joins = [self.in_thread(
            lambda n=n: self.load(stack).resources['handle'].signal(
                {'token': token, 'id': 'n%d' % n, 'data': n}))
            for n in range(8)]
        for join in joins:
            join()
        stored = handle.metadata_get(refresh=True)
        self.assertEqual({'n%d' % n: n for n in range(8)},
                         {k: v['data'] for k, v in stored.items()})

    def test_signal_without_the_token_is_rejected(self):
        stack, handle = self.handle()
        for details in (None, {}, {'status': 'SUCCESS'},
                        {'status': 'SUCCESS', 'token': 'wrong'},
                        {'token': None}):
            # refused by the check made before the signal...
            exc = self.assertRaises(wait_condition.InvalidSignalToken,
                                    handle.signal, details)
            self.assertEqual(
                'Signal to handle rejected: it does not carry the token '
                'of the wait condition handle.', str(exc))
            # ... and by the handler itself
            exc = self.assertRaises(exception.ResourceFailure,
                                    handle.signal, details,
                                    need_check=False)
            self.assertIsInstance(exc.exc, wait_condition.InvalidSignalToken)
        self.assertEqual({}, handle.metadata_get(refresh=True))

    def test_service_refuses_a_signal_without_the_token_at_once(self):
        svc = service.EngineService(engine_id='engine-wc')
        self.addCleanup(svc.stop, 10)
        stack, handle = self.handle()
        ident = dict(stack.identifier())
        self.assertRaises(wait_condition.InvalidSignalToken,
                          svc.resource_signal, self.ctx, ident, 'handle',
                          {'status': 'SUCCESS'})
        svc.resource_signal(self.ctx, ident, 'handle',
                            {'token': handle.FnGetAtt('token')},
                            sync_call=True)
        self.assertEqual(['SUCCESS'], handle.get_status())

    def test_invalid_signals(self):
        _stack, handle = self.handle()
        token = handle.FnGetAtt('token')
        for details in ({'status': 'DONE'}, {'state': 'SUCCESS'}):
            exc = self.assertRaises(exception.ResourceFailure,
                                    handle.signal, dict(details, token=token))
            self.assertIn('ValueError: resources.handle: Metadata format '
                          'invalid', str(exc))
        self.assertEqual({}, handle.metadata_get(refresh=True))

    def test_no_signal_transport(self):
        _stack, handle = self.handle('{signal_transport: NO_SIGNAL}')
        self.assertIsNone(handle.FnGetAtt('token'))
        self.assertIsNone(handle.FnGetAtt('curl_cli'))
        self.assertEqual({}, json.loads(handle.FnGetAtt('signal')))
        # no token needed; checking the status signals it
        self.assertEqual(['SUCCESS'], handle.get_status())

    def test_cloud_transports_fail_validation(self):
        for transport, needed in (
                ('CFN_SIGNAL', 'CloudFormation-compatible API'),
                ('TEMP_URL_SIGNAL', 'swift'),
                ('ZAQAR_SIGNAL', 'zaqar')):
            stack = self.parse(HANDLE % ('{signal_transport: %s}'
                                         % transport))
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertEqual(
                'resources.handle.properties.signal_transport: Signal '
                'transport %s needs the %s service, which is not '
                'available' % (transport, needed), str(exc))

    def test_heat_signal_needs_a_stack_user_domain(self):
        stack = self.parse(HANDLE % '{signal_transport: HEAT_SIGNAL}')
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertEqual(
            'resources.handle.properties.signal_transport: Signal '
            'transport HEAT_SIGNAL needs a stack user domain: set '
            'stack_user_domain_id (or stack_user_domain_name), '
            'stack_domain_admin and stack_domain_admin_password in '
            '[DEFAULT]', str(exc))

    def test_keystone_token_signal_needs_a_stack_user_domain(self):
        # a Keystone user's request: the engine's own random token could
        # never pass keystonemiddleware, so the handle is refused
        self.ctx.auth_token = 'a-keystone-token'
        self.ctx.auth_url = 'http://keystone.example:5000'
        stack = self.parse(HANDLE % '{}')
        exc = self.assertRaises(exception.StackValidationFailed,
                                stack.validate)
        self.assertIn('Signal transport TOKEN_SIGNAL with Keystone '
                      'authentication needs a stack user domain: set '
                      'stack_user_domain_id', str(exc))
        # NO_SIGNAL needs no credentials at all
        self.parse(HANDLE % '{signal_transport: NO_SIGNAL}').validate()


class TestStackUserScope(StackTestCase):
    """A stack user's token (role heat_stack_user, scoped to a stack's
    user project) reaches that stack's resources, and nothing else."""

    def setUp(self):
        super().setUp()
        from heat.db import api as db_api
        self.stack, self.handle = TestHandle.handle(self)
        db_api.stack_claim_user_project(self.ctx, self.stack.id,
                                        'test_tenant', 'user-project')
        self.other = self.create(HANDLE % '{}', name='other')
        self.svc = service.EngineService(engine_id='engine-su',
                                         stale_check_interval=3600)
        self.addCleanup(self.svc.stop, 60)

    def user_ctx(self, project='user-project', roles=('heat_stack_user',)):
        from heat.common import context
        return context.RequestContext(project_id=project, user_id='su',
                                      roles=list(roles))

    def ident(self, stack, tenant='user-project'):
        return {'tenant': tenant, 'stack_name': stack.name,
                'stack_id': stack.id, 'path': ''}

    def test_claim_keeps_the_first_project(self):
        from heat.db import api as db_api
        self.assertEqual('user-project', db_api.stack_claim_user_project(
            self.ctx, self.stack.id, 'test_tenant', 'another'))

    def test_stack_user_reads_metadata_and_signals(self):
        res = self.svc.describe_stack_resource(
            self.user_ctx(), self.ident(self.stack), 'handle')
        self.assertEqual('handle', res['resource_name'])
        self.svc.resource_signal(
            self.user_ctx(), self.ident(self.stack), 'handle',
            {'token': self.handle.FnGetAtt('token'), 'reason': 'booted'},
            sync_call=True)
        self.assertEqual(['booted'],
                         self.handle.get_status_reason('SUCCESS'))

    def test_other_stacks_and_other_users_see_nothing(self):
        # the same user project, another stack: not found
        self.assertRaises(exception.StackNotFound,
                          self.svc.describe_stack_resource, self.user_ctx(),
                          self.ident(self.other), 'handle')
        # another project's token with the role: not found
        self.assertRaises(exception.StackNotFound,
                          self.svc.describe_stack_resource,
                          self.user_ctx(project='elsewhere'),
                          self.ident(self.stack, 'elsewhere'), 'handle')
        # the user project without the stack user role: not found
        self.assertRaises(exception.StackNotFound,
                          self.svc.resource_signal,
                          self.user_ctx(roles=('member',)),
                          self.ident(self.stack), 'handle', {},
                          sync_call=True)
        self.assertEqual({}, self.handle.metadata_get(refresh=True))


class TestWaitCondition(StackTestCase):

    def start(self, text):
        """Store ``text``'s stack and create it in a thread; returns the
        stack, the handle's token and the join function."""
        stack = self.parse(text)
        stack.validate()
        stack.store()
        join = self.in_thread(stack.create)
        handle = stack.resources['handle']
        deadline = time.monotonic() + 5
        while handle.status != 'COMPLETE' or handle.action != 'CREATE':
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        return stack, handle.FnGetAtt('token'), join

    def send(self, stack, token, **details):
        handle = self.load(stack).resources['handle']
        handle.signal(dict(details, token=token))

    def test_completes_after_count_successes(self):
        stack, token, join = self.start(template(count=2))
        wait = stack.resources['wait']
        self.send(stack, token, data='first', id='a')
        time.sleep(0.1)
        self.assertEqual(('CREATE', 'IN_PROGRESS'), tuple(wait.state))
        self.send(stack, token, data={'second': 2}, id='b')
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual({'a': 'first', 'b': {'second': 2}},
                         json.loads(stack.outputs()['data']))

    def test_update_waits_for_the_new_count(self):
        stack, token, join = self.start(template(count=1))
        self.send(stack, token, id='a')
        join()
        self.assertState(('CREATE', 'COMPLETE'), stack)
        join = self.in_thread(self.update, stack, template(count=2))
        wait = stack.resources['wait']
        deadline = time.monotonic() + 5
        while tuple(wait.state) != ('UPDATE', 'IN_PROGRESS'):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.01)
        self.send(stack, token, id='b')
        join()
        self.assertState(('UPDATE', 'COMPLETE'), stack)
        self.assertEqual({'a': None, 'b': None},
                         json.loads(self.load(stack).outputs()['data']))

    def test_failure_signal_fails_it(self):
        stack, token, join = self.start(template(count=3))
        self.send(stack, token)
        self.send(stack, token, status='FAILURE', reason='disk full')
        join()
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertEqual('WaitConditionFailure: resources.wait: disk full',
                         stack.resources['wait'].status_reason)

    def test_timeout_fails_it(self):
        skew = [0]
        self.useFixture(fixtures.MockPatchObject(
            wait_condition, '_now', lambda: time.monotonic() + skew[0]))
        stack, token, join = self.start(template(count=2, timeout=5))
        self.send(stack, token, reason='one is up')
        skew[0] = 10
        join()
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertEqual('WaitConditionTimeout: resources.wait: 1 of 2 '
                         'received - one is up',
                         stack.resources['wait'].status_reason)

    def test_no_signal_handle_completes_at_once(self):
        stack = self.create(template(handle='{signal_transport: NO_SIGNAL}'))
        self.assertState(('CREATE', 'COMPLETE'), stack)
        self.assertEqual({'1': None}, json.loads(stack.outputs()['data']))

    def test_handle_must_be_a_wait_condition_handle(self):
        stack = self.create('''
heat_template_version: 2016-10-14
resources:
  other:
    type: OS::Heat::None
  wait:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: other}
      timeout: 10
''')
        self.assertState(('CREATE', 'FAILED'), stack)
        self.assertEqual('ValueError: resources.wait: other is not a valid '
                         'wait condition handle.',
                         stack.resources['wait'].status_reason)

    def test_validation_errors(self):
        table = [
            ('timeout 0', template(timeout=0),
             'resources.wait.properties.timeout: 0 is out of range '
             '(min: 1, max: 43200)'),
            ('count 0', template(count=0),
             'resources.wait.properties.count: 0 is out of range '
             '(min: 1, max: None)'),
            ('count BAD', template(count='BAD'),
             "resources.wait.properties.count: Value 'BAD' is not an "
             "integer"),
        ]
        for case, text, message in table:
            stack = self.parse(text)
            exc = self.assertRaises(exception.StackValidationFailed,
                                    stack.validate)
            self.assertIn(message, str(exc), case)

    def test_delete_clears_the_signals(self):
        stack = self.create(template(handle='{signal_transport: NO_SIGNAL}'))
        stack.resources['wait'].delete()
        self.assertEqual(
            {}, stack.resources['handle'].metadata_get(refresh=True))
