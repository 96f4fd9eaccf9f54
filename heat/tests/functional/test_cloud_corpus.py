"""The corpus's class-B templates on the real mini cloud.

Every class-B template of the shared corpus (``../shared/corpus``, see
its INDEX.md; main and derived roles, support files only through the
main template that uses them) is one test. What each needs comes from
the corpus manifest (``needs`` and ``leaf_types``), what the engine
implements from its type registry, and what the cloud serves from the
cloud itself (its catalog, Neutron's extensions, its external networks,
whether Aodh takes a ``threshold`` alarm, its hypervisor type):

- a template needing something this cloud lacks is skipped with what it
  needs and for which types ("needs Cinder (OS::Cinder::Volume)");
- one whose needs the cloud has but the engine does not implement is
  skipped naming the types;
- one that runs is created by a served engine
  (:class:`heat.tests.engine_fixture.EngineFixture`, SQLite) acting on
  the mini cloud (:class:`heat.tests.cloud_fixture.CloudFixture`) as the
  project ``other`` (nobody else's networks: a server without a network
  boots on ``mc-net``, the only one it sees), with the cloud's values
  for its parameters (image ``tiny``, flavor ``mc.tiny``, network
  ``mc-net``, a key pair the test makes, groups of 2): it must reach
  ``CREATE_COMPLETE``; every cloud object of its resources (nested
  stacks included) must exist in the cloud (servers ``ACTIVE``, and a
  group's members as many as its size), with the checks of its own
  (``EXTRA``: outputs against Nova, the members' key pair, security
  groups, image and flavor per index, metering tags, scheduler hints and
  user data; a scale-up signal grows a group by a server ACTIVE in
  Nova; a LaunchConfiguration change rolls an InstanceGroup through new
  servers; adding a RollingUpdate policy replaces none; the alarms'
  rules in Aodh); its delete must leave none of them, nor the servers'
  ports, nor anything named after the stack;
- a unit-test plugin type nothing refers to (``SignalResourceType``
  beside the alarm of upstream's Aodh fixtures) is mapped to
  ``OS::Heat::None`` in the environment; one something refers to skips
  the template;
- the images, flavors, key pairs and security groups a runnable
  template names literally (upstream's unit fixtures: image ``foo``,
  flavor ``m1.medium``, key ``test``, group ``sg-1``, ``image%index%``)
  or through a parameter the cloud lacks (a flavor limited to ``m1.*``
  by AllowedValues) are made for the run, private to the project (the
  images with ``tiny``'s bytes, the flavors like ``mc.tiny``), and
  deleted afterwards; a literal group size over 3 (``Size: "10"``, no
  parameter to lower it) is cut to 2, as the table says: 30 fake-driver
  servers at once overwhelm this 2-core cloud;
- heat-translator outputs that are not deployable Heat templates as
  written (placeholders left for the user, Tacker-only properties) are
  created too: the engine must refuse them at validation, naming the
  defect, as upstream Heat does (``NOT_DEPLOYABLE``).

Runnable templates are created concurrently (``WORKERS`` at a time,
from ``setUpClass``, only those of the tests selected to run); each test
waits for its own. A template expected to fail because of an engine gap
is listed in ``EXPECTED_FAILURES`` with the reason: it must fail (one
that starts passing fails its test). ``tearDownClass`` prints every
class-B template with its status and the count line.

Everything skips with the reason when the corpus or the cloud is not
there.
"""

import base64
import collections
import concurrent.futures
import copy
import hashlib
import inspect
import json
import os
import re
import sys
import threading
import time
import unittest
import uuid

import fixtures
import yaml
from testtools import content

from heat.common import context, exception
from heat.engine import resource_types
from heat.engine import resources as engine_resources
from heat.tests import base, cloud_fixture, corpus, db_fixtures, engine_fixture

#: template path -> why it is expected to fail (an engine gap).
EXPECTED_FAILURES = {
}

#: heat-translator outputs that are not deployable as written: path ->
#: (why, what the engine's refusal must say). Upstream Heat refuses them
#: at validation as well.
_TR = 'heat-translator/samples__tests__data__hot_output__'
NOT_DEPLOYABLE = {
    _TR + 'etsi_nfv__scaling_non_deltas_in_aspect_delta__hot_nfv_scaling_'
    'non_deltas_in_aspect_delta.yaml': (
        'translator output left for the user to complete (no min_size/'
        'max_size, desired_capacity DESIRED_CAPACITY, policies without '
        'scaling_adjustment, #ADD_YOUR_NETWORK_HERE)',
        'resources.worker_instance.properties: Property max_size not '
        'assigned'),
    _TR + 'etsi_nfv__scaling_non_target_vdu_in_aspect_delta__hot_nfv_'
    'scaling_non_target_vdu_in_aspect_delta.yaml': (
        'translator output whose policies name a group it does not '
        'have (worker_instance)',
        'The specified reference "worker_instance" (in '
        'resources.worker_instance_scale_out.properties.'
        'auto_scaling_group_id) is incorrect.'),
    _TR + 'etsi_nfv__scaling_non_target_vdu_in_initial_delta__hot_nfv_'
    'scaling_non_target_vdu_in_initial_delta.yaml': (
        'translator output left for the user to complete (no min_size/'
        'max_size, desired_capacity DESIRED_CAPACITY, '
        '#ADD_YOUR_NETWORK_HERE)',
        'resources.worker_instance.properties: Property max_size not '
        'assigned'),
    _TR + 'etsi_nfv__vdu_cp_with_scaling_multi_aspects__hot_nfv_vdu_cp_'
    'with_scaling_multi_aspects.yaml': (
        'translator output left for the user to complete '
        '(desired_capacity DESIRED_CAPACITY, #ADD_YOUR_NETWORK_HERE)',
        "resources.worker_instance1.properties.desired_capacity: Value "
        "'DESIRED_CAPACITY' is not an integer"),
    _TR + 'nfv__hot_tosca_nfv_autoscaling.yaml': (
        'translator output for Tacker: its ports carry the Tacker-only '
        'properties anti_spoofing_protection and management (Tacker '
        'rewrites them before calling Heat)',
        'resources.SP1_group<nested_stack>.resources.0<SP1_res.yaml>.'
        'resources.CP1.properties: Unknown Property '
        'anti_spoofing_protection'),
}

#: the cloud entry the engine acts as (see the module docstring)
ENGINE_CLOUD = 'mc-other'
ADMIN_CLOUD = 'mc-admin'
#: seconds for one stack action; the stacks' own timeout (minutes)
WAIT = 240
TIMEOUT_MINS = 5
#: stacks created at once: one. A template that makes a network of its
#: own gives the project a second network meanwhile, and Nova then refuses
#: another template's servers that name none ("Multiple possible networks
#: found"), as it would for a user
WORKERS = 1
#: the size given to a group through a parameter
GROUP_SIZE = 2
#: literal group sizes above this are cut to GROUP_SIZE
MAX_LITERAL_SIZE = 3

ROLES = ('main', 'main+support', 'derived')

#: Heat unit-test plugin types (heat/tests/generic_resource.py): a
#: template that only declares one (no other resource refers to it) runs
#: with it mapped to OS::Heat::None in its environment.
UNIT_TEST_PLUGINS = ('SignalResourceType', 'GenericResourceType',
                     'ResourceWithPropsType', 'ResourceWithPropsAndAttrs')

# ---------------------------------------------------------------------------
# what a type needs of the cloud

