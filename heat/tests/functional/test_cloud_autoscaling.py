"""The classic auto-scaling stack on a real cloud, all real.

``heat-api`` and a ``heat-engine`` (RabbitMQ, MariaDB) act on the test
cloud (:mod:`heat.tests.functional.minicloud`: Keystone, Nova with its
fake driver, Neutron, Glance, Aodh) through ``[clients] cloud``. The
stack is upstream's classic: an ``OS::Heat::AutoScalingGroup`` of
``OS::Nova::Server`` (flavor, image and network of the cloud), a
scale-up and a scale-down ``OS::Heat::ScalingPolicy``, and two
``OS::Aodh::PrometheusAlarm`` whose actions are the policies'
``alarm_url``. Aodh's evaluator reads a private Prometheus (Debian's)
that scrapes a gauge this test sets: the gauge goes high, the alarm
fires, Aodh POSTs the pre-signed URL, Nova goes from 2 servers to 3;
the gauge goes low, back to 2. Nova's server list agrees with the
group at every step; the stack's delete leaves no server, port or
alarm behind.

The AWS flavour (``AWS::AutoScaling::AutoScalingGroup`` of a
``LaunchConfiguration`` with ``ImageId``/``InstanceType``) runs the
same steps with its ``ScalingPolicy``'s ``AlarmUrl``.

Skips with the reason when RabbitMQ, MariaDB, the cloud or Prometheus
cannot start.
"""

import datetime
import unittest
import uuid

import fixtures
import testtools
import testtools.content

from heat.tests import cloud_fixture
from heat.tests.functional import processes
from heat.tests.functional import prometheus as prom

#: seconds for an alarm to fire and the group to converge: Aodh
#: evaluates every 10 s, Prometheus scrapes every second
ALARM_WAIT = 90

HOT = '''
heat_template_version: 2016-10-14
parameters:
  flavor: {type: string, default: mc.tiny}
  image: {type: string, default: tiny}
  network: {type: string, default: mc-net}
  metric: {type: string}
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 4
      desired_capacity: 2
      cooldown: 0
      resource:
        type: OS::Nova::Server
        properties:
          flavor: {get_param: flavor}
          image: {get_param: image}
          networks: [{network: {get_param: network}}]
          metadata: {"metering.server_group": {get_param: "OS::stack_id"}}
  scale_up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
      cooldown: 0
  scale_down:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: -1
      cooldown: 0
  load_high:
    type: OS::Aodh::PrometheusAlarm
    properties:
      description: Scale up when the load is over 50
      query: {get_param: metric}
      threshold: 50
      comparison_operator: gt
      alarm_actions: [{get_attr: [scale_up, alarm_url]}]
  load_low:
    type: OS::Aodh::PrometheusAlarm
    properties:
      description: Scale down when the load is under 20
      query: {get_param: metric}
      threshold: 20
      comparison_operator: lt
      alarm_actions: [{get_attr: [scale_down, alarm_url]}]
outputs:
  refs:
    value: {get_attr: [asg, refs]}
  size:
    value: {get_attr: [asg, current_size]}
'''

CFN = '''
{
  "AWSTemplateFormatVersion": "2010-09-09",
  "Parameters": {"metric": {"Type": "String"}},
  "Resources": {
    "Config": {
      "Type": "AWS::AutoScaling::LaunchConfiguration",
      "Properties": {"ImageId": "tiny", "InstanceType": "mc.tiny"}
    },
    "Group": {
      "Type": "AWS::AutoScaling::AutoScalingGroup",
      "Properties": {
        "AvailabilityZones": ["nova"],
        "LaunchConfigurationName": {"Ref": "Config"},
        "MinSize": "1", "MaxSize": "4", "DesiredCapacity": "2"
      }
    },
    "ScaleUp": {
      "Type": "AWS::AutoScaling::ScalingPolicy",
      "Properties": {"AdjustmentType": "ChangeInCapacity",
                     "AutoScalingGroupName": {"Ref": "Group"},
                     "Cooldown": "0", "ScalingAdjustment": "1"}
    },
    "ScaleDown": {
      "Type": "AWS::AutoScaling::ScalingPolicy",
      "Properties": {"AdjustmentType": "ChangeInCapacity",
                     "AutoScalingGroupName": {"Ref": "Group"},
                     "Cooldown": "0", "ScalingAdjustment": "-1"}
    },
    "LoadHigh": {
      "Type": "OS::Aodh::PrometheusAlarm",
      "Properties": {"query": {"Ref": "metric"}, "threshold": 50,
                     "comparison_operator": "gt",
                     "alarm_actions": [
                       {"Fn::GetAtt": ["ScaleUp", "AlarmUrl"]}]}
    },
    "LoadLow": {
      "Type": "OS::Aodh::PrometheusAlarm",
      "Properties": {"query": {"Ref": "metric"}, "threshold": 20,
                     "comparison_operator": "lt",
                     "alarm_actions": [
                       {"Fn::GetAtt": ["ScaleDown", "AlarmUrl"]}]}
    }
  },
  "Outputs": {
    "InstanceList": {"Value": {"Fn::GetAtt": ["Group", "InstanceList"]}},
    "GroupRef": {"Value": {"Ref": "Group"}}
  }
}
'''



