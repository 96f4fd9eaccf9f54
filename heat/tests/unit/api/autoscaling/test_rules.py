"""Validation, project isolation, template-owned groups and
Idempotency-Key of the Auto-Scaling API."""

from heat.tests.unit.api.autoscaling import RANDOM, ASTestCase

OWNED_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      resource:
        type: OS::Heat::RandomString
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
      cooldown: 0
'''

PROVIDER = '''heat_template_version: 2016-10-14
resources:
  a:
    type: OS::Heat::RandomString
    properties:
      length: 4
  b:
    type: OS::Heat::None
outputs:
  value:
    value: {get_attr: [a, value]}
'''


class TestValidation(ASTestCase):

    def test_fields_named_as_json_pointers(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        cases = [
            ('POST', '/groups', {'name': 'x', 'min_size': -1,
                                 'max_size': 2, 'resource': RANDOM},
             '/min_size: -1 is less than the minimum of 0'),
            ('POST', '/groups', {'name': 'x', 'min_size': 1, 'max_size': 2,
                                 'resource': RANDOM, 'colour': 'red'},
             '/colour: unknown key'),
            ('POST', '/groups', {'min_size': 1, 'max_size': 2,
                                 'resource': RANDOM},
             "/name: 'name' is a required property"),
            ('POST', '/groups', {'name': 'x', 'min_size': 1, 'max_size': 2,
                                 'resource': {'type': 'T', 'x': 1}},
             '/resource/x: unknown key'),
            ('POST', '/groups', {'name': 'x', 'min_size': 3, 'max_size': 2,
                                 'resource': RANDOM},
             '/min_size: 3 is greater than max_size 2'),
            ('POST', '/groups', {'name': '', 'min_size': 1, 'max_size': 2,
                                 'resource': RANDOM}, '/name: '),
            ('PATCH', '/groups/%s' % g['id'], {'max_size': 'big'},
             "/max_size: 'big' is not of type 'integer'"),
            ('PATCH', '/groups/%s' % g['id'],
             {'rolling_update': {'max_batch_size': 0}},
             '/rolling_update/max_batch_size: 0 is less than the minimum'),
            ('POST', '/groups/%s/resize' % g['id'],
             {'capacity': 1, 'adjustment': 1}, '/: give either capacity'),
            ('POST', '/groups/%s/policies' % g['id'],
             {'name': 'p', 'adjustment_type': 'more',
              'scaling_adjustment': 1}, "/adjustment_type: 'more' is not"),
            ('POST', '/groups/%s/members/remove' % g['id'], {'members': []},
             '/members: [] should be non-empty'),
            ('PATCH', '/groups/%s/members/m' % g['id'], {'protected': 'y'},
             "/protected: 'y' is not of type 'boolean'"),
            ('GET', '/groups?limit=x', None,
             "/limit: 'x' is not of type 'integer'"),
            ('GET', '/groups?sort_key=colour', None, '/sort_key: '),
            ('GET', '/groups?colour=red', None, '/colour: unknown key'),
            ('POST', '/groups/%s/suspend' % g['id'], {'now': True},
             '/now: unknown key'),
        ]
        before = self.rows()
        for method, path, body, message in cases:
            resp = self.as_request(method, path, body)
            self.assertError(resp, 400, 'InvalidInput', message)
        self.assertEqual(before, self.rows())


class TestIsolation(ASTestCase):
    """p2 gets a 404 on every route naming p1's objects, and nothing of
    p1 changes."""

    def test_every_route_is_404_for_another_project(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        p = self.make_policy(g['id'])
        hook = self.as_request('POST', '/groups/%s/policies/%s/webhooks' % (
            g['id'], p['id']), {}).json['webhook']
        m = self.as_request('GET', '/groups/%s/members' % g['id']).json[
            'members'][0]['name']
        a = self.as_request('GET', '/groups/%s/activities' % g['id']).json[
            'activities'][0]['id']
        G = '/groups/%s' % g['id']
        P = '%s/policies/%s' % (G, p['id'])
        calls = [
            ('GET', G, None), ('PATCH', G, {'max_size': 9}),
            ('DELETE', G, None), ('POST', G + '/suspend', None),
            ('POST', G + '/resume', None),
            ('POST', G + '/resize', {'capacity': 3}),
            ('POST', G + '/converge', None),
            ('GET', G + '/members', None),
            ('GET', '%s/members/%s' % (G, m), None),
            ('PATCH', '%s/members/%s' % (G, m), {'protected': True}),
            ('POST', '%s/members/%s/mark-unhealthy' % (G, m), None),
            ('POST', G + '/members/remove', {'members': [m]}),
            ('GET', G + '/policies', None),
            ('POST', G + '/policies', {
                'name': 'evil', 'adjustment_type': 'exact_capacity',
                'scaling_adjustment': 5}),
            ('GET', P, None), ('PATCH', P, {'scaling_adjustment': 4}),
            ('DELETE', P, None), ('POST', P + '/execute', None),
            ('GET', P + '/webhooks', None),
            ('POST', P + '/webhooks', {'name': 'evil'}),
            ('DELETE', '%s/webhooks/%s' % (P, hook['id']), None),
            ('GET', G + '/activities', None),
            ('GET', '%s/activities/%s' % (G, a), None),
        ]
        before = self.rows()
        for method, path, body in calls:
            for headers in ({}, {'Idempotency-Key': 'k-' + path}):
                resp = self.as_request(method, path, body, project='p2',
                                       headers=headers)
                self.assertError(resp, 404)
        after = self.rows()
        # p2's claimed keys are its own rows: nothing else changed
        after.pop('api_idempotency_record')
        before.pop('api_idempotency_record')
        self.assertEqual(before, after)
        self.assertEqual([], self.as_request('GET', '/groups',
                                             project='p2').json['groups'])


class TestStackOwnedGroups(ASTestCase):

    def setUp(self):
        super().setUp()
        self.sid = self.create('s1', template=OWNED_TEMPLATE)
        groups = self.as_request('GET', '/groups?stack_id=%s' % self.sid
                                 ).json['groups']
        self.assertEqual(1, len(groups))
        self.group = self.wait_group(groups[0]['id'], 1)
        self.policy = self.as_request('GET', '/groups/%s/policies' % (
            self.group['id'])).json['policies'][0]

    def test_definition_bounds_delete_and_policies_are_409(self):
        G = '/groups/%s' % self.group['id']
        P = '%s/policies/%s' % (G, self.policy['id'])
        before = self.rows()
        for method, path, body in (
                ('PATCH', G, {'max_size': 9}),
                ('PATCH', G, {'resource': RANDOM}),
                ('DELETE', G, None),
                ('POST', G + '/policies', {
                    'name': 'p', 'adjustment_type': 'change_in_capacity',
                    'scaling_adjustment': 1}),
                ('PATCH', P, {'scaling_adjustment': 3}),
                ('DELETE', P, None)):
            resp = self.as_request(method, path, body)
            self.assertError(
                resp, 409, 'ScalingGroupOwnedByStack',
                'group %s belongs to stack %s resource asg: change it '
                'through the stack' % (self.group['id'], self.sid))
        self.assertEqual(before, self.rows())

    def test_execute_members_and_activities_work(self):
        G = '/groups/%s' % self.group['id']
        self.assertEqual(self.sid, self.group['stack_id'])
        self.assertEqual('asg', self.group['resource_name'])
        resp = self.as_request('POST', '%s/policies/%s/execute' % (
            G, self.policy['id']))
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['decision']['accepted'])
        self.wait_group(self.group['id'], 2)
        m = self.as_request('GET', G + '/members').json['members'][0]
        resp = self.as_request('PATCH', '%s/members/%s' % (G, m['name']),
                               {'protected': True})
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.as_request('POST', '%s/members/%s/mark-unhealthy' % (
            G, m['name']))
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(200, self.as_request(
            'GET', G + '/activities').status_code)


class TestIdempotency(ASTestCase):

    def test_a_repeat_gets_the_first_answer_and_acts_once(self):
        body = {'name': 'once', 'min_size': 0, 'max_size': 3,
                'desired_capacity': 1, 'resource': RANDOM}
        key = {'Idempotency-Key': 'create-1'}
        first = self.as_request('POST', '/groups', body, headers=key)
        self.assertEqual(201, first.status_code, first.text)
        again = self.as_request('POST', '/groups', body, headers=key)
        self.assertEqual(201, again.status_code)
        self.assertEqual(first.json, again.json)
        self.assertEqual(first.headers['Location'], again.headers['Location'])
        self.assertEqual(first.headers['ETag'], again.headers['ETag'])
        self.assertEqual('true', again.headers['Idempotent-Replayed'])
        self.assertEqual(1, len(self.as_request('GET', '/groups').json[
            'groups']))
        gid = first.json['group']['id']
        self.wait_group(gid, 1)
        resize = {'Idempotency-Key': 'grow'}
        d1 = self.as_request('POST', '/groups/%s/resize' % gid,
                             {'adjustment': 1}, headers=resize)
        d2 = self.as_request('POST', '/groups/%s/resize' % gid,
                             {'adjustment': 1}, headers=resize)
        self.assertEqual(d1.json, d2.json)
        g = self.wait_group(gid, 2)
        self.assertEqual(2, g['desired_capacity'])
        # another project may use the same key: its own answer
        other = self.as_request('POST', '/groups', body, headers=key,
                                project='p2')
        self.assertEqual(201, other.status_code)
        self.assertNotEqual(gid, other.json['group']['id'])

    def test_the_key_with_another_request_is_409(self):
        key = {'Idempotency-Key': 'k'}
        g = self.make_group(desired=1)
        self.as_request('POST', '/groups/%s/resize' % g['id'],
                        {'capacity': 2}, headers=key)
        resp = self.as_request('POST', '/groups/%s/resize' % g['id'],
                               {'capacity': 3}, headers=key)
        self.assertError(resp, 409, 'IdempotencyKeyReused')

    def test_an_error_answer_is_repeated_too(self):
        key = {'Idempotency-Key': 'bad'}
        g = self.make_group(desired=1)
        body = {'members': ['nobody']}
        path = '/groups/%s/members/remove' % g['id']
        self.assertError(self.as_request('POST', path, body, headers=key),
                         404)
        self.assertError(self.as_request('POST', path, body, headers=key),
                         404)


class TestScalingMembers(ASTestCase):
    """A group made by the API scales real members."""

    def test_random_string_members(self):
        g = self.make_group(desired=2, resource=RANDOM)
        self.wait_group(g['id'], 2)
        self.as_request('POST', '/groups/%s/resize' % g['id'],
                        {'capacity': 4})
        g = self.wait_group(g['id'], 4)
        self.assertEqual(4, g['member_count'])

    def test_provider_template_members(self):
        g = self.make_group(desired=2, resource={'type': 'member.yaml'},
                            files={'member.yaml': PROVIDER})
        self.wait_group(g['id'], 2)
        members = self.as_request('GET', '/groups/%s/members' % g['id']
                                  ).json['members']
        self.assertEqual(['ACTIVE', 'ACTIVE'],
                         [m['status'] for m in members])
        self.as_request('POST', '/groups/%s/resize' % g['id'],
                        {'capacity': 1})
        self.wait_group(g['id'], 1)
