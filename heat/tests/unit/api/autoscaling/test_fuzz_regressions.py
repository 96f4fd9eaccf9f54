"""Regressions found by fuzzing the Auto-Scaling API v1 from its served
OpenAPI document (heat.tests.unit.fuzz.test_as_api_fuzz): each was a 5xx,
an answer that was not JSON, or a write by a request that failed."""

import time

from heat.api.autoscaling import schemas
from heat.tests.unit.api.autoscaling import RANDOM, ASTestCase

BIG = 2 ** 63


class TestFuzzRegressions(ASTestCase):

    def setUp(self):
        super().setUp()
        self.group = self.wait_group(self.make_group(desired=1,
                                                     cooldown=0)['id'], 1)
        self.G = '/groups/%s' % self.group['id']
        self.policy = self.make_policy(self.group['id'])

    def assertRefused(self, method, path, body=None, raw=None,
                      message=None):
        before = self.rows()
        resp = self.as_request(method, path, body, raw=raw)
        self.assertError(resp, 400, 'InvalidInput', message)
        self.assertEqual(before, self.rows(), '%s %s wrote' % (method,
                                                               path))

    def test_resume_of_a_running_group(self):
        # was a 500 (ResourceFailure: a member's state CREATE_COMPLETE
        # is invalid for resume), after the group row was written
        resp = self.as_request('POST', self.G + '/resume')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertFalse(resp.json['group']['suspended'])
        for action, suspended in (('suspend', True), ('resume', False),
                                  ('resume', False)):
            resp = self.as_request('POST', '%s/%s' % (self.G, action))
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual(suspended, resp.json['group']['suspended'])
        resp = self.as_request('POST', self.G + '/resize', {'capacity': 2})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['decision']['accepted'], resp.text)
        self.wait_group(self.group['id'], 2)

    def test_integers_over_the_database_columns(self):
        # min_adjustment_step 2**63: a 500 (DBError: Python int too large
        # to convert to SQLite INTEGER); MySQL's INT ends at 2**31 - 1
        P = self.G + '/policies'
        policy = {'name': 'p', 'adjustment_type': 'change_in_capacity',
                  'scaling_adjustment': 1}
        group = {'name': 'g', 'min_size': 0, 'max_size': 1,
                 'resource': RANDOM}
        for value in (BIG, schemas.INT_MAX + 1):
            self.assertRefused('POST', P, dict(policy,
                                               min_adjustment_step=value),
                               message='/min_adjustment_step: ')
            self.assertRefused('POST', '/groups', dict(group,
                                                       max_size=value),
                               message='/max_size: ')
            self.assertRefused('PATCH', self.G, {'desired_capacity': value},
                               message='/desired_capacity: ')
            self.assertRefused('POST', self.G + '/resize',
                               {'capacity': value}, message='/capacity: ')
            self.assertRefused('GET', '/groups?limit=%d' % value,
                               message='/limit: ')
            self.assertRefused('GET', self.G + '/activities?limit=%d'
                               % value, message='/limit: ')
        resp = self.as_request('POST', P, dict(
            policy, adjustment_type='percent_change_in_capacity',
            min_adjustment_step=schemas.INT_MAX))
        self.assertEqual(201, resp.status_code, resp.text)

    def test_huge_seconds_and_adjustments(self):
        # a cooldown of 1e300 s: OverflowError (its end as a date), a 500;
        # a percent adjustment of 1e308: OverflowError, a 500
        self.assertRefused('POST', '/groups', {
            'name': 'g', 'min_size': 0, 'max_size': 1, 'cooldown': 1e300,
            'resource': RANDOM}, message='/cooldown: ')
        self.assertRefused('PATCH', self.G, {'cooldown': 1e300},
                           message='/cooldown: ')
        self.assertRefused('POST', self.G + '/resize', {
            'adjustment': 1e308,
            'adjustment_type': 'percent_change_in_capacity'},
            message='/adjustment: ')
        self.assertRefused('PATCH', '%s/policies/%s' % (
            self.G, self.policy['id']), {'scaling_adjustment': -1e308},
            message='/scaling_adjustment: ')

    def test_nan_and_infinity(self):
        # Python's JSON parser takes NaN and Infinity: a NaN cooldown was
        # stored and answered as "cooldown": NaN (not JSON), Infinity a
        # 500 (OverflowError)
        group = (b'{"name": "g", "min_size": 0, "max_size": 1, '
                 b'"resource": {"type": "OS::Heat::None"}, "cooldown": %s}')
        for const in (b'NaN', b'Infinity', b'-Infinity'):
            self.assertRefused('POST', '/groups', raw=group % const,
                               message='/cooldown: not a finite number')
            self.assertRefused('POST', self.G + '/resize',
                               raw=b'{"adjustment": %s}' % const,
                               message='/adjustment: not a finite number')
            self.assertRefused('POST', '%s/policies/%s/execute' % (
                self.G, self.policy['id']),
                raw=b'{"details": [1, {"x": %s}]}' % const,
                message='/details/1/x: not a finite number')

    def test_a_null_body_is_not_an_object(self):
        # a JSON null was taken as no body: the documented object schema
        # accepted it (mark-unhealthy answered 202 and replaced a member)
        member = self.as_request('GET', self.G + '/members').json[
            'members'][0]['name']
        P = '%s/policies/%s' % (self.G, self.policy['id'])
        for method, path in (
                ('POST', '%s/members/%s/mark-unhealthy' % (self.G, member)),
                ('POST', self.G + '/suspend'), ('POST', self.G + '/resize'),
                ('PATCH', self.G), ('POST', P + '/execute'),
                ('POST', P + '/webhooks'), ('POST', '/groups')):
            self.assertRefused(method, path, raw=b'null',
                               message='/: ')
        # no body at all is still an empty object
        resp = self.as_request('POST', self.G + '/suspend')
        self.assertEqual(200, resp.status_code, resp.text)
        resp = self.as_request('POST', P + '/execute', raw=b'  ')
        self.assertEqual(200, resp.status_code, resp.text)

    def test_suspend_with_a_failed_member_is_409(self):
        # was a 500 (ResourceFailure: state CREATE_FAILED invalid for
        # suspend) after the group row had been written (suspended,
        # version + 1)
        g = self.make_group('bad', desired=1, resource={
            'type': 'OS::Heat::TestResource', 'properties': {'fail': True}})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            g = self.as_request('GET', '/groups/%s' % g['id']).json['group']
            if g['status'] == 'FAILED' and g['lease_holder'] is None:
                break
            time.sleep(0.05)
        self.assertEqual('FAILED', g['status'])
        before = self.rows()
        resp = self.as_request('POST', '/groups/%s/suspend' % g['id'])
        self.assertError(resp, 409, 'ScalingGroupBusy', 'not suspendable')
        self.assertEqual(before, self.rows())
        # never suspended: resume is a no-op
        resp = self.as_request('POST', '/groups/%s/resume' % g['id'])
        self.assertEqual(200, resp.status_code, resp.text)