#: service client name (heat.engine.resource_types) -> (catalog types,
#: the service's name)
SERVICES = {
    'nova': (('compute',), 'Nova'),
    'neutron': (('network',), 'Neutron'),
    'glance': (('image',), 'Glance'),
    'aodh': (('alarming',), 'Aodh'),
    'keystone': (('identity',), 'Keystone'),
    'cinder': (('block-storage', 'volumev3', 'volumev2', 'volume'),
               'Cinder'),
    'octavia': (('load-balancer',), 'Octavia'),
    'swift': (('object-store',), 'Swift'),
    'zaqar': (('messaging',), 'Zaqar'),
    'mistral': (('workflowv2', 'workflow'), 'Mistral'),
    'monasca': (('monitoring',), 'Monasca'),
    'senlin': (('clustering',), 'Senlin'),
    'designate': (('dns',), 'Designate'),
    'barbican': (('key-manager',), 'Barbican'),
    'manila': (('sharev2', 'share'), 'Manila'),
    'magnum': (('container-infra',), 'Magnum'),
    'sahara': (('data-processing',), 'Sahara'),
    'trove': (('database',), 'Trove'),
    'blazar': (('reservation',), 'Blazar'),
    'zun': (('container',), 'Zun'),
    'ironic': (('baremetal',), 'Ironic'),
    'vitrage': (('rca',), 'Vitrage'),
}

#: what some types need beyond their service: (kind, argument, label)
ROUTER = ('extension', 'router', 'Neutron L3 routers (router extension)')
EXTNET = ('external-network', None, 'an external network')
QOS = ('extension', 'qos', 'Neutron QoS (qos extension)')
LBAAS1 = ('extension', 'lbaas', 'Neutron LBaaS v1 (lbaas extension)')
LBAAS2 = ('extension', 'lbaasv2', 'Neutron LBaaS v2 (lbaasv2 extension)')
GNOCCHI = ('service', ('metric',), 'Gnocchi')
THRESHOLD = ('aodh-rule', 'threshold',
             'Aodh threshold alarms on Ceilometer meters (Ceilometer)')
OCTAVIA = ('service', ('load-balancer',), 'Octavia')
CFN = ('service', ('cloudformation',),
       'Keystone EC2 credentials and the Heat CFN API (no cloudformation '
       'endpoint)')
GUEST = ('guest', None,
         'guests that run their user_data (this Nova boots none)')

EXTRA_NEEDS = {}
for _t in ('OS::Neutron::Router', 'OS::Neutron::RouterInterface',
           'OS::Neutron::ExtraRoute', 'OS::Neutron::ExtraRouteSet'):
    EXTRA_NEEDS[_t] = (ROUTER,)
for _t in ('OS::Neutron::RouterGateway', 'OS::Neutron::FloatingIP',
           'OS::Neutron::FloatingIPAssociation',
           'OS::Neutron::FloatingIPPortForward', 'OS::Nova::FloatingIP',
           'OS::Nova::FloatingIPAssociation', 'AWS::EC2::EIP',
           'AWS::EC2::EIPAssociation'):
    EXTRA_NEEDS[_t] = (ROUTER, EXTNET)
for _t, _info in resource_types.TYPES.items():
    if _t.startswith('OS::Neutron::QoS'):
        EXTRA_NEEDS[_t] = (QOS,)
    elif _t.startswith('OS::Neutron::LBaaS::'):
        EXTRA_NEEDS[_t] = (LBAAS2,)
    elif 'Gnocchi' in _t:
        EXTRA_NEEDS[_t] = (GNOCCHI,)
for _t in ('OS::Neutron::Pool', 'OS::Neutron::PoolMember',
           'OS::Neutron::HealthMonitor', 'OS::Neutron::LoadBalancer'):
    EXTRA_NEEDS[_t] = (LBAAS1,)
for _t in ('OS::Aodh::Alarm', 'OS::Ceilometer::Alarm', 'OS::Metering::Alarm',
           'AWS::CloudWatch::Alarm'):
    EXTRA_NEEDS[_t] = (THRESHOLD,)
EXTRA_NEEDS['OS::Aodh::LBMemberHealthAlarm'] = (OCTAVIA,)
# upstream's ELB is a nested stack of a haproxy instance that signals a
# CFN wait condition; the IAM types are Keystone EC2 credentials of a
# stack user, used against the Heat CFN API
for _t in ('AWS::IAM::User', 'AWS::IAM::AccessKey',
           'AWS::CloudFormation::WaitConditionHandle'):
    EXTRA_NEEDS[_t] = (CFN,)
EXTRA_NEEDS['AWS::ElasticLoadBalancing::LoadBalancer'] = (CFN, GUEST)
for _t in ('OS::Heat::WaitCondition', 'AWS::CloudFormation::WaitCondition',
           'OS::Heat::SoftwareDeployment', 'OS::Heat::StructuredDeployment',
           'OS::Heat::SoftwareDeploymentGroup',
           'OS::Heat::StructuredDeploymentGroup',
           'OS::Heat::SoftwareDeployments', 'OS::Heat::StructuredDeployments'):
    EXTRA_NEEDS[_t] = (GUEST,)

#: group type -> the properties giving its size, in order
GROUP_SIZE_PROPS = {
    'OS::Heat::AutoScalingGroup': ('desired_capacity', 'min_size'),
    'AWS::AutoScaling::AutoScalingGroup': ('DesiredCapacity', 'MinSize'),
    'OS::Heat::InstanceGroup': ('Size',),
    'OS::Heat::ResourceGroup': ('count',),
}
SERVER_TYPES = ('OS::Nova::Server', 'AWS::EC2::Instance')


def _manifest():
    with open(os.path.join(corpus.templates_dir(), 'manifest.json')) as f:
        return {row['out']: row for row in json.load(f)}


def _read(path):
    with open(os.path.join(corpus.templates_dir(), path)) as f:
        return f.read()


def _load(text):
    try:
        return json.loads(text)
    except ValueError:
        return yaml.safe_load(text)


def _section(tmpl, *names):
    for name in names:
        if isinstance(tmpl.get(name), dict):
            return tmpl[name]
    return {}


def _resources(tmpl):
    return _section(tmpl, 'resources', 'Resources')


def _parameters(tmpl):
    return _section(tmpl, 'parameters', 'Parameters')


def _props(defn):
    props = defn.get('properties', defn.get('Properties'))
    return props if isinstance(props, dict) else {}


def _type(defn):
    return defn.get('type', defn.get('Type'))


def _walk(value):
    yield value
    if isinstance(value, dict):
        for v in value.values():
            yield from _walk(v)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v)


def _referenced(tmpl):
    """Names of the resources another part of the template refers to."""
    names = set()
    for node in _walk(tmpl):
        if not isinstance(node, dict) or len(node) != 1:
            continue
        (key, arg), = node.items()
        if key in ('get_resource', 'Ref') and isinstance(arg, str):
            names.add(arg)
        elif key in ('get_attr', 'Fn::GetAtt') and isinstance(arg, list) \
                and arg and isinstance(arg[0], str):
            names.add(arg[0])
    for defn in _resources(tmpl).values():
        deps = defn.get('depends_on', defn.get('DependsOn')) or []
        names.update([deps] if isinstance(deps, str) else deps)
    return names


def _test_name(path):
    return 'test_' + re.sub(r'[^0-9a-zA-Z]+', '_',
                            os.path.basename(path)).strip('_')


# ---------------------------------------------------------------------------
# what the cloud has

