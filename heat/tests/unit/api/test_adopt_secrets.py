"""Secrets through abandon and adopt: a scaling policy's signing secret
travels in the abandon data (so adopt can restore the alarm_url), and the
adopted stack stores it exactly as a created one does, redacted, and
shows it nowhere."""

import ast
import importlib
import json
import logging
import pathlib
import urllib.parse

import fixtures
import sqlalchemy as sa
import testtools
import webob

import heat.engine.resources
from heat.db import api as db_api
from heat.db import models
from heat.engine import resource as resource_mod
from heat.engine import resources as resources_mod
from heat.tests import base
from heat.tests.unit.api import APITestCase

#: the group lives in a stack of its own: a scaling group cannot be
#: adopted, its policies can
GROUP = '''heat_template_version: 2016-10-14
resources:
  group:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      resource:
        type: OS::Heat::None
'''

TEMPLATE = '''heat_template_version: 2016-10-14
parameters:
  group: {type: string}
resources:
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_param: group}
      scaling_adjustment: 1
      cooldown: 0
  aws_up:
    type: AWS::AutoScaling::ScalingPolicy
    properties:
      AdjustmentType: ChangeInCapacity
      AutoScalingGroupName: {get_param: group}
      ScalingAdjustment: 1
      Cooldown: 0
'''

#: policy resource name -> its alarm URL attribute
POLICIES = {'up': 'alarm_url', 'aws_up': 'AlarmUrl'}
SECRET_KEYS = ('access_key', 'secret_key')


def create_policies(test):
    """Stack ``s1`` of the two policies, on a group of stack ``g``."""
    gid = test.create('g', template=GROUP)
    group = test.request('GET', '/stacks/g/%s/resources/group' % gid).json[
        'resource']['physical_resource_id']
    return test.create('s1', template=TEMPLATE,
                       parameters={'group': group})


class TestAdoptKeepsSecretsSecret(APITestCase):

    def setUp(self):
        super().setUp()
        base.enable_stack_adopt(self)
        self.serve_engine_on_rpc()
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        self.sid = create_policies(self)

    def rows(self, stack_id, name):
        """``{key: (value, redact)}`` of the resource's data rows."""
        R, D = models.Resource, models.ResourceData
        with self.engine.connect() as conn:
            rid = conn.execute(sa.select(R.id).where(
                R.stack_id == stack_id, R.name == name)).scalar_one()
            return {key: (value, bool(redact)) for key, value, redact in
                    conn.execute(sa.select(D.key, D.value, D.redact).where(
                        D.resource_id == rid))}

    def abandon_and_adopt(self):
        resp = self.request('DELETE', '/stacks/s1/%s/abandon' % self.sid)
        self.assertEqual(200, resp.status_code, resp.text)
        data = resp.json
        self.wait(self.sid)
        new_id = self.create('s2', template=None,
                             adopt_stack_data=json.dumps(data))
        stack = self.request('GET', '/stacks/s2/%s' % new_id).json['stack']
        self.assertEqual('ADOPT_COMPLETE', stack['stack_status'],
                         stack.get('stack_status_reason'))
        return data, new_id

    def post(self, url):
        parts = urllib.parse.urlsplit(url)
        req = webob.Request.blank(parts.path + '?' + parts.query,
                                  method='POST')
        return req.get_response(self.app)

    def test_abandon_data_carries_the_signing_secret(self):
        before = {name: self.rows(self.sid, name) for name in POLICIES}
        data, _ = self.abandon_and_adopt()
        for name in POLICIES:
            carried = data['resources'][name]['resource_data']
            for key in SECRET_KEYS:
                self.assertEqual(before[name][key][0], carried[key])

    def test_adopted_secret_is_stored_redacted_as_when_created(self):
        before = {name: self.rows(self.sid, name) for name in POLICIES}
        for name in POLICIES:
            for key in SECRET_KEYS:
                self.assertTrue(before[name][key][1], (name, key))
        _, new_id = self.abandon_and_adopt()
        for name in POLICIES:
            after = self.rows(new_id, name)
            for key in SECRET_KEYS:
                self.assertEqual(before[name][key], after[key],
                                 (name, key))

    def test_adopted_alarm_url_signature_verifies(self):
        _, new_id = self.abandon_and_adopt()
        for name, attr in POLICIES.items():
            url = self.request(
                'GET', '/stacks/s2/%s/resources/%s?with_attr=%s'
                % (new_id, name, attr)).json['resource']['attributes'][attr]
            self.assertIn('/v1/signal/', url)
            resp = self.post(url)
            self.assertEqual(200, resp.status_code, (name, resp.text))

    def test_adopted_secret_is_in_no_view_event_or_log(self):
        secrets = [self.rows(self.sid, name)['secret_key'][0]
                   for name in POLICIES]
        _, new_id = self.abandon_and_adopt()
        s = '/stacks/s2/%s' % new_id
        paths = [s, s + '/resources', s + '/resources?with_detail=true',
                 s + '/events', s + '/resources/up/metadata']
        for name in POLICIES:
            paths += [s + '/resources/%s' % name,
                      s + '/resources/%s/events' % name]
        for path in paths:
            resp = self.request('GET', path)
            self.assertEqual(200, resp.status_code, path)
            for secret in secrets:
                self.assertNotIn(secret, resp.text, path)
        log = self.log.output
        for secret in secrets:
            self.assertNotIn(secret, log)


