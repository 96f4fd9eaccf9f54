"""Every route of the Auto-Scaling API v1 answers as the contract says
(doc/autoscaling-api.md)."""

import threading

from heat.tests.unit.api.autoscaling import RANDOM, ASTestCase


class TestPublicRoutes(ASTestCase):

    def test_version_document(self):
        resp = self.as_request('GET', '//autoscaling/')
        self.assertEqual(200, resp.status_code)
        version = resp.json['versions'][0]
        self.assertEqual(('v1.0', 'CURRENT', '1.0', '1.0'), (
            version['id'], version['status'], version['min_version'],
            version['max_version']))
        self.assertEqual('http://localhost/autoscaling/v1/',
                         version['links'][0]['href'])
        self.assertEqual('autoscaling 1.0',
                         resp.headers['OpenStack-API-Version'])
        self.assertEqual('OpenStack-API-Version', resp.headers['Vary'])

    def test_versions_asked_for(self):
        for asked in ('autoscaling 1.0', 'autoscaling 1.latest',
                      'compute 2.1, autoscaling latest'):
            resp = self.as_request('GET', '/groups', headers={
                'OpenStack-API-Version': asked})
            self.assertEqual(200, resp.status_code, asked)
        for asked in ('autoscaling 2.0', 'autoscaling 1.7'):
            resp = self.as_request('GET', '/groups', headers={
                'OpenStack-API-Version': asked})
            self.assertError(resp, 406, 'UnsupportedVersion', asked)
            self.assertEqual('autoscaling 1.0',
                             resp.headers['OpenStack-API-Version'])

    def test_openapi_document(self):
        resp = self.as_request('GET', '//autoscaling/v1/openapi.json')
        self.assertEqual(200, resp.status_code)
        self.assertEqual('3.1.0', resp.json['openapi'])

    def test_unknown_path_and_method(self):
        self.assertError(self.as_request('GET', '/nothing'), 404)
        resp = self.as_request('PUT', '/groups')
        self.assertError(resp, 405)
        self.assertEqual('GET,POST', resp.headers['Allow'])