class CloudFacts:
    """What the mini cloud serves, asked of the cloud itself."""

    def __init__(self, conn, admin):
        self.catalog = {e['type'] for e in conn.service_catalog}
        self.extensions = {e.alias for e in conn.network.extensions()}
        self.external_networks = [
            n.name for n in admin.network.networks(is_router_external=True)]
        self.hypervisors = {h.hypervisor_type for h in
                            admin.compute.hypervisors(details=True)}
        self.aodh_rules = {}
        self._conn = conn

    def has_service(self, types):
        return bool(self.catalog & set(types))

    def aodh_takes(self, rule):
        """Whether Aodh accepts an alarm of ``rule`` type (asked once)."""
        if rule not in self.aodh_rules:
            self.aodh_rules[rule] = self._probe_aodh(rule)
        return self.aodh_rules[rule]

    def _probe_aodh(self, rule):
        if not self.has_service(('alarming',)):
            return False
        url = _aodh_url(self._conn, '/alarms')
        body = {'name': 'corpus-probe-%s' % uuid.uuid4().hex[:6],
                'type': rule,
                '%s_rule' % rule: {'meter_name': 'cpu_util',
                                   'threshold': 1}}
        response = self._conn.alarm.post(url, json=body, raise_exc=False)
        if response.status_code < 300:
            self._conn.alarm.delete(_aodh_url(
                self._conn, '/alarms/%s' % response.json()['alarm_id']),
                raise_exc=False)
            return True
        return False

    def lacks(self, need):
        """Whether the cloud lacks ``need`` (a (kind, arg, label))."""
        kind, arg, _label = need
        if kind == 'service':
            return not self.has_service(arg)
        if kind == 'extension':
            return arg not in self.extensions
        if kind == 'external-network':
            return not self.external_networks
        if kind == 'aodh-rule':
            return not self.aodh_takes(arg)
        if kind == 'guest':
            return self.hypervisors <= {'fake'}
        raise ValueError(kind)


def _aodh_url(conn, path):
    base_url = conn.alarm.get_endpoint().rstrip('/')
    if not base_url.endswith('/v2'):
        base_url += '/v2'
    return base_url + path


def type_needs(type_name):
    """``[(kind, arg, label)]``: what ``type_name`` needs of a cloud."""
    info = resource_types.lookup(type_name)
    needs = []
    if info is not None and info.service is not None:
        types, label = SERVICES[info.service]
        needs.append(('service', types, label))
    needs.extend(EXTRA_NEEDS.get(type_name, ()))
    return needs


# ---------------------------------------------------------------------------
# the decision for each template

Plan = collections.namedtuple('Plan', 'path kind reason')
#: kind: 'cloud' (skip: the cloud lacks a service), 'engine' (skip: the
#: engine lacks a type), 'plugin' (skip: a test-only type), 'refuse'
#: (run: the engine must refuse it), 'deploy' (run on the cloud)


def _type_names(row):
    names = set(row['needs']) | set(row['leaf_types'])
    return sorted(n for n in names if not n.startswith('param-constraint:'))


def _composite_rule_types(tmpl):
    kinds = set()
    for defn in _resources(tmpl).values():
        if _type(defn) == 'OS::Aodh::CompositeAlarm':
            for node in _walk(_props(defn).get('composite_rule')):
                if isinstance(node, dict) and isinstance(
                        node.get('type'), str):
                    kinds.add(node['type'])
    return kinds


def _external_network_params(tmpl):
    return sorted(name for name, p in _parameters(tmpl).items()
                  if _param_kind(name, p) == 'external-network')


def decide(path, row, facts, registered):
    """The :class:`Plan` of one class-B template."""
    tmpl = _load(_read(path))
    missing = collections.OrderedDict()   # label -> [types]
    engine_lacks = []
    plugins = []
    for type_name in _type_names(row):
        needs = type_needs(type_name)
        service_needs = needs[:1]
        if type_name == 'OS::Aodh::CompositeAlarm':
            kinds = _composite_rule_types(tmpl)
            if 'threshold' in kinds:
                needs.append(THRESHOLD + ('rules of type threshold',))
            if any(k.startswith('gnocchi') for k in kinds):
                needs.append(GNOCCHI + ('rules of type gnocchi_*',))
        lacking = [n for n in needs if facts.lacks(n[:3])]
        for need in lacking:
            missing.setdefault(need[2], []).append(
                ' '.join((type_name,) + tuple(need[3:])))
        if type_name in registered:
            continue
        if resource_types.lookup(type_name) is None:
            plugins.append(type_name)
        elif not any(facts.lacks(n) for n in service_needs):
            # the cloud has its service: the engine is what lacks it
            engine_lacks.append(type_name)
    for name in _external_network_params(tmpl):
        if facts.lacks(EXTNET):
            missing.setdefault(EXTNET[2], []).append(
                'parameter %s' % name)
    if missing:
        reason = '; '.join('needs %s (%s)' % (label, ', '.join(types))
                           for label, types in missing.items())
        if engine_lacks:
            reason += '; engine lacks %s' % ', '.join(engine_lacks)
        return Plan(path, 'cloud', reason)
    if engine_lacks:
        return Plan(path, 'engine',
                    'engine lacks %s (the cloud has what it needs)'
                    % ', '.join(engine_lacks))
    referenced = _referenced(tmpl)
    blocking = []
    for type_name in plugins:
        users = [n for n, d in _resources(tmpl).items()
                 if _type(d) == type_name]
        if type_name not in UNIT_TEST_PLUGINS or set(users) & referenced:
            blocking.append(type_name)
    if blocking:
        return Plan(path, 'plugin',
                    'needs %s, a type only Heat\'s unit tests define '
                    '(heat/tests/generic_resource.py)'
                    % ', '.join(blocking))
    if path in NOT_DEPLOYABLE:
        return Plan(path, 'refuse', NOT_DEPLOYABLE[path][0])
    return Plan(path, 'deploy', '')


def class_b_paths(manifest):
    return sorted(p for p, row in manifest.items()
                  if row['class'] == 'B' and row['role'] in ROLES)


# ---------------------------------------------------------------------------
# parameters, files and the cloud objects a template names

def _param_kind(name, param):
    key = re.sub(r'[^a-z]', '', name.lower())
    constraints = [c.get('custom_constraint')
                   for c in param.get('constraints') or []
                   if isinstance(c, dict)]
    ptype = str(param.get('type', param.get('Type', 'string'))).lower()
    if 'nova.keypair' in constraints or 'keyname' in key or key in (
            'key', 'keypair', 'sshkey'):
        return 'keypair'
    if 'glance.image' in constraints or 'image' in key:
        return 'image'
    if 'nova.flavor' in constraints or 'flavor' in key or \
            'instancetype' in key:
        return 'flavor'
    if 'subnet' in key:
        return 'subnet'
    if 'net' in key and any(w in key for w in ('public', 'external',
                                                'extnet', 'floating')):
        return 'external-network'
    if 'net' in key:
        return 'network'
    if ptype == 'number' and any(w in key for w in (
            'num', 'count', 'size', 'capacity', 'instances')):
        return 'count'
    return None


def _allowed(param):
    allowed = list(param.get('AllowedValues') or [])
    for c in param.get('constraints') or []:
        if isinstance(c, dict) and c.get('allowed_values'):
            allowed.extend(c['allowed_values'])
    return allowed


def _bounded(value, param):
    low = param.get('MinValue')
    high = param.get('MaxValue')
    for c in param.get('constraints') or []:
        if isinstance(c, dict) and isinstance(c.get('range'), dict):
            low = c['range'].get('min', low)
            high = c['range'].get('max', high)
    if low is not None:
        value = max(value, int(low))
    if high is not None:
        value = min(value, int(high))
    return value


def choose_params(tmpl, keypair, cloud):
    """``{name: value}`` for the template's parameters on this cloud."""
    params = {}
    for name, param in _parameters(tmpl).items():
        param = param if isinstance(param, dict) else {}
        kind = _param_kind(name, param)
        if kind == 'keypair':
            params[name] = keypair
        elif kind == 'image':
            params[name] = cloud.image
        elif kind == 'flavor':
            allowed = _allowed(param)
            if allowed and cloud.flavor not in allowed:
                tiny = [v for v in allowed if 'tiny' in str(v)]
                params[name] = (tiny or allowed)[0]
            else:
                params[name] = cloud.flavor
        elif kind == 'subnet':
            params[name] = cloud.subnet
        elif kind == 'network':
            params[name] = cloud.network
        elif kind == 'count':
            params[name] = _bounded(GROUP_SIZE, param)
        elif 'default' in param or 'Default' in param:
            continue
        else:
            ptype = str(param.get('type', param.get('Type', 'string')))
            params[name] = {'number': 1, 'json': {},
                            'comma_delimited_list': ''}.get(
                ptype.lower(), 'corpus-%s' % name.lower())
    return params