class TestMemberDefinitionValidated(ASTestCase):
    """A group made through the API had its member definition checked for
    a type only: ``OS::Nope`` made a group ACTIVE with members that were
    bare rows doing nothing. The definition is validated as a stack
    validates a resource, before anything is written."""

    def refused(self, method, path, body, message):
        before = self.rows()
        resp = self.as_request(method, path, body)
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn(message, resp.json['error']['message'])
        self.assertEqual(before, self.rows(), '%s %s wrote' % (method,
                                                               path))

    def test_unknown_type_and_bad_properties_are_400(self):
        group = {'name': 'g', 'min_size': 1, 'max_size': 2}
        self.refused('POST', '/groups', dict(group, resource={
            'type': 'OS::Nope'}), '/resource/type: The Resource Type '
            '(OS::Nope) could not be found.')
        self.refused('POST', '/groups', dict(group, resource={
            'type': 'OS::Heat::RandomString',
            'properties': {'length': 'abc'}}),
            "/resource/properties/length: Value 'abc' is not an integer")
        self.refused('POST', '/groups', dict(group, resource={
            'type': 'member.yaml'}), 'not in the files map')

    def test_update_to_a_bad_definition_is_400(self):
        made = self.wait_group(self.make_group(desired=1)['id'], 1)
        self.refused('PATCH', '/groups/%s' % made['id'],
                     {'resource': {'type': 'OS::Nope'}},
                     '/resource/type: The Resource Type (OS::Nope)')
