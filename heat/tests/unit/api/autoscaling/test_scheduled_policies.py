"""Scheduled policies through the Auto-Scaling API: kind, schedule,
next_run_at, and the errors naming the field and the value."""

import datetime

from heat.engine.autoscaling import engine as eng
from heat.tests.unit.api.autoscaling import ASTestCase

NOW = datetime.datetime(2027, 3, 26, 12, tzinfo=datetime.timezone.utc)


class TestScheduledPolicies(ASTestCase):

    def setUp(self):
        super().setUp()
        saved = eng.clock
        eng.clock = NOW.timestamp
        self.addCleanup(setattr, eng, 'clock', saved)
        self.g = self.make_group(desired=1)
        self.base = '/groups/%s/policies' % self.g['id']

    def post(self, body):
        return self.as_request('POST', self.base, body)

    def test_create_show_list(self):
        resp = self.post({'name': 'office', 'kind': 'scheduled', 'schedule': {
            'recurrence': '0 8 * * 1-5', 'time_zone': 'Europe/Paris',
            'min_size': 2, 'desired_capacity': 4}})
        self.assertEqual(201, resp.status_code, resp.text)
        p = resp.json['policy']
        self.assertEqual(('scheduled', None, None), (
            p['kind'], p['adjustment_type'], p['scaling_adjustment']))
        self.assertEqual({'recurrence': '0 8 * * 1-5',
                          'time_zone': 'Europe/Paris', 'min_size': 2,
                          'desired_capacity': 4}, p['schedule'])
        # Friday noon UTC: next Monday 08:00 CEST
        self.assertEqual('2027-03-29T06:00:00Z', p['next_run_at'])
        shown = self.as_request('GET', '%s/%s' % (self.base, p['id'])).json
        self.assertEqual(p['next_run_at'], shown['policy']['next_run_at'])
        once = self.post({'name': 'once', 'kind': 'scheduled', 'schedule': {
            'at': '2027-04-01T08:00:00+02:00', 'max_size': 3}}).json['policy']
        self.assertEqual('2027-04-01T06:00:00Z', once['next_run_at'])
        simple = self.make_policy(self.g['id'])
        self.assertEqual(('simple', None, None), (
            simple['kind'], simple['schedule'], simple['next_run_at']))
        listed = self.as_request('GET', self.base).json['policies']
        self.assertEqual({'office': '2027-03-29T06:00:00Z',
                          'once': '2027-04-01T06:00:00Z', 'up': None},
                         {x['name']: x['next_run_at'] for x in listed})

    def assert_400(self, body, *words):
        resp = self.post(body)
        self.assertEqual(400, resp.status_code, resp.text)
        for word in words:
            self.assertIn(word, resp.json['error']['message'])

    def test_errors_name_field_and_value(self):
        sched = {'name': 'x', 'kind': 'scheduled'}
        self.assert_400(sched, '/schedule', 'required')
        self.assert_400(dict(sched, schedule={'recurrence': '0 8 * * *'}),
                        '/schedule', 'sets nothing')
        self.assert_400(dict(sched, schedule={
            'recurrence': '0 8 * * *', 'at': '2027-04-01T08:00:00Z',
            'max_size': 1}), 'exactly one of recurrence and at')
        self.assert_400(dict(sched, schedule={'recurrence': 'every day',
                                              'max_size': 1}),
                        'recurrence', "'every day'")
        self.assert_400(dict(sched, schedule={
            'recurrence': '0 8 * * *', 'time_zone': 'Paris',
            'max_size': 1}), 'time_zone', "'Paris'")
        self.assert_400(dict(sched, schedule={
            'at': '2027-03-26T11:00:00Z', 'max_size': 1}), 'at',
            "'2027-03-26T11:00:00Z'", 'past')
        self.assert_400(dict(sched, adjustment_type='exact_capacity',
                             schedule={'recurrence': '0 8 * * *',
                                       'max_size': 1}),
                        '/adjustment_type', 'not allowed with kind '
                        'scheduled')
        self.assert_400({'name': 'x', 'adjustment_type': 'exact_capacity',
                         'scaling_adjustment': 1, 'schedule': {
                             'recurrence': '0 8 * * *', 'max_size': 1}},
                        '/schedule', 'only with kind scheduled')
        self.assert_400({'name': 'x'}, '/adjustment_type', 'required')
        self.assert_400({'name': 'x', 'kind': 'cron'}, '/kind', "'cron'")
        self.assertEqual([], self.as_request('GET', self.base).json[
            'policies'])

    def test_execute_applies_the_action_now(self):
        p = self.post({'name': 'office', 'kind': 'scheduled', 'schedule': {
            'recurrence': '0 8 * * *', 'desired_capacity': 3}}).json['policy']
        resp = self.as_request('POST', '%s/%s/execute' % (self.base,
                                                          p['id']), {})
        self.assertEqual(200, resp.status_code, resp.text)
        d = resp.json['decision']
        self.assertEqual((True, 1, 3), (d['accepted'], d['from_capacity'],
                                        d['to_capacity']))
        acts = self.as_request('GET', '/groups/%s/activities'
                               % self.g['id']).json['activities']
        self.assertEqual('api', [a for a in acts
                                 if a['id'] == d['activity_id']][0]['trigger'])

    def test_update_schedule(self):
        p = self.post({'name': 'office', 'kind': 'scheduled', 'schedule': {
            'recurrence': '0 8 * * *', 'desired_capacity': 3}}).json['policy']
        resp = self.as_request('PATCH', '%s/%s' % (self.base, p['id']),
                               {'schedule': {'recurrence': '0 9 * * *',
                                             'max_size': 4}})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('2027-03-27T09:00:00Z',
                         resp.json['policy']['next_run_at'])
        simple = self.make_policy(self.g['id'])
        resp = self.as_request('PATCH', '%s/%s' % (self.base, simple['id']),
                               {'schedule': {'recurrence': '0 9 * * *',
                                             'max_size': 4}})
        self.assertEqual(400, resp.status_code, resp.text)
        self.assertIn('only a scheduled policy', resp.text)