def _value(value, params, tmpl):
    """A literal, or a parameter's value; None when not known."""
    if isinstance(value, (str, int)) and not isinstance(value, bool):
        return value
    if isinstance(value, dict) and len(value) == 1:
        (key, arg), = value.items()
        if key in ('get_param', 'Ref') and isinstance(arg, str):
            if arg in params:
                return params[arg]
            param = _parameters(tmpl).get(arg) or {}
            return param.get('default', param.get('Default'))
    return None


def group_size(defn, params, tmpl):
    for prop in GROUP_SIZE_PROPS.get(_type(defn), ()):
        value = _value(_props(defn).get(prop), params, tmpl)
        if value is not None:
            return int(value)
    return 0


def cut_sizes(tmpl, params):
    """Literal group sizes over MAX_LITERAL_SIZE cut to GROUP_SIZE, in
    place; ``[note]``."""
    notes = []
    for name, defn in _resources(tmpl).items():
        props = _props(defn)
        for prop in GROUP_SIZE_PROPS.get(_type(defn), ()):
            value = props.get(prop)
            if isinstance(value, (str, int)) and int(value) > \
                    MAX_LITERAL_SIZE:
                props[prop] = type(value)(GROUP_SIZE)
                notes.append('%s %s %s cut to %d' % (name, prop, value,
                                                     GROUP_SIZE))
    return notes


#: (type, property, kind of cloud object) a template names
NAMED = (
    ('OS::Nova::Server', 'image', 'image'),
    ('OS::Nova::Server', 'flavor', 'flavor'),
    ('OS::Nova::Server', 'key_name', 'keypair'),
    ('AWS::EC2::Instance', 'ImageId', 'image'),
    ('AWS::EC2::Instance', 'InstanceType', 'flavor'),
    ('AWS::EC2::Instance', 'KeyName', 'keypair'),
    ('AWS::EC2::Instance', 'SecurityGroups', 'security-group'),
    ('AWS::AutoScaling::LaunchConfiguration', 'ImageId', 'image'),
    ('AWS::AutoScaling::LaunchConfiguration', 'InstanceType', 'flavor'),
    ('AWS::AutoScaling::LaunchConfiguration', 'KeyName', 'keypair'),
    ('AWS::AutoScaling::LaunchConfiguration', 'SecurityGroups',
     'security-group'),
)


def named_objects(tmpl, params):
    """``{(kind, name)}`` of the cloud objects the template names."""
    found = set()

    def visit(defn, indexes):
        for type_name, prop, kind in NAMED:
            if _type(defn) != type_name:
                continue
            value = _props(defn).get(prop)
            values = value if isinstance(value, list) else [value]
            for v in values:
                v = _value(v, params, tmpl)
                if not isinstance(v, str) or not v:
                    continue
                for i in indexes:
                    found.add((kind, v.replace('%index%', str(i))))

    for defn in _resources(tmpl).values():
        if not isinstance(defn, dict):
            continue
        visit(defn, [0])
        if _type(defn) == 'OS::Heat::ResourceGroup':
            inner = _props(defn).get('resource_def')
            if isinstance(inner, dict):
                visit(inner, range(group_size(defn, params, tmpl)))
        elif _type(defn) == 'OS::Heat::AutoScalingGroup':
            inner = _props(defn).get('resource')
            if isinstance(inner, dict):
                visit(inner, [0])
    return found


def files_and_registry(path, manifest):
    """``(files, resource_registry)`` a main template needs from its
    support files (the manifest's registry), recursively."""
    files, registry = {}, {}
    todo = [path]
    while todo:
        row = manifest[todo.pop()]
        for name, target in row['registry'].items():
            if target not in manifest:
                continue
            base_name = os.path.basename(target)
            if re.search(r'\.(yaml|yml|template|json)$', name):
                files[name] = _read(target)
            else:
                registry[name] = base_name
                files[base_name] = _read(target)
            todo.append(target)
    return files, registry


# ---------------------------------------------------------------------------
# the run

class CloudValues:
    """The mini cloud's names the templates are given."""

    image = 'tiny'
    flavor = 'mc.tiny'
    network = 'mc-net'
    subnet = 'mc-subnet'


class Objects:
    """The cloud objects made for the run, deleted by :meth:`clean`."""

    def __init__(self, conn, admin, project_id):
        self.conn, self.admin, self.project_id = conn, admin, project_id
        self.made = []
        self.lock = threading.Lock()

    def ensure(self, kind, name):
        """Make ``name`` of ``kind`` unless the project sees one; returns
        a note when it made it."""
        with self.lock:
            if self._exists(kind, name):
                return None
            self._make(kind, name)
            return 'made %s %s' % (kind, name)

    def _exists(self, kind, name):
        if kind == 'image':
            return self.conn.image.find_image(name) is not None
        if kind == 'flavor':
            return self.conn.compute.find_flavor(name) is not None
        if kind == 'keypair':
            return self.conn.compute.find_keypair(name) is not None
        if kind == 'security-group':
            return self.conn.network.find_security_group(
                name, project_id=self.project_id) is not None
        raise ValueError(kind)

    def _make(self, kind, name):
        if kind == 'image':
            tiny = self.conn.image.find_image(CloudValues.image)
            data = self.conn.image.download_image(tiny)
            data = getattr(data, 'content', data)
            obj = self.conn.image.create_image(
                name=name, data=data, disk_format=tiny.disk_format,
                container_format=tiny.container_format,
                visibility='private')
            self.made.append(lambda: self.conn.image.delete_image(
                obj, ignore_missing=True))
        elif kind == 'flavor':
            tiny = self.admin.compute.find_flavor(CloudValues.flavor)
            obj = self.admin.compute.create_flavor(
                name=name, ram=tiny.ram, vcpus=tiny.vcpus, disk=tiny.disk,
                is_public=False)
            self.made.append(lambda: self.admin.compute.delete_flavor(
                obj, ignore_missing=True))
            self.admin.compute.flavor_add_tenant_access(obj,
                                                        self.project_id)
        elif kind == 'keypair':
            obj = self.conn.compute.create_keypair(name=name)
            self.made.append(lambda: self.conn.compute.delete_keypair(
                obj, ignore_missing=True))
        elif kind == 'security-group':
            obj = self.conn.network.create_security_group(
                name=name, description='made for the corpus run')
            self.made.append(lambda: self.conn.network.delete_security_group(
                obj, ignore_missing=True))
        else:
            raise ValueError(kind)

    def clean(self):
        errors = []
        for undo in reversed(self.made):
            try:
                undo()
            except Exception as exc:  # noqa: BLE001 - report them all
                errors.append(exc)
        self.made = []
        if errors:
            raise errors[0]


class Run(fixtures.Fixture):
    """The served engine acting on the cloud, and the test's own
    connections (``conn``: the engine's project; ``admin``)."""

    def _setUp(self):
        import openstack
        self.cloud = self.useFixture(cloud_fixture.CloudFixture(
            cloud=ENGINE_CLOUD))
        self.useFixture(db_fixtures.DatabaseFixture(
            db_fixtures.BACKENDS['sqlite']))
        self.conn = self.cloud.conn
        self.admin = openstack.connect(cloud=ADMIN_CLOUD)
        self.addCleanup(self.admin.close)
        self.engine = self.useFixture(engine_fixture.EngineFixture(
            engine_id='corpus-b-engine'))
        self.svc = self.engine.service
        # admin in Heat (upstream's resource_types: rules let it use
        # the admin-only types); the cloud still sees the project other
        self.ctx = context.RequestContext(project_id='corpus-b',
                                          user_id='tester',
                                          roles=['admin'])
        self.project_id = self.conn.current_project_id
        self.objects = Objects(self.conn, self.admin, self.project_id)
        self.addCleanup(self.objects.clean)
        self.keypair = 'corpus-%s' % uuid.uuid4().hex[:8]
        self.objects.ensure('keypair', self.keypair)
        self.prefix = 'cb%s' % uuid.uuid4().hex[:4]