class TestSecretDataKeysAreDeclared(APITestCase):
    """Each type declares the data keys it stores redacted, so that
    adopt (which only has the abandon data's plain dict) redacts them
    too."""

    def test_scaling_policies_declare_their_signing_keys(self):
        for type_name in ('OS::Heat::ScalingPolicy',
                          'AWS::AutoScaling::ScalingPolicy'):
            cls = resources_mod.get_class(type_name)
            self.assertTrue(issubclass(cls, resource_mod.Resource))
            self.assertLessEqual(set(SECRET_KEYS),
                                 set(cls.secret_data_keys), type_name)

    def test_listing_masks_adopted_secrets(self):
        base.enable_stack_adopt(self)
        self.serve_engine_on_rpc()
        sid = create_policies(self)
        data = self.request('DELETE', '/stacks/s1/%s/abandon' % sid).json
        self.wait(sid)
        new_id = self.create('s2', template=None,
                             adopt_stack_data=json.dumps(data))
        R = models.Resource
        with self.engine.connect() as conn:
            rid = conn.execute(sa.select(R.id).where(
                R.stack_id == new_id, R.name == 'up')).scalar_one()
        listed = db_api.resource_data_get_all(None, rid)
        for key in SECRET_KEYS:
            self.assertEqual(db_api.REDACTED, listed[key])


def _redacted_writes():
    """``(module name, class name, key)`` of every
    ``self.data_set(key, ..., redact=True)`` under heat/engine/resources,
    the key resolved through the module's constants."""
    root = pathlib.Path(heat.engine.resources.__file__).parent
    found = []
    for path in sorted(root.rglob('*.py')):
        rel = path.relative_to(root.parent.parent.parent).with_suffix('')
        module = '.'.join(rel.parts)
        tree = ast.parse(path.read_text())
        consts = {}
        for node in tree.body:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    names = (target.elts if isinstance(target, ast.Tuple)
                             else [target])
                    values = (node.value.elts
                              if isinstance(node.value, ast.Tuple)
                              else [node.value])
                    for name, value in zip(names, values):
                        if (isinstance(name, ast.Name) and
                                isinstance(value, ast.Constant)):
                            consts[name.id] = value.value
        for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
            for call in ast.walk(cls):
                if not (isinstance(call, ast.Call) and
                        isinstance(call.func, ast.Attribute) and
                        call.func.attr == 'data_set' and call.args):
                    continue
                redact = [k.value for k in call.keywords
                          if k.arg == 'redact']
                if not (redact and isinstance(redact[0], ast.Constant) and
                        redact[0].value is True):
                    continue
                arg = call.args[0]
                key = (arg.value if isinstance(arg, ast.Constant)
                       else consts.get(getattr(arg, 'id', None)))
                found.append((module, cls.name, key))
    return found


def _with_subclasses(cls):
    yield cls
    for sub in cls.__subclasses__():
        yield from _with_subclasses(sub)


class TestEveryRedactedKeyIsDeclared(testtools.TestCase):
    """A key a type writes with ``redact=True`` is in its (and its
    subclasses') ``secret_data_keys``: otherwise adopt would store it in
    clear."""

    def test_redacted_writes_are_declared(self):
        writes = _redacted_writes()
        self.assertIn(('heat.engine.resources.openstack.autoscaling.'
                       'scaling_policy', 'AutoScalingPolicy', 'secret_key'),
                      writes)
        missing = []
        for module, class_name, key in writes:
            self.assertIsNotNone(key, (module, class_name))
            cls = getattr(importlib.import_module(module), class_name)
            for sub in _with_subclasses(cls):
                if key not in getattr(sub, 'secret_data_keys', ()):
                    missing.append((sub.__name__, key))
        self.assertEqual([], missing)
