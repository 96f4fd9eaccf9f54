"""Outages as the REST API answers them: the database or the message bus
gone is a 503 with ``Retry-After`` and a JSON error body naming the
cause, never a 500 and never a 2xx for a trigger that was not recorded;
the same trigger retried (same ``Idempotency-Key``) once the outage is
over is applied once."""

from unittest import mock

import oslo_messaging
from oslo_config import cfg
from oslo_db import exception as db_exc

from heat.api import faults
from heat.common import context, exception
from heat.db import api as db_api
from heat.rpc import transport as rpc_transport
from heat.tests import base
from heat.tests.unit.api import APITestCase

TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 10
      desired_capacity: 0
      cooldown: 0
      resource:
        type: OS::Heat::None
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      auto_scaling_group_id: {get_resource: group}
      adjustment_type: change_in_capacity
      scaling_adjustment: 1
      cooldown: 0
'''


class TestUnavailableOverRPC(APITestCase):
    """The API on the engine RPC client (in-process bus) in front of a
    served engine; the faults are injected on either side of the bus."""

    def setUp(self):
        super().setUp()
        self.serve_engine_on_rpc()
        # a short outage budget: the engine gives up after 0.2 s
        self.patch_retry = mock.patch.object(db_api, 'retry_seconds', 0.2)
        self.patch_retry.start()
        self.addCleanup(self.patch_retry.stop)
        self.sid = self.create('s1', template=TEMPLATE)
        self.path = '/stacks/s1/%s/resources/up/signal' % self.sid
        ctx = context.RequestContext(project_id=self.PROJECT,
                                     is_admin=True)
        res = self.request('GET', '/stacks/s1/%s/resources/group' % self.sid)
        self.gid = res.json['resource']['physical_resource_id']
        self.group = lambda: self.fx.client.show_scaling_group(ctx,
                                                               self.gid)
        self.activities = lambda: [
            a for a in self.fx.client.list_scaling_activities(ctx, self.gid)
            if a['trigger'] != 'create']

    def signal(self, key):
        return self.request('POST', self.path, {},
                            headers={'Idempotency-Key': key})

    def assertUnavailable(self, resp, err_type, cause):
        self.assertError(resp, 503, err_type)
        self.assertEqual(str(faults.RETRY_AFTER), resp.headers['Retry-After'])
        message = resp.json['error']['message']
        self.assertIn(cause, message)
        self.assertIn(err_type, message)
        self.assertEqual('Service Unavailable', resp.json['title'])
        self.assertIsNone(resp.json['error']['traceback'])

    def test_database_gone_during_a_trigger_is_503_and_nothing_recorded(self):
        gone = db_exc.DBConnectionError(
            Exception('(2006, MySQL server has gone away)'))
        # the decision transaction's first read: the group's row, locked,
        # with the policy
        with mock.patch.object(db_api, 'scaling_group_and_policy_for_update',
                               side_effect=gone) as get:
            resp = self.signal('k-1')
        self.assertUnavailable(resp, 'DBConnectionError',
                               'the database is unavailable')
        # the engine retried within its budget before giving up
        self.assertGreater(get.call_count, 1)
        self.assertEqual(0, self.group()['desired_capacity'])
        self.assertEqual([], self.activities())

        # the outage is over: the same key is applied, once
        resp = self.signal('k-1')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['accepted'])
        self.assertFalse(resp.json['repeated'])
        again = self.signal('k-1')
        self.assertEqual(200, again.status_code, again.text)
        self.assertTrue(again.json['repeated'])
        self.assertEqual(1, self.group()['desired_capacity'])
        self.assertEqual(['k-1'], [a['idempotency_key']
                                   for a in self.activities()])

    def test_a_short_database_outage_is_ridden_out(self):
        real = db_api.scaling_group_get
        calls = []

        def flaky(*args, **kwargs):
            calls.append(args)
            if len(calls) == 1:
                raise db_exc.DBConnectionError(Exception('lost connection'))
            return real(*args, **kwargs)

        with mock.patch.object(db_api, 'scaling_group_get',
                               side_effect=flaky):
            resp = self.signal('k-2')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['accepted'])
        self.assertEqual(1, self.group()['desired_capacity'])
        self.assertEqual(1, len(self.activities()))

    def test_engine_errors_of_an_outage_are_503(self):
        rows = [
            (exception.RemoteError(exc_type='DBConnectionError',
                                   value='gone away'),
             'DBConnectionError', 'the database is unavailable'),
            (exception.RemoteError(exc_type='DBDeadlock', value='x'),
             'DBDeadlock', 'deadlocks'),
            (exception.MessagingTimeout(method='resource_signal',
                                        timeout=30),
             'MessagingTimeout', 'no engine answered in time'),
            (rpc_transport.MessagingUnavailable(
                method='resource_signal',
                reason='MessageDeliveryFailure: broker down'),
             'MessagingUnavailable', 'the message bus could not deliver'),
        ]
        for error, err_type, cause in rows:
            with mock.patch.object(self.fx.transport, 'call',
                                   side_effect=error):
                resp = self.signal('k-%s' % err_type)
            self.assertUnavailable(resp, err_type, cause)
        self.assertEqual(0, self.group()['desired_capacity'])
        self.assertEqual([], self.activities())

    def test_other_engine_errors_stay_500(self):
        with mock.patch.object(self.fx.transport, 'call',
                               side_effect=exception.RemoteError(
                                   exc_type='DBError', value='syntax')):
            resp = self.signal('k-x')
        self.assertError(resp, 500, 'DBError')
        self.assertNotIn('Retry-After', resp.headers)


class TestFaultTable(base.TestCase):

    def test_heat_detail_kept_driver_text_left_out(self):
        _, body = faults.error_body(exception.MessagingTimeout(
            method='resource_signal (no engine listens on topic engine)',
            timeout=60))
        self.assertIn('no engine listens on topic engine',
                      body['error']['message'])
        _, body = faults.error_body(db_exc.DBConnectionError(Exception(
            "(2003, \"Can't connect to MySQL server on 'db7.internal'\")")))
        self.assertNotIn('db7.internal', body['error']['message'])
        self.assertIn('the database is unavailable',
                      body['error']['message'])
        _, body = faults.error_body(rpc_transport.MessagingUnavailable(
            method='resource_signal',
            reason='Unable to connect to AMQP server on mq9.internal:5672'))
        self.assertNotIn('mq9.internal', body['error']['message'])
        self.assertIn('the message bus could not deliver',
                      body['error']['message'])

    def test_outage_classes_and_their_remote_copies_are_503(self):
        for exc in (db_exc.DBConnectionError(Exception('x')),
                    db_exc.DBDeadlock(Exception('x')),
                    oslo_messaging.MessagingTimeout('x'),
                    oslo_messaging.MessageDeliveryFailure('x'),
                    exception.RemoteError(exc_type='MessageDeliveryFailure',
                                          value='x')):
            status, body = faults.error_body(exc)
            self.assertEqual(503, status, exc)
            self.assertIn('Retry after %d seconds' % faults.RETRY_AFTER,
                          body['error']['message'])

    def test_response_carries_retry_after(self):
        resp = faults.error_response(db_exc.DBConnectionError(Exception()))
        self.assertEqual(503, resp.status_code)
        self.assertEqual(str(faults.RETRY_AFTER), resp.headers['Retry-After'])
        resp = faults.error_response(RuntimeError('boom'))
        self.assertEqual(500, resp.status_code)
        self.assertNotIn('Retry-After', resp.headers)


class TestMessagingTransportErrors(base.TestCase):
    """oslo.messaging's errors on a real MessagingTransport (``fake://``
    driver; the client's send is made to fail)."""

    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        self.conf([], project='heat')
        self.transport = rpc_transport.MessagingTransport('fake://',
                                                          self.conf)
        self.addCleanup(self.transport.cleanup)
        self.client = mock.Mock()
        self.prepared = self.client.prepare.return_value
        self.patch = mock.patch.object(self.transport, '_client',
                                       return_value=self.client)
        self.patch.start()
        self.addCleanup(self.patch.stop)
        self.target = rpc_transport.Target(topic='t')

    def test_delivery_failure_of_a_call_is_messaging_unavailable(self):
        self.prepared.call.side_effect = \
            oslo_messaging.MessageDeliveryFailure('broker gone')
        err = self.assertRaises(rpc_transport.MessagingUnavailable,
                                self.transport.call, self.target, {},
                                'resource_signal', {})
        self.assertIn('resource_signal', str(err))
        self.assertIn('MessageDeliveryFailure: broker gone', str(err))
        self.assertEqual(3, self.client.prepare.call_args.kwargs['retry'])

    def test_delivery_failure_of_a_cast_is_messaging_unavailable(self):
        self.prepared.cast.side_effect = \
            oslo_messaging.MessageDeliveryFailure('broker gone')
        self.assertRaises(rpc_transport.MessagingUnavailable,
                          self.transport.cast, self.target, {},
                          'converge_scaling_group', {})
        self.assertEqual(3, self.client.prepare.call_args.kwargs['retry'])

    def test_timeout_stays_a_messaging_timeout(self):
        self.prepared.call.side_effect = \
            oslo_messaging.MessagingTimeout('late')
        self.assertRaises(exception.MessagingTimeout, self.transport.call,
                          self.target, {}, 'resource_signal', {})

    def test_reconnect_pause_is_capped_unless_configured(self):
        rabbit = self.conf.oslo_messaging_rabbit
        self.assertEqual(rpc_transport.RABBIT_INTERVAL_MAX,
                         rabbit.rabbit_interval_max)
        self.conf.set_override('rabbit_interval_max', 20,
                               group='oslo_messaging_rabbit')
        other = rpc_transport.MessagingTransport('fake://', self.conf)
        self.addCleanup(other.cleanup)
        self.assertEqual(20, rabbit.rabbit_interval_max)

    def test_send_retries_minus_one_retries_forever(self):
        self.conf.set_override('rpc_send_retries', -1)
        self.transport.call(self.target, {}, 'resource_signal', {})
        self.assertIsNone(self.client.prepare.call_args.kwargs['retry'])