_ASSERT = unittest.TestCase()
_ASSERT.maxDiff = None


class Harness:
    """One template's run: the engine, the cloud, assertions, steps."""

    def __init__(self, run, path):
        self.run = run
        self.svc, self.ctx = run.svc, run.ctx
        self.conn, self.admin = run.conn, run.admin
        self.path = path
        self.a = _ASSERT
        self.steps = []
        #: what the table says of a run that passed
        self.notes = []
        self.name = '%s-%s-%s' % (
            run.prefix, hashlib.sha1(path.encode()).hexdigest()[:4],
            re.sub(r'[^a-zA-Z0-9]+', '-',
                   os.path.basename(path))[-36:].strip('-'))

    def step(self, text):
        self.steps.append(text)

    def note(self, text):
        self.step(text)
        self.notes.append(text)

    # -- engine --------------------------------------------------------

    def create(self, tmpl, env, files):
        self.step('create')
        ident = self.svc.create_stack(
            self.ctx, self.name, tmpl, env, files,
            {'timeout_mins': TIMEOUT_MINS, 'disable_rollback': True})
        self.wait(ident, 'CREATE_COMPLETE')
        return ident

    def delete(self, ident):
        self.step('delete')
        self.svc.delete_stack(self.ctx, ident)
        self.wait(ident, 'DELETE_COMPLETE')

    def delete_quietly(self, ident):
        try:
            self.svc.delete_stack(self.ctx, ident)
            self.svc.wait(ident, WAIT)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def wait(self, ident, expect):
        self.a.assertTrue(self.svc.wait(ident, WAIT),
                          'no end in %s s waiting for %s' % (WAIT, expect))
        info = self.svc.show_stack(self.ctx, ident, resolve_outputs=False)[0]
        self.a.assertEqual(expect, '%s_%s' % (info['stack_action'],
                                              info['stack_status']),
                           info['stack_status_reason'])

    def outputs(self, ident):
        info = self.svc.show_stack(self.ctx, ident)[0]
        for out in info['outputs']:
            self.a.assertNotIn('output_error', out, out)
        return {o['output_key']: o['output_value'] for o in info['outputs']}

    def resources(self, ident):
        return self.svc.list_stack_resources(self.ctx, ident,
                                             nested_depth=5)

    # -- cloud ---------------------------------------------------------

    def find(self, kind, pid):
        """The cloud object (None when the cloud says it is gone)."""
        if kind == 'server':
            return self.conn.compute.find_server(pid, ignore_missing=True)
        if kind == 'port':
            return self.conn.network.find_port(pid, ignore_missing=True)
        if kind == 'network':
            return self.conn.network.find_network(pid, ignore_missing=True)
        if kind == 'subnet':
            return self.conn.network.find_subnet(pid, ignore_missing=True)
        if kind == 'security-group':
            return self.conn.network.find_security_group(
                pid, ignore_missing=True)
        if kind == 'security-group-rule':
            return self.conn.network.find_security_group_rule(
                pid, ignore_missing=True)
        if kind == 'keypair':
            return self.conn.compute.find_keypair(pid, ignore_missing=True)
        if kind == 'flavor':
            return self.admin.compute.find_flavor(pid, ignore_missing=True)
        if kind == 'image':
            return self.conn.image.find_image(pid, ignore_missing=True)
        if kind == 'alarm':
            return self.alarm(pid)
        raise ValueError(kind)

    def alarm(self, alarm_id):
        response = self.conn.alarm.get(
            _aodh_url(self.conn, '/alarms/%s' % alarm_id), raise_exc=False)
        if response.status_code == 404:
            return None
        self.a.assertEqual(200, response.status_code, response.text)
        return response.json()

    def server(self, pid):
        return self.conn.compute.get_server(pid)

    def ports_of(self, server_id):
        return [p.id for p in self.conn.network.ports(device_id=server_id)]

    def named_after_stack(self):
        """What the project has whose name starts with the stack's."""
        prefix = self.name + '-'
        left = []
        for s in cloud_fixture.servers(self.conn):
            if (s.name or '').startswith(prefix):
                left.append('server %s' % s.name)
        for p in self.conn.network.ports(project_id=self.run.project_id):
            if (p.name or '').startswith(prefix):
                left.append('port %s' % p.name)
        for n in self.conn.network.networks(
                project_id=self.run.project_id):
            if (n.name or '').startswith(prefix):
                left.append('network %s' % n.name)
        response = self.conn.alarm.get(_aodh_url(self.conn, '/alarms'),
                                       raise_exc=False)
        ok = response.status_code == 200
        for a in response.json() if ok else ():
            if (a.get('name') or '').startswith(prefix):
                left.append('alarm %s' % a['name'])
        return left


#: resource type -> kind of cloud object its physical id names
KINDS = {
    'OS::Nova::Server': 'server', 'AWS::EC2::Instance': 'server',
    'OS::Neutron::Port': 'port', 'OS::Neutron::Net': 'network',
    'OS::Neutron::Subnet': 'subnet',
    'OS::Neutron::SecurityGroup': 'security-group',
    'OS::Neutron::SecurityGroupRule': 'security-group-rule',
    'OS::Nova::KeyPair': 'keypair', 'OS::Nova::Flavor': 'flavor',
    'OS::Glance::WebImage': 'image', 'OS::Glance::Image': 'image',
}
for _t in resource_types.TYPES:
    if _t.startswith('OS::Aodh::'):
        KINDS[_t] = 'alarm'


def _stack_key(ident):
    return (ident or {}).get('stack_id')


#: a created stack, for the checks of :data:`EXTRA`
Stack = collections.namedtuple('Stack', 'ident tmpl text env files params')


def cloud_objects(h, rows):
    """``{(kind, physical id)}`` of the resources ``rows`` (and their
    servers' ports), each checked to exist in the cloud (servers
    ``ACTIVE``, alarms of their type)."""
    objects = set()
    for r in rows:
        kind = KINDS.get(r['resource_type'])
        if kind is None or not r['physical_resource_id']:
            continue
        pid = r['physical_resource_id']
        found = h.find(kind, pid)
        h.a.assertIsNotNone(found, '%s %s (%s) is not in the cloud' % (
            kind, pid, r['resource_name']))
        if kind == 'server':
            h.a.assertEqual('ACTIVE', found.status, r['resource_name'])
            for port in h.ports_of(pid):
                objects.add(('port', port))
        if kind == 'alarm':
            want = {'OS::Aodh::EventAlarm': 'event',
                    'OS::Aodh::PrometheusAlarm': 'prometheus'}.get(
                r['resource_type'])
            if want:
                h.a.assertEqual(want, found['type'])
        objects.add((kind, pid))
    return objects


def group_members(h, ident, group):
    """``{member name: server id}`` of a group of servers (its nested
    stack's members, each a server)."""
    rows = h.resources(ident)
    nested = None
    for r in rows:
        if r['resource_name'] == group and \
                _stack_key(r['stack_identity']) == ident['stack_id']:
            nested = _stack_key(r.get('nested_stack_id'))
    h.a.assertIsNotNone(nested, '%s has no nested stack' % group)
    members = {}
    for r in rows:
        if _stack_key(r['stack_identity']) == nested:
            h.a.assertIn(r['resource_type'], SERVER_TYPES)
            h.a.assertIn(r['resource_action'], ('CREATE', 'UPDATE'),
                         r['resource_name'])
            h.a.assertEqual('COMPLETE', r['resource_status'],
                            r['resource_status_reason'])
            h.a.assertTrue(r['physical_resource_id'], r['resource_name'])
            members[r['resource_name']] = r['physical_resource_id']
    return members


