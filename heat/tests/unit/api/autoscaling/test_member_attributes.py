"""``GET .../members?attribute=NAME`` (and ``.../members/{name}``): the
values of attributes of the members' resources, what
OS::Heat::AutoScalingGroup's ``outputs`` attribute gives (AS RPC 1.39)."""

import urllib.parse
from unittest import mock

import sqlalchemy as sa

from heat.db import models
from heat.engine.autoscaling import members as members_mod
from heat.engine.resources.openstack.heat import random_string
from heat.tests.unit.api.autoscaling import ASTestCase

TEST_RESOURCE = {'type': 'OS::Heat::TestResource',
                 'properties': {'value': 'hello'}}

PROVIDER = '''heat_template_version: 2016-10-14
parameters:
  length:
    type: number
    default: 5
resources:
  word:
    type: OS::Heat::RandomString
    properties:
      length: {get_param: length}
outputs:
  word:
    value: {get_attr: [word, value]}
  size:
    value: {get_param: length}
'''


def query(*names):
    return '?' + urllib.parse.urlencode([('attribute', n) for n in names])


class TestMemberAttributes(ASTestCase):

    def members(self, group_id, *names, expect=200):
        resp = self.as_request('GET', '/groups/%s/members%s' % (
            group_id, query(*names) if names else ''))
        self.assertEqual(expect, resp.status_code, resp.text)
        return resp.json['members'] if expect == 200 else resp

    def stored_values(self, group_id):
        R, D = models.Resource.__table__, models.ResourceData.__table__
        with self.engine.connect() as conn:
            rows = conn.execute(sa.select(R.c.name, D.c.value).join(
                D, D.c.resource_id == R.c.id).where(
                R.c.stack_id == group_id, D.c.key == 'value'))
            return dict(rows.all())

    def test_random_string_value_listed_and_shown(self):
        g = self.wait_group(self.make_group(desired=3, min_size=0)['id'], 3)
        plain = self.members(g['id'])
        members = self.members(g['id'], 'value')
        self.assertEqual(3, len(members))
        values = []
        for before, m in zip(plain, members):
            self.assertEqual(['value'], list(m['attributes']))
            value = m['attributes']['value']
            self.assertIsInstance(value, str)
            self.assertEqual(6, len(value))  # RANDOM's length
            values.append(value)
            # the rest of the member is what a plain listing says
            self.assertEqual(before, {k: v for k, v in m.items()
                                      if k != 'attributes'})
        self.assertEqual(3, len(set(values)))
        # each value is the one stored with that member's resource
        self.assertEqual(self.stored_values(g['id']),
                         {m['name']: m['attributes']['value']
                          for m in members})
        name = members[1]['name']
        resp = self.as_request('GET', '/groups/%s/members/%s%s' % (
            g['id'], name, query('value')))
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(members[1], resp.json['member'])

    def test_test_resource_output(self):
        g = self.wait_group(self.make_group(
            desired=2, min_size=0, resource=TEST_RESOURCE)['id'], 2)
        members = self.members(g['id'], 'output')
        self.assertEqual([{'output': 'hello'}] * 2,
                         [m['attributes'] for m in members])

    def test_two_attributes_of_a_provider_template_member(self):
        g = self.wait_group(self.make_group(
            desired=2, min_size=0,
            resource={'type': 'member.yaml', 'properties': {'length': 7}},
            files={'member.yaml': PROVIDER})['id'], 2)
        members = self.members(g['id'], 'word', 'size')
        self.assertEqual(2, len(members))
        for m in members:
            # in the order asked, each once
            self.assertEqual(['word', 'size'], list(m['attributes']))
            self.assertEqual(7, len(m['attributes']['word']))
            self.assertEqual(7, m['attributes']['size'])
        self.assertNotEqual(members[0]['attributes']['word'],
                            members[1]['attributes']['word'])
        # repeated names: one key each
        again = self.members(g['id'], 'size', 'size')
        self.assertEqual([{'size': 7}] * 2,
                         [m['attributes'] for m in again])

    def test_unknown_attribute_is_400_naming_it_and_the_type(self):
        g = self.wait_group(self.make_group(desired=2, min_size=0)['id'],
                            2)
        resp = self.members(g['id'], 'value', 'nope', expect=400)
        body = self.assertError(resp, 400, 'InvalidTemplateAttribute')
        self.assertEqual('The Referenced Attribute (OS::Heat::RandomString '
                         'nope) is incorrect.', body['error']['message'])
        name = self.members(g['id'])[0]['name']
        resp = self.as_request('GET', '/groups/%s/members/%s%s' % (
            g['id'], name, query('nope')))
        self.assertError(resp, 400, 'InvalidTemplateAttribute', 'nope')
        # a provider template member: its outputs are its attributes
        p = self.wait_group(self.make_group(
            name='prov', desired=1, min_size=0,
            resource={'type': 'member.yaml'},
            files={'member.yaml': PROVIDER})['id'], 1)
        resp = self.members(p['id'], 'value', expect=400)
        self.assertError(resp, 400, 'InvalidTemplateAttribute',
                         '(member.yaml value)')

    def test_without_the_parameter_no_attributes_key(self):
        g = self.wait_group(self.make_group(desired=1, min_size=0)['id'],
                            1)
        members = self.members(g['id'])
        self.assertNotIn('attributes', members[0])
        resp = self.as_request('GET', '/groups/%s/members/%s' % (
            g['id'], members[0]['name']))
        self.assertNotIn('attributes', resp.json['member'])

    def test_the_query_is_validated(self):
        g = self.make_group(desired=0, min_size=0)
        base = '/groups/%s/members' % g['id']
        self.assertError(self.as_request('GET', base + '?attribute='), 400,
                         'InvalidInput', '/attribute/0:')
        self.assertError(self.as_request(
            'GET', base + query('value', 'x' * 256)), 400, 'InvalidInput',
            '/attribute/1:')
        self.assertError(self.as_request('GET', base + '?colour=red'), 400,
                         'InvalidInput', '/colour: unknown key')
        # no member: nothing to resolve
        self.assertEqual([], self.members(g['id'], 'value'))

    def test_a_member_without_a_resource_row_has_nulls(self):
        g = self.wait_group(self.make_group(desired=2, min_size=0)['id'],
                            2)
        first, second = [m['name'] for m in self.members(g['id'])]
        # the converger has made the member's row, not its resource yet
        with self.engine.begin() as conn:
            conn.execute(sa.delete(models.Resource.__table__).where(
                models.Resource.stack_id == g['id'],
                models.Resource.name == first))
        members = {m['name']: m for m in self.members(g['id'], 'value')}
        self.assertEqual({'value': None}, members[first]['attributes'])
        self.assertIsNotNone(members[second]['attributes']['value'])
        # an unknown name is refused all the same
        self.assertError(self.as_request(
            'GET', '/groups/%s/members/%s%s' % (g['id'], first,
                                               query('nope'))), 400,
            'InvalidTemplateAttribute', 'nope')

    def test_a_resolution_error_is_null_not_a_failed_listing(self):
        g = self.wait_group(self.make_group(desired=2, min_size=0)['id'],
                            2)
        first, second = [m['name'] for m in self.members(g['id'])]
        real = random_string.RandomString._resolve_attribute

        def broken(rsrc, name):
            if rsrc.name == first:
                raise RuntimeError('the cloud is down')
            return real(rsrc, name)

        with mock.patch.object(random_string.RandomString,
                               '_resolve_attribute', broken):
            members = {m['name']: m for m in self.members(g['id'],
                                                          'value')}
        self.assertEqual({'value': None}, members[first]['attributes'])
        self.assertIsNotNone(members[second]['attributes']['value'])

    def test_one_member_stack_per_call(self):
        g = self.wait_group(self.make_group(desired=3, min_size=0)['id'],
                            3)
        real = members_mod.MemberStack.for_members
        calls = []

        def counted(context, group, names, generations=None, guard=None):
            if guard is None:  # not the converger's
                calls.append(sorted(names))
            return real(context, group, names, generations, guard)

        with mock.patch.object(members_mod.MemberStack, 'for_members',
                               counted):
            members = self.members(g['id'], 'value')
            self.as_request('GET', '/groups/%s/members/%s%s' % (
                g['id'], members[0]['name'], query('value')))
            self.members(g['id'])
        self.assertEqual([sorted(m['name'] for m in members),
                          [members[0]['name']]], calls)