def _when(stamp):
    """POSIX seconds of an ISO-8601 time of Heat or Nova (UTC when it
    has no offset)."""
    when = datetime.datetime.fromisoformat(stamp.replace('Z', '+00:00'))
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return when.timestamp()

class CloudAutoScalingTest(cloud_fixture.StackPolling,
                           testtools.TestCase):
    """One cloud, Prometheus and heat cluster for the class."""

    cluster = None
    prometheus = None
    metrics = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for reason in (processes.skip_reason(), prom.skip_reason()):
            if reason:
                raise unittest.SkipTest(reason)
        from heat.tests.functional import minicloud
        cls.cloud = minicloud.ensure_up()
        cls.env = fixtures.EnvironmentVariable('OS_CLIENT_CONFIG_FILE',
                                               cls.cloud.clouds_yaml)
        cls.env.setUp()
        cls.metrics = prom.MetricEndpoint()
        try:
            cls.prometheus = prom.PrivatePrometheus(
                [cls.metrics.target]).start()
        except RuntimeError as exc:
            cls._teardown()
            raise unittest.SkipTest(str(exc)) from exc
        try:
            cls.cluster = processes.Cluster(
                engines=1,
                extra_conf='[clients]\ncloud = %s\n'
                           % cls.cloud.admin_cloud_name).start()
        except BaseException:
            cls._teardown()
            raise

    @classmethod
    def _teardown(cls):
        for thing in (cls.cluster, cls.prometheus, cls.metrics):
            if thing is not None:
                thing.stop()
        cls.cluster = cls.prometheus = cls.metrics = None
        cls.env.cleanUp()

    @classmethod
    def tearDownClass(cls):
        cls._teardown()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        import openstack
        from heatclient import client as heat_client
        self.conn = openstack.connect(cloud=self.cloud.admin_cloud_name)
        self.addCleanup(self.conn.close)
        self.project = 'cloud-%s' % uuid.uuid4().hex[:8]
        self.hc = heat_client.Client(
            '1', endpoint=self.cluster.endpoint(self.project),
            token='fake-token')
        # each test its own gauge: the other test's alarms never see it
        self.metric = 'heat_test_load_%s' % uuid.uuid4().hex[:8]
        # what the alarms query: the gauge's last sample of the last 30 s,
        # so that a scrape missed on a loaded machine (the series goes
        # stale) is not "insufficient data", whose end would fire the
        # alarm a second time
        self.query = 'last_over_time(%s[30s])' % self.metric
        self.metrics.set(self.metric, 30)
        self.assertEqual(30, self.prometheus.wait_for(self.query),
                         'Prometheus does not scrape the test gauge')

    # -- helpers -----------------------------------------------------------

    def stack_status(self, stack_id):
        stk = self.hc.stacks.get(stack_id)
        return stk.stack_status, stk.stack_status_reason

    def servers(self, tag):
        """Nova's servers whose metadata has ``tag`` (key, value): the
        group's members (their names are cut to 53 characters, so a
        name prefix cannot find them). ``{id: (status, address)}``."""
        key, value = tag
        out = {}
        for s in cloud_fixture.servers(self.conn):
            if (s.metadata or {}).get(key) != value:
                continue
            addrs = [a['addr'] for net in (s.addresses or {}).values()
                     for a in net]
            out[s.id] = (s.status, addrs[0] if addrs else None)
        return out

    def outputs(self, stack_id):
        return {o['output_key']: o.get('output_value')
                for o in self.hc.stacks.get(stack_id).outputs}

    def group_refs(self, stack_id, output):
        refs = self.outputs(stack_id)[output] or []
        return refs.split(',') if isinstance(refs, str) else refs

    def wait_servers(self, stack_id, tag, output, count):
        """Nova and the group agree on ``count`` ACTIVE servers: the
        group's ``refs`` are their ids, an AWS group's ``InstanceList``
        their addresses."""
        def agree():
            servers = self.servers(tag)
            refs = set(self.group_refs(stack_id, output))
            seen = (set(servers) if output == 'refs'
                    else {ip for _, ip in servers.values()})
            return (len(servers) == count and
                    {st for st, _ in servers.values()} == {'ACTIVE'} and
                    seen == refs)
        try:
            self.poll('%d servers in Nova and in the group' % count, agree,
                      timeout=ALARM_WAIT)
        except self.failureException:
            self.addDetail('diagnostics', testtools.content.text_content(
                self.diagnostics(stack_id, tag, output)))
            raise
        return self.servers(tag)

    def diagnostics(self, stack_id, tag, output):
        lines = ['servers: %r' % (self.servers(tag),),
                 'group %s: %r' % (output,
                                   self.group_refs(stack_id, output)),
                 'prometheus targets: %r' % (self.prometheus.target_health(),),
                 'gauge %s: %r' % (self.query,
                                   self.prometheus.query(self.query))]
        for res in self.hc.resources.list(stack_id):
            lines.append('%s %s %s: %s' % (
                res.resource_name, res.resource_type, res.resource_status,
                res.resource_status_reason))
            if 'Alarm' in res.resource_type and res.physical_resource_id:
                alarm = self.conn.session.get(
                    '/v2/alarms/%s' % res.physical_resource_id,
                    endpoint_filter={'service_type': 'alarming',
                                     'interface': 'public'},
                    raise_exc=False)
                body = alarm.json() if alarm.ok else alarm.text
                lines.append('  aodh: %r' % (
                    {k: body.get(k) for k in ('state', 'state_reason',
                                              'alarm_actions')}
                    if isinstance(body, dict) else body,))
        for ev in self.hc.events.list(stack_id):
            lines.append('event %s %s %s' % (ev.resource_name,
                                             ev.resource_status,
                                             ev.resource_status_reason))
        return '\n'.join(lines)

    def alarm_ids(self, stack_id, names):
        return [self.hc.resources.get(stack_id, n).physical_resource_id
                for n in names]

    def assert_nothing_left(self, server_ids, alarm_ids):
        for sid in server_ids:
            self.assertIsNone(self.conn.compute.find_server(sid),
                              'server %s left behind' % sid)
            ports = list(self.conn.network.ports(device_id=sid))
            self.assertEqual([], ports, 'ports of %s left behind' % sid)
        adapter = self.conn.session
        for aid in alarm_ids:
            resp = adapter.get('/v2/alarms/%s' % aid, endpoint_filter={
                'service_type': 'alarming', 'interface': 'public'},
                raise_exc=False)
            self.assertEqual(404, resp.status_code,
                             'alarm %s left behind' % aid)

    def run_scaling(self, template, output, alarms, tag_key, policies):
        self.metrics.set(self.metric, 30)
        created = self.hc.stacks.create(
            stack_name='classic-%s' % uuid.uuid4().hex[:6],
            template=template, parameters={'metric': self.query})
        stack_id = created['stack']['id']
        self.addCleanup(self._delete_quietly, stack_id)
        self.wait_status(self.hc, stack_id, 'CREATE_COMPLETE')
        # what the members carry: the stack's id (HOT template), the
        # group's reference (AWS group's metering tag)
        tag = (tag_key, stack_id if tag_key == 'metering.server_group'
               else self.outputs(stack_id)['GroupRef'])
        first = self.wait_servers(stack_id, tag, output, 2)
        alarm_ids = self.alarm_ids(stack_id, alarms)

        self.metrics.set(self.metric, 100)  # over 50: scale up
        grown = self.wait_servers(stack_id, tag, output, 3)
        self.assertLessEqual(set(first), set(grown))

        self.metrics.set(self.metric, 10)  # under 20: scale down
        shrunk = self.wait_servers(stack_id, tag, output, 2)

        # each alarm's trigger left its decision on the policy's events
        events = [e for e in self.hc.events.list(stack_id)
                  if e.resource_status.startswith('SIGNAL')]
        signals = [(e.resource_name, e.resource_status_reason)
                   for e in events]
        self.assertEqual(sorted(policies), sorted({n for n, _ in signals}),
                         signals)
        # scaling down created no server: every one left was there before
        # the first scale-down signal (on a loaded machine a missed scrape
        # can make the high alarm fire once more after 3 servers were
        # seen, so "left" need not be a subset of that snapshot)
        down = min(_when(e.event_time) for e in events
                   if e.resource_name == policies[1])
        for sid in shrunk:
            created = _when(self.conn.compute.get_server(sid).created_at)
            self.assertLessEqual(created, down + 1, 'server %s created %s, '
                                 'after the first scale-down signal (%s): %r'
                                 % (sid, created, down, signals))
        grown = dict(grown, **shrunk)

        self.hc.stacks.delete(stack_id)
        self.poll('delete of %s' % stack_id,
                  lambda: self._deleted(stack_id))
        self.assert_nothing_left(set(grown) | set(first), alarm_ids)

    def _delete_quietly(self, stack_id):
        """A failed test's stack: its servers and alarms go too."""
        try:
            self.hc.stacks.delete(stack_id)
            self.poll('delete of %s' % stack_id,
                      lambda: self._deleted(stack_id))
        except Exception:  # noqa: BLE001 - gone already, or reported
            pass

    def _deleted(self, stack_id):
        from heatclient import exc
        try:
            status, reason = self.stack_status(stack_id)
        except exc.HTTPNotFound:
            return True
        if status == 'DELETE_FAILED':
            self.fail(reason)
        return status == 'DELETE_COMPLETE'

    # -- tests -------------------------------------------------------------

    def test_alarm_scales_nova_servers_up_and_down(self):
        self.run_scaling(HOT, 'refs', ['load_high', 'load_low'],
                         'metering.server_group', ['scale_up', 'scale_down'])

    def test_aws_launch_configuration_scales_up_and_down(self):
        self.run_scaling(CFN, 'InstanceList', ['LoadHigh', 'LoadLow'],
                         'metering.AutoScalingGroupName',
                         ['ScaleUp', 'ScaleDown'])