def wait_members(h, ident, group, count):
    """Until ``group`` has ``count`` members, their servers ACTIVE in
    Nova; ``{member: server id}``."""
    deadline = time.monotonic() + WAIT
    why = ''
    while time.monotonic() < deadline:
        try:
            members = group_members(h, ident, group)
        except AssertionError as exc:
            why = str(exc)
        else:
            states = {n: h.server(sid).status
                      for n, sid in members.items()}
            if len(members) == count and set(states.values()) == {
                    'ACTIVE'}:
                return members
            why = 'servers: %s' % states
        time.sleep(1)
    rows = [(r['resource_name'], r['resource_action'],
             r['resource_status'], r['resource_status_reason'])
            for r in h.resources(ident)]
    h.a.fail('%s has not %d members ACTIVE in %s s (%s); resources: %s'
             % (group, count, WAIT, why, rows))


def signal_up(h, st, policy, group, before):
    """Signal ``policy`` (a +1 scaling policy): the group grows by a
    server ACTIVE in Nova."""
    old = group_members(h, st.ident, group)
    h.a.assertEqual(before, len(old))
    h.step('signal %s' % policy)
    result = h.svc.resource_signal(h.ctx, st.ident, policy, None)
    if isinstance(result, dict):
        h.step('signal: %s' % result.get('reason'))
        h.a.assertTrue(result.get('accepted', True), result)
    new = wait_members(h, st.ident, group, before + 1)
    h.a.assertLessEqual(set(old.values()), set(new.values()))
    h.note('%s: %d -> %d servers ACTIVE' % (policy, before, len(new)))


def check_created(h, ident, tmpl, params):
    """Every cloud object of the stack exists (servers ACTIVE) and every
    group has its size of members, their servers ACTIVE: ``{(kind,
    physical id)}`` of what must be gone after the delete."""
    rows = h.resources(ident)
    by_stack = collections.defaultdict(list)
    for r in rows:
        by_stack[_stack_key(r['stack_identity'])].append(r)
        h.a.assertEqual(('CREATE', 'COMPLETE'),
                        (r['resource_action'], r['resource_status']),
                        '%s: %s' % (r['resource_name'],
                                    r['resource_status_reason']))
    tracked = cloud_objects(h, rows)

    def servers_under(stack_key):
        found = []
        for r in by_stack.get(stack_key, []):
            if r['resource_type'] in SERVER_TYPES:
                found.append(r['physical_resource_id'])
            if r.get('nested_stack_id'):
                found.extend(servers_under(_stack_key(
                    r['nested_stack_id'])))
        return found

    top = by_stack[_stack_key(ident)]
    for r in top:
        defn = _resources(tmpl).get(r['resource_name']) or {}
        if _type(defn) not in GROUP_SIZE_PROPS:
            continue
        size = group_size(defn, params, tmpl)
        nested = _stack_key(r.get('nested_stack_id'))
        members = by_stack.get(nested, []) if nested else []
        h.a.assertEqual(size, len(members), '%s members: %s' % (
            r['resource_name'], [m['resource_name'] for m in members]))
        servers = servers_under(nested) if nested else []
        for sid in servers:
            h.a.assertEqual('ACTIVE', h.server(sid).status)
        h.note('%s: %d members, %d servers ACTIVE' % (
            r['resource_name'], len(members), len(servers)))
    return tracked


def check_gone(h, tracked):
    deadline = time.monotonic() + 30
    while True:
        left = ['%s %s' % (kind, pid) for kind, pid in sorted(tracked)
                if h.find(kind, pid) is not None]
        left += h.named_after_stack()
        if not left or time.monotonic() > deadline:
            break
        time.sleep(1)
    h.a.assertEqual([], left, 'left in the cloud after the delete')


def _servers_of(h, ident):
    return [h.server(r['physical_resource_id']) for r in h.resources(ident)
            if r['resource_type'] in SERVER_TYPES]


def _addresses(server):
    return [a['addr'] for addrs in server.addresses.values() for a in addrs]


# ---------------------------------------------------------------------------
# what some templates check besides the generic checks

def extra_asg_of_servers(h, st):
    ident, params = st.ident, st.params
    out = h.outputs(ident)
    servers = _servers_of(h, ident)
    h.a.assertEqual(3, out['asg_size'])
    h.a.assertEqual(sorted(s.name for s in servers),
                    sorted(out['server_list']))
    h.a.assertEqual(sorted(_addresses(s)[0] for s in servers),
                    sorted(out['server_ips']))
    for s in servers:
        h.a.assertEqual(params['key_name'], s.key_name)
        h.a.assertEqual(['mc-net'], list(s.addresses))
    h.a.assertEqual(3, len(out['networks']))
    h.a.assertIn('scale_up_policy', out['scale_up_url'])
    # the example's manual scaling: its scale-up policy adds a server
    signal_up(h, st, 'scale_up_policy', 'asg', 3)
    h.a.assertEqual(4, h.outputs(ident)['asg_size'])


def extra_aws_asg(h, st):
    out = h.outputs(st.ident)
    for s in _servers_of(h, st.ident):
        h.a.assertEqual(st.params['KeyName'], s.key_name)
    h.a.assertIn('ScaleUpPolicy', out['scale_up_url'])
    h.a.assertIn('ScaleDnPolicy', out['scale_dn_url'])
    # the tag Ceilometer reads: the group's name (its Ref)
    for s in _servers_of(h, st.ident):
        h.a.assertTrue(s.metadata['metering.AutoScalingGroupName']
                       .startswith(h.name + '-ASG-'), s.metadata)
    signal_up(h, st, 'ScaleUpPolicy', 'ASG', 3)


def _instance_list(output_key):
    def check(h, st):
        ident, params = st.ident, st.params
        servers = _servers_of(h, ident)
        ips = h.outputs(ident)[output_key]
        h.a.assertEqual(sorted(_addresses(s)[0] for s in servers),
                        sorted(ips.split(',')))
        keys = {s.key_name for s in servers}
        h.a.assertEqual({params.get('KeyName', params.get('key_name'))},
                        keys)
        # the tag Ceilometer reads, as upstream adds it to the members
        for s in servers:
            h.a.assertTrue(s.metadata['metering.groupname'].startswith(
                h.name + '-'), s.metadata)
    return check


def extra_f17_instance_group(h, st):
    """The members' scheduler hints and user data, as Nova has them."""
    _instance_list('ServerGroupAddresses')(h, st)
    for s in _servers_of(h, st.ident):
        server = h.admin.compute.get_server(s.id)
        hints = getattr(server, 'scheduler_hints', None)
        if hints is not None:   # compute API 2.100 and later
            h.a.assertEqual({'part': ['long'], 'ready': ['short']}, hints)
        user_data = base64.b64decode(server.user_data).decode()
        h.a.assertIn(base64.b64encode(b'#!/bin/bash -v\n').decode(),
                     user_data)


def extra_rg_server(h, st):
    # image%index% / flavor%index%: each member its own
    for r in h.resources(st.ident):
        if r['resource_type'] != 'OS::Nova::Server':
            continue
        index = r['resource_name']
        server = h.server(r['physical_resource_id'])
        image = h.conn.image.find_image('image%s' % index)
        h.a.assertEqual(image.id, server.image.id)
        h.a.assertEqual('flavor%s' % index, server.flavor.original_name)


def extra_ig_members(h, st):
    for s in _servers_of(h, st.ident):
        h.a.assertEqual('test', s.key_name)
        h.a.assertEqual(['sg-1'], sorted(
            g['name'] for g in s.security_groups))
        image = h.conn.image.find_image('foo')
        h.a.assertEqual(image.id, s.image.id)
        h.a.assertEqual('m1.medium', s.flavor.original_name)