class TestGroups(ASTestCase):

    def test_create_show_list(self):
        resp = self.as_request('POST', '/groups', {
            'name': 'web', 'min_size': 1, 'max_size': 4,
            'desired_capacity': 2, 'cooldown': 0, 'resource': RANDOM,
            'removal_policy': 'oldest',
            'rolling_update': {'max_batch_size': 2}})
        self.assertEqual(201, resp.status_code, resp.text)
        g = resp.json['group']
        self.assertEqual('"%d"' % g['version'], resp.headers['ETag'])
        self.assertEqual(g['links'][0]['href'], resp.headers['Location'])
        self.assertEqual(('web', 'p1', None, 2, RANDOM, 'oldest'), (
            g['name'], g['project_id'], g['stack_id'],
            g['desired_capacity'], g['resource'], g['removal_policy']))
        g = self.wait_group(g['id'], 2)
        self.assertEqual((2, 0, 2), (g['current_size'], g['pending_size'],
                                     g['member_count']))
        resp = self.as_request('GET', '/groups/%s' % g['id'])
        self.assertEqual('"%d"' % g['version'], resp.headers['ETag'])
        listing = self.as_request('GET', '/groups').json
        self.assertEqual([g['id']], [x['id'] for x in listing['groups']])
        self.assertEqual([], listing['links'])

    def test_list_filters_sort_and_pages(self):
        ids = [self.make_group(name, desired=1)['id']
               for name in ('b', 'a', 'c')]
        names = [g['name'] for g in self.as_request(
            'GET', '/groups?sort_key=name&sort_dir=desc').json['groups']]
        self.assertEqual(['c', 'b', 'a'], names)
        only = self.as_request('GET', '/groups?name=a').json['groups']
        self.assertEqual([ids[1]], [g['id'] for g in only])
        page = self.as_request('GET', '/groups?limit=2').json
        self.assertEqual(ids[:2], [g['id'] for g in page['groups']])
        href = page['links'][0]['href']
        self.assertIn('marker=%s' % ids[1], href)
        rest = self.as_request('GET', '/' + href.split('localhost', 1)[1])
        self.assertEqual(ids[2:], [g['id'] for g in rest.json['groups']])
        self.assertEqual([], self.as_request(
            'GET', '/groups?stack_id=nothing').json['groups'])

    def test_patch_suspend_resume_resize_converge_delete(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        resp = self.as_request('PATCH', '/groups/%s' % g['id'], {
            'name': 'renamed', 'max_size': 6, 'desired_capacity': 3},
            headers={'If-Match': '"%d"' % g['version']})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(('renamed', 6, 3), (
            resp.json['group']['name'], resp.json['group']['max_size'],
            resp.json['group']['desired_capacity']))
        g = self.wait_group(g['id'], 3)
        for action, suspended in (('suspend', True), ('resume', False)):
            resp = self.as_request('POST', '/groups/%s/%s' % (g['id'],
                                                             action))
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertEqual(suspended, resp.json['group']['suspended'])
        resp = self.as_request('POST', '/groups/%s/resize' % g['id'],
                               {'capacity': 2})
        self.assertEqual(200, resp.status_code, resp.text)
        d = resp.json['decision']
        self.assertEqual((True, 'ACCEPTED', 3, 2, None, False), (
            d['accepted'], d['status'], d['from_capacity'],
            d['to_capacity'], d['policy_id'], d['repeated']))
        self.wait_group(g['id'], 2)
        resp = self.as_request('POST', '/groups/%s/resize' % g['id'], {
            'adjustment': 50,
            'adjustment_type': 'percent_change_in_capacity'})
        self.assertEqual(3, resp.json['decision']['to_capacity'])
        self.wait_group(g['id'], 3)
        resp = self.as_request('POST', '/groups/%s/converge' % g['id'])
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertIn('group', resp.json)
        resp = self.as_request('DELETE', '/groups/%s' % g['id'])
        self.assertEqual(202, resp.status_code)
        self.assertEqual(b'', resp.body)
        self.assertIn(self.as_request('GET', '/groups/%s' % g['id']).json.get(
            'group', {}).get('status', 'gone'), ('DELETING', 'gone'))
        self.wait_gone(g['id'])

    def wait_gone(self, group_id):
        import time
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.as_request('GET', '/groups/%s' % group_id
                               ).status_code == 404:
                return
            time.sleep(0.05)
        self.fail('group %s was not deleted' % group_id)

    def test_if_match_stale_is_412(self):
        g = self.make_group(desired=1)
        stale = '"%d"' % g['version']
        self.assertEqual(200, self.as_request(
            'PATCH', '/groups/%s' % g['id'], {'max_size': 7},
            headers={'If-Match': stale}).status_code)
        for method, path, body in (
                ('PATCH', '', {'max_size': 8}), ('DELETE', '', None),
                ('POST', '/suspend', None), ('POST', '/resume', None),
                ('POST', '/resize', {'capacity': 2}),
                ('POST', '/converge', None)):
            resp = self.as_request(method, '/groups/%s%s' % (g['id'], path),
                                   body, headers={'If-Match': stale})
            self.assertError(resp, 412, 'ScalingGroupVersionMismatch',
                             'If-Match')
        g2 = self.as_request('GET', '/groups/%s' % g['id']).json['group']
        self.assertEqual((7, 1, False), (g2['max_size'],
                                         g2['desired_capacity'],
                                         g2['suspended']))

    def test_if_match_race_exactly_one_wins(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        etag = '"%d"' % g['version']
        codes = []
        barrier = threading.Barrier(2)

        def patch(size):
            barrier.wait()
            resp = self.as_request('PATCH', '/groups/%s' % g['id'],
                                   {'max_size': size},
                                   headers={'If-Match': etag})
            codes.append(resp.status_code)

        threads = [threading.Thread(target=patch, args=(s,))
                   for s in (7, 8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual([200, 412], sorted(codes))
        after = self.as_request('GET', '/groups/%s' % g['id']).json['group']
        self.assertEqual(g['version'] + 1, after['version'])


class TestMembers(ASTestCase):

    def test_members(self):
        g = self.wait_group(self.make_group(desired=3, min_size=0)['id'], 3)
        base = '/groups/%s/members' % g['id']
        members = self.as_request('GET', base).json['members']
        self.assertEqual(3, len(members))
        m = members[0]
        self.assertEqual({'name', 'generation', 'status', 'health',
                          'protected', 'lifecycle', 'physical_resource_id',
                          'created_at'}, set(m))
        self.assertEqual(('ACTIVE', 'HEALTHY', False), (
            m['status'], m['health'], m['protected']))
        self.assertIsNotNone(m['physical_resource_id'])
        self.assertEqual(m, self.as_request(
            'GET', '%s/%s' % (base, m['name'])).json['member'])
        self.assertError(self.as_request('GET', base + '/nobody'), 404)
        # protect two members: scale-in to 1 keeps exactly those... the
        # group keeps the protected ones and removes the other
        protected = [members[0]['name'], members[1]['name']]
        for name in protected:
            resp = self.as_request('PATCH', '%s/%s' % (base, name),
                                   {'protected': True})
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertTrue(resp.json['member']['protected'])
        self.as_request('POST', '/groups/%s/resize' % g['id'],
                        {'capacity': 2})
        self.wait_group(g['id'], 2)
        left = sorted(x['name'] for x in
                      self.as_request('GET', base).json['members'])
        self.assertEqual(sorted(protected), left)
        # mark one unhealthy: it is replaced
        resp = self.as_request('POST', '%s/%s/mark-unhealthy' % (
            base, protected[0]), {'reason': 'broken'})
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(protected[0], resp.json['member']['name'])
        g = self.wait_group(g['id'], 2)
        names = [x['name'] for x in self.as_request('GET', base).json[
            'members']]
        self.assertNotIn(protected[0], names)
        # remove one: the group shrinks
        resp = self.as_request('POST', base + '/remove',
                               {'members': [protected[1]]})
        self.assertEqual(202, resp.status_code, resp.text)
        self.assertEqual(1, resp.json['group']['desired_capacity'])
        self.wait_group(g['id'], 1)


class TestPoliciesWebhooksActivities(ASTestCase):

    def test_policy_crud_and_execute(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        base = '/groups/%s/policies' % g['id']
        p = self.make_policy(g['id'])
        self.assertEqual(('up', g['id'], 'simple', 'change_in_capacity',
                          1, None), (
            p['name'], p['group_id'], p['kind'], p['adjustment_type'],
            p['scaling_adjustment'], p['stack_id']))
        self.assertEqual([p['id']], [x['id'] for x in self.as_request(
            'GET', base).json['policies']])
        self.assertEqual(p['id'], self.as_request(
            'GET', '%s/%s' % (base, p['id'])).json['policy']['id'])
        resp = self.as_request('PATCH', '%s/%s' % (base, p['id']),
                               {'scaling_adjustment': 2})
        self.assertEqual(2, resp.json['policy']['scaling_adjustment'])
        resp = self.as_request('POST', '%s/%s/execute' % (base, p['id']))
        self.assertEqual(200, resp.status_code, resp.text)
        d = resp.json['decision']
        self.assertEqual((True, 1, 3, p['id']), (
            d['accepted'], d['from_capacity'], d['to_capacity'],
            d['policy_id']))
        self.wait_group(g['id'], 3)
        resp = self.as_request('DELETE', '%s/%s' % (base, p['id']))
        self.assertEqual(204, resp.status_code)
        self.assertError(self.as_request('GET', '%s/%s' % (base, p['id'])),
                         404)

    def test_policy_of_another_group_is_404(self):
        g1 = self.make_group('g1', desired=1)
        g2 = self.make_group('g2', desired=1)
        p = self.make_policy(g1['id'])
        self.assertError(self.as_request(
            'GET', '/groups/%s/policies/%s' % (g2['id'], p['id'])), 404)

    def test_webhooks(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        p = self.make_policy(g['id'])
        base = '/groups/%s/policies/%s/webhooks' % (g['id'], p['id'])
        resp = self.as_request('POST', base, {'name': 'alarm'})
        self.assertEqual(201, resp.status_code, resp.text)
        hook = resp.json['webhook']
        self.assertTrue(hook['url'].startswith(
            'http://localhost/autoscaling/v1/webhooks/'))
        listed = self.as_request('GET', base).json['webhooks']
        self.assertEqual([{'id': hook['id'], 'name': 'alarm',
                           'policy_id': p['id'], 'enabled': True,
                           'created_at': hook['created_at']}], listed)
        # anonymous, no token
        path = hook['url'].split('localhost', 1)[1]
        resp = self.as_request('POST', '/' + path, {'alarm': 'high'})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertTrue(resp.json['decision']['accepted'])
        self.assertError(self.as_request(
            'POST', '//autoscaling/v1/webhooks/not-a-token'), 404)
        resp = self.as_request('DELETE', '%s/%s' % (base, hook['id']))
        self.assertEqual(204, resp.status_code)
        self.assertError(self.as_request('POST', '/' + path), 404)

    def test_activities(self):
        g = self.wait_group(self.make_group(desired=1)['id'], 1)
        for capacity in (2, 3):
            self.as_request('POST', '/groups/%s/resize' % g['id'],
                            {'capacity': capacity})
        base = '/groups/%s/activities' % g['id']
        acts = self.as_request('GET', base).json['activities']
        self.assertEqual(['resize', 'resize', 'create'],
                         [a['trigger'] for a in acts])
        self.assertEqual(3, acts[0]['to_capacity'])
        page = self.as_request('GET', base + '?limit=1').json
        self.assertEqual([acts[0]['id']],
                         [a['id'] for a in page['activities']])
        self.assertIn('marker=%s' % acts[0]['id'],
                      page['links'][0]['href'])
        one = self.as_request('GET', '%s/%s' % (base, acts[1]['id']))
        self.assertEqual(acts[1]['id'], one.json['activity']['id'])
        self.assertEqual(2, one.json['activity']['decision']['desired'])
        self.assertError(self.as_request('GET', base + '/nothing'), 404)