def _update(h, st, text):
    h.step('update')
    h.svc.update_stack(h.ctx, st.ident, text, st.env, st.files,
                       {'timeout_mins': TIMEOUT_MINS})
    h.wait(st.ident, 'UPDATE_COMPLETE')


def extra_ig_policy_added(h, st):
    """Upstream's test_update_policy_added, on the cloud: adding the
    RollingUpdate policy (the with-policy fixture, same size) changes
    no member."""
    extra_ig_members(h, st)
    before = group_members(h, st.ident, 'JobServerGroup')
    tmpl = _load(_read(_IGP + 'ig_tmpl_with_updt_policy.json'))
    cut_sizes(tmpl, st.params)
    _update(h, st, json.dumps(tmpl, indent=1))
    h.a.assertEqual(before, group_members(h, st.ident, 'JobServerGroup'))
    h.note('RollingUpdate added: same %d servers' % len(before))


def extra_ig_rolling_update(h, st):
    """A LaunchConfiguration change rolls through the group
    (MinInstancesInService 1, MaxBatchSize 2, PauseTime PT1S): every
    member replaced by a new server ACTIVE in Nova, the old ones gone."""
    extra_ig_members(h, st)
    before = group_members(h, st.ident, 'JobServerGroup')
    tmpl = copy.deepcopy(st.tmpl)
    _resources(tmpl)['JobServerConfig']['Properties']['UserData'] = \
        'jsconfig data, version 2'
    _update(h, st, json.dumps(tmpl, indent=1))
    after = wait_members(h, st.ident, 'JobServerGroup', len(before))
    h.a.assertEqual(set(), set(before.values()) & set(after.values()))
    for sid in before.values():
        h.a.assertIsNone(h.find('server', sid), sid)
    extra_ig_members(h, st)
    h.note('rolling update: %d servers replaced' % len(before))


def extra_preview(h, st):
    rows = {r['resource_name']: r for r in h.resources(st.ident)}
    port = h.find('port', rows['port']['physical_resource_id'])
    h.a.assertEqual(rows['fixed_network']['physical_resource_id'],
                    port.network_id)


def extra_reservation(h, st):
    rows = {r['resource_name']: r for r in h.resources(st.ident)}
    for name, event in (('start_actions', 'lease.event.start_lease'),
                        ('before_end_actions',
                         'lease.event.before_end_lease'),
                        ('end_actions', 'lease.event.end_lease')):
        alarm = h.alarm(rows[name]['physical_resource_id'])
        h.a.assertEqual(event, alarm['event_rule']['event_type'])


def extra_event_alarm(h, st):
    rows = {r['resource_name']: r for r in h.resources(st.ident)}
    alarm = h.alarm(rows['test_event_alarm']['physical_resource_id'])
    h.a.assertEqual('image.update', alarm['event_rule']['event_type'])
    h.a.assertEqual([('traits.resource_id', 'eq',
                      '9a8fec25-1ba6-4170-aa44-5d72f17c07f6')],
                    [(q['field'], q['op'], q['value'])
                     for q in alarm['event_rule']['query']])


def extra_prometheus_alarm(h, st):
    rows = {r['resource_name']: r for r in h.resources(st.ident)}
    alarm = h.alarm(rows['test_prometheus_alarm']['physical_resource_id'])
    h.a.assertEqual({'comparison_operator': 'gt', 'threshold': 10.0,
                     'query': "some_metric{some_label='some_value'}"},
                    alarm['prometheus_rule'])


_HT = 'heat-templates/'
_IGP = 'heat/heat__tests__openstack__heat__test_instance_group_update_' \
       'policy.py__'
_AODH = 'heat/heat__tests__openstack__aodh__test_alarm.py__'
EXTRA = {
    _HT + 'hot__asg_of_servers.yaml': extra_asg_of_servers,
    _HT + 'cfn__aws_asg.template': extra_aws_asg,
    _HT + 'cfn__F17__InstanceGroup.template': extra_f17_instance_group,
    _HT + 'hot__instance_group.yaml':
        _instance_list('server_group_addresses'),
    'heat/heat__tests__openstack__heat__test_resource_group.py__'
    'template_server.yaml': extra_rg_server,
    _IGP + 'ig_tmpl_without_updt_policy.json': extra_ig_policy_added,
    _IGP + 'ig_tmpl_with_default_updt_policy.json': extra_ig_members,
    _IGP + 'ig_tmpl_with_updt_policy.json': extra_ig_rolling_update,
    'heat-tempest-plugin/heat_tempest_plugin__tests__functional__test_'
    'preview.py__StackPreviewTest.test_res_group_with_nested_template.'
    'main_template.yaml': extra_preview,
    _TR + 'reservation__hot_reservation_scaling.yaml': extra_reservation,
    _AODH + 'event_alarm_template.json': extra_event_alarm,
    _AODH + 'prometheus_alarm_template.json': extra_prometheus_alarm,
}

#: templates previewed (as their upstream test does) before the create
PREVIEW = {
    'heat-tempest-plugin/heat_tempest_plugin__tests__functional__test_'
    'preview.py__StackPreviewTest.test_res_group_with_nested_template.'
    'main_template.yaml',
}

#: templates a runnable template must be refused with (upstream too):
#: path -> what the refusal says
REFUSED = {
    _IGP + 'ig_tmpl_with_bad_updt_policy.json':
        'resources.JobServerGroup.update_policy.RollingUpdate: "foo" is '
        'not a map',
}


def _preview_names(result):
    names = []
    for node in _walk(result.get('resources', [])):
        if isinstance(node, dict) and 'resource_name' in node:
            names.append(node['resource_name'])
    return names


def deploy(h, manifest):
    """Create, check, delete and check again one runnable template."""
    text = _read(h.path)
    tmpl = _load(text)
    params = choose_params(tmpl, h.run.keypair, CloudValues)
    notes = cut_sizes(tmpl, params)
    if notes:
        text = json.dumps(tmpl, indent=1)
    for note in notes:
        h.note(note)
    files, registry = files_and_registry(h.path, manifest)
    unreferenced = {_type(d) for n, d in _resources(tmpl).items()
                    if _type(d) in UNIT_TEST_PLUGINS}
    for type_name in sorted(unreferenced):
        registry[type_name] = 'OS::Heat::None'
        h.note('%s mapped to OS::Heat::None (nothing refers to it)'
               % type_name)
    env = {'parameters': params}
    if registry:
        env['resource_registry'] = registry
    for kind, name in sorted(named_objects(tmpl, params)):
        note = h.run.objects.ensure(kind, name)
        if note:
            h.note(note)
    if h.path in REFUSED:
        with h.a.assertRaises(exception.HeatException) as caught:
            h.svc.create_stack(h.ctx, h.name, text, env, files,
                               {'timeout_mins': TIMEOUT_MINS})
        err = caught.exception
        h.a.assertIn(REFUSED[h.path], str(err))
        h.note('refused: %s' % err)
        return 'refused'
    if h.path in PREVIEW:
        h.step('preview')
        result = h.svc.preview_stack(h.ctx, h.name, text, env, files, {})
        h.a.assertTrue({'fixed_network', 'port'} <=
                       set(_preview_names(result)), result)
    ident = None
    try:
        ident = h.create(text, env, files)
        tracked = check_created(h, ident, tmpl, params)
        extra = EXTRA.get(h.path)
        if extra is not None:
            h.step('checks: %s' % extra.__name__)
            extra(h, Stack(ident, tmpl, text, env, files, params))
            tracked |= cloud_objects(h, h.resources(ident))
        h.delete(ident)
        ident = None
        check_gone(h, tracked)
    finally:
        if ident is not None:
            h.delete_quietly(ident)
    return 'deployed'


def refuse(h, manifest):
    """The engine must refuse the template, naming its defect."""
    why, says = NOT_DEPLOYABLE[h.path]
    files, registry = files_and_registry(h.path, manifest)
    env = {'resource_registry': registry} if registry else {}
    h.step('create (must be refused)')
    with h.a.assertRaises(exception.HeatException) as caught:
        h.svc.create_stack(h.ctx, h.name, _read(h.path), env, files,
                           {'timeout_mins': TIMEOUT_MINS})
    err = caught.exception
    h.a.assertIn(says, str(err))
    h.note('%s; refused: %s' % (why, err))
    return 'refused'


# ---------------------------------------------------------------------------
# the tests

def _selected_tests(cls):
    """Names of ``cls``'s tests in the suite being run (all when the
    runner's suite cannot be found)."""
    mine = {n for n in dir(cls) if n.startswith('test_')}
    found = set()
    for frame_info in inspect.stack():
        suite = frame_info.frame.f_locals.get('self')
        if not isinstance(suite, unittest.TestSuite):
            continue
        # the outermost suite has them all
        stack = [suite]
        while stack:
            item = stack.pop()
            if isinstance(item, unittest.TestSuite):
                stack.extend(item)
            elif isinstance(item, cls):
                found.add(item._testMethodName)
    return (found & mine) or mine


class TestCloudCorpus(base.TestCase):
    """One test per class-B template (see the module docstring)."""

    TITLE = 'corpus class-B templates on the mini cloud'
    #: test method name -> template path (filled below)
    PATHS = {}
    #: path -> (status, summary)
    RESULTS = {}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.SKIP = None
        cls.PLANS = {}
        cls.FUTURES = {}
        cls.RUN = None
        cls.EXECUTOR = None
        cls.STARTED = time.monotonic()
        if not corpus.available():
            cls.SKIP = ('corpus not found at %s (put the shared corpus at '
                        '../shared/corpus beside the repository, or point '
                        'HEAT_CORPUS_DIR at it)' % corpus.corpus_dir())
            return
        try:
            run = Run()
            run.setUp()
        except unittest.SkipTest as exc:
            cls.SKIP = str(exc)
            return
        except fixtures.MultipleExceptions as exc:
            for _, value, _ in exc.args:
                if isinstance(value, unittest.SkipTest):
                    cls.SKIP = str(value)
                    return
            raise
        cls.RUN = run
        try:
            cls._plan_and_start(run)
        except BaseException:
            cls._stop()
            raise

    @classmethod
    def _plan_and_start(cls, run):
        manifest = _manifest()
        cls.MANIFEST = manifest
        facts = CloudFacts(run.conn, run.admin)
        registered = set(engine_resources.all_types())
        for path in class_b_paths(manifest):
            cls.PLANS[path] = decide(path, manifest[path], facts, registered)
        selected = _selected_tests(cls)
        runnable = [p for n, p in sorted(cls.PATHS.items())
                    if n in selected and cls.PLANS.get(p) and
                    cls.PLANS[p].kind in ('deploy', 'refuse')]
        # the ones with most servers first
        runnable.sort(key=lambda p: -_read(p).count('Server') -
                      _read(p).count('Instance'))
        cls.EXECUTOR = concurrent.futures.ThreadPoolExecutor(
            max_workers=WORKERS, thread_name_prefix='corpus-b')
        for path in runnable:
            cls._start(path)

    @classmethod
    def _start(cls, path):
        if path not in cls.FUTURES:
            h = Harness(cls.RUN, path)
            fn = deploy if cls.PLANS[path].kind == 'deploy' else refuse
            future = cls.EXECUTOR.submit(fn, h, cls.MANIFEST)
            cls.FUTURES[path] = (future, h)
        return cls.FUTURES[path]

    @classmethod
    def _stop(cls):
        if cls.EXECUTOR is not None:
            cls.EXECUTOR.shutdown(wait=True)
            cls.EXECUTOR = None
        if cls.RUN is not None:
            cls.RUN.cleanUp()
            cls.RUN = None

    @classmethod
    def tearDownClass(cls):
        try:
            cls._stop()
        finally:
            cls._print_table()
            super().tearDownClass()

    @classmethod
    def _print_table(cls):
        if not cls.RESULTS:
            return
        lines = ['%s:' % cls.TITLE]
        for path in sorted(cls.RESULTS):
            status, why = cls.RESULTS[path]
            lines.append('  %-5s %s%s' % (status, path,
                                          '  -- %s' % why if why else ''))
        plans = getattr(cls, 'PLANS', {})
        total = len(cls.RESULTS)
        passed = [p for p, (s, _w) in cls.RESULTS.items() if s == 'pass']
        refused = [p for p in passed if plans.get(p) and (
            plans[p].kind == 'refuse' or p in REFUSED)]
        by_kind = collections.Counter(
            plans[p].kind for p, (s, _w) in cls.RESULTS.items()
            if s == 'skip' and p in plans)
        xfail = sum(1 for s, _w in cls.RESULTS.values() if s == 'xfail')
        fail = sum(1 for s, _w in cls.RESULTS.values() if s == 'FAIL')
        lines.append(
            '  class B: %d run and pass of %d; %d need services this '
            'cloud lacks; %d need types the engine lacks; %d need '
            'unit-test-only types; %d expected failure(s); %d failure(s) '
            '(passed: %d deployed on the cloud, %d refused at validation '
            'as upstream refuses them; %.0f s)' % (
                len(passed), total, by_kind['cloud'], by_kind['engine'],
                by_kind['plugin'], xfail, fail, len(passed) - len(refused),
                len(refused), time.monotonic() - cls.STARTED))
        if getattr(cls, 'SKIP', None):
            lines.append('  (all skipped: %s)' % cls.SKIP)
        sys.stderr.write('\n'.join(lines) + '\n')

    # -- one template --------------------------------------------------

    def _record(self, path, status, why):
        self.RESULTS[path] = (status, why)
        self.addDetail('corpus-result', content.text_content(
            '%s %s%s' % (status, path, '  -- %s' % why if why else '')))

    def _await(self, path):
        # (started with the others, unless the runner hid it from
        # setUpClass)
        future, h = self._start(path)
        try:
            future.result(timeout=WAIT * 3)
        except BaseException as exc:
            summary = '%s: %s (after: %s)' % (
                type(exc).__name__, ' '.join(str(exc).split())[:400],
                ' / '.join(h.steps))
            expected = EXPECTED_FAILURES.get(path)
            self._record(path, 'xfail' if expected else 'FAIL',
                         '%s -- %s' % (expected, summary) if expected
                         else summary)
            raise self.failureException(summary) from exc
        expected = EXPECTED_FAILURES.get(path)
        if expected:
            self._record(path, 'XPASS', 'listed in EXPECTED_FAILURES (%s) '
                         'but passes now: take it out' % expected)
        else:
            self._record(path, 'pass', ' / '.join(h.notes))

    def run_template(self, path):
        if self.SKIP:
            self._record(path, 'skip', self.SKIP)
            self.skipTest(self.SKIP)
        plan = self.PLANS.get(path)
        if plan is None:
            self.skipTest('%s is not in the corpus manifest' % path)
        if plan.kind in ('cloud', 'engine', 'plugin'):
            self._record(path, 'skip', plan.reason)
            self.skipTest(plan.reason)
        expected = EXPECTED_FAILURES.get(path)
        if expected:
            self.expectFailure(expected, self._await, path)
        else:
            self._await(path)


def _make_test(path):
    def test(self):
        self.run_template(path)
    test.__name__ = _test_name(path)
    test.__doc__ = path
    return test


def _add_tests():
    if not corpus.available():
        def test_corpus(self):
            self.skipTest('corpus not found at %s' % corpus.corpus_dir())
        TestCloudCorpus.test_corpus = test_corpus
        return
    for path in class_b_paths(_manifest()):
        name = _test_name(path)
        assert name not in TestCloudCorpus.PATHS, name
        TestCloudCorpus.PATHS[name] = path
        setattr(TestCloudCorpus, name, _make_test(path))


_add_tests()
