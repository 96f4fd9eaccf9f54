"""Project isolation: every read and write endpoint called with another
project's URL on p1's stack gets a 404 and changes nothing; every route
of the router that names a stack is in the matrix (a new route fails
:meth:`TestProjectIsolation.test_every_stack_route_is_in_the_matrix`
until it is added)."""

import uuid

from heat.api import v1
from heat.tests.unit.api import APITestCase

SNAPSHOT = str(uuid.uuid4())

#: routes that name no stack (the project's own collections, the
#: catalogue, the credential-in-URL signals, tested in test_as_isolation
#: and test_signal_endpoints): ``(controller, action)``. Any other route
#: must be in :meth:`TestProjectIsolation.matrix`.
NO_STACK_ROUTES = {
    ('misc', 'versions'), ('misc', 'build_info'),
    ('misc', 'not_supported'),
    ('signal', 'signal'), ('signal', 'webhook'),
    ('stacks', 'validate_template'), ('stacks', 'list_resource_types'),
    ('stacks', 'resource_schema'), ('stacks', 'generate_template'),
    ('stacks', 'list_template_versions'),
    ('stacks', 'list_template_functions'),
    ('stacks', 'index'), ('stacks', 'detail'), ('stacks', 'create'),
    ('stacks', 'preview'),
    # software configs and deployments name no stack; their project
    # isolation is tested in test_software_configs
    ('software_configs', 'index'), ('software_configs', 'create'),
    ('software_configs', 'show'), ('software_configs', 'delete'),
    ('software_deployments', 'index'), ('software_deployments', 'create'),
    ('software_deployments', 'metadata'), ('software_deployments', 'show'),
    ('software_deployments', 'update'), ('software_deployments', 'delete'),
}


def routes():
    """``{(url template, method, path alternative)}`` of every route of
    the v1 router (the 405 answers left out)."""
    mapper, _ = v1.make_routes(None)
    found = set()
    for route in mapper.matchlist:
        action = route.defaults.get('action')
        if action == '_reject':
            continue
        alternatives = [None]
        if '{path:' in route.routepath:
            alternatives = route.routepath.split('{path:')[1].split(
                '}')[0].split('|')
        for method in route.conditions['method']:
            for alt in alternatives:
                found.add((route.defaults['controller'], action,
                           route.routepath, method, alt))
    return mapper, found

TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  res:
    type: OS::Heat::TestResource
    properties:
      value: x
  handle:
    type: OS::Heat::WaitConditionHandle
outputs:
  out:
    value: {get_attr: [res, output]}
'''


class TestProjectIsolation(APITestCase):

    def setUp(self):
        super().setUp()
        self.sid = self.create('s1', template=TEMPLATE)
        events = self.request('GET', '/stacks/s1/%s/events' % self.sid)
        self.event_id = [e['id'] for e in events.json['events']
                         if e['resource_name'] == 'res'][0]

    def matrix(self):
        s = '/stacks/s1/%s' % self.sid
        arn = '/stacks/arn:openstack:heat::p1:stacks/s1/%s' % self.sid
        tmpl = {'template': TEMPLATE.replace('value: x', 'value: y')}
        return [
            ('GET', '/stacks/s1', None),
            ('GET', '/stacks/%s' % self.sid, None),
            ('DELETE', '/stacks/s1', None),
            ('GET', '/stacks/s1/resources', None),
            ('GET', '/stacks/arn:openstack:heat::p1:stacks/s1/%s' % self.sid,
             None),
            ('POST', '/stacks/s1', None),
            ('PUT', '/stacks/s1', tmpl),
            ('PATCH', '/stacks/s1', {'parameters': {}}),
            ('GET', '/stacks/s1/events', None),
            ('GET', '/stacks/s1/template', None),
            ('GET', '/stacks/s1/actions', None),
            ('GET', '/stacks/s1/environment', None),
            ('GET', '/stacks/s1/files', None),
            ('GET', '/stacks/s1/outputs', None),
            ('POST', '/stacks/s1/resources', None),
            ('POST', '/stacks/s1/events', None),
            ('POST', '/stacks/s1/template', None),
            ('POST', '/stacks/s1/actions', {'suspend': None}),
            ('POST', arn, None),
            ('PUT', arn, tmpl),
            ('PATCH', arn, {'parameters': {}}),
            ('DELETE', arn, None),
            ('GET', s, None),
            ('PUT', s, tmpl),
            ('PATCH', s, {'parameters': {}}),
            ('DELETE', s, None),
            ('GET', s + '/template', None),
            ('GET', s + '/environment', None),
            ('GET', s + '/files', None),
            ('GET', s + '/outputs', None),
            ('GET', s + '/outputs/out', None),
            ('GET', s + '/export', None),
            ('DELETE', s + '/abandon', None),
            ('PUT', s + '/preview', tmpl),
            ('PATCH', s + '/preview', {'parameters': {}}),
            ('POST', s + '/actions', {'suspend': None}),
            ('POST', s + '/actions', {'resume': None}),
            ('POST', s + '/actions', {'check': None}),
            ('POST', s + '/actions', {'cancel_update': None}),
            ('POST', s + '/actions', {'cancel_without_rollback': None}),
            ('POST', s + '/snapshots', {'name': 'x'}),
            ('GET', s + '/snapshots', None),
            ('GET', s + '/snapshots/%s' % SNAPSHOT, None),
            ('DELETE', s + '/snapshots/%s' % SNAPSHOT, None),
            ('POST', s + '/snapshots/%s/restore' % SNAPSHOT, None),
            ('GET', s + '/resources', None),
            ('GET', s + '/resources?nested_depth=3', None),
            ('GET', s + '/resources/res', None),
            ('GET', s + '/resources/res/metadata', None),
            ('POST', s + '/resources/res/signal', {'x': 1}),
            ('POST', s + '/resources/handle/signal', {'status': 'SUCCESS'}),
            ('PATCH', s + '/resources/res', {'mark_unhealthy': True}),
            ('GET', s + '/events', None),
            ('GET', s + '/events?nested_depth=2', None),
            ('GET', s + '/resources/res/events', None),
            ('GET', s + '/resources/res/events/%s' % self.event_id, None),
        ]

    def snapshot(self):
        stack = self.request('GET', '/stacks/s1/%s' % self.sid).json['stack']
        resources = self.request('GET', '/stacks/s1/%s/resources'
                                 % self.sid).json['resources']
        events = self.request('GET', '/stacks/s1/%s/events'
                              % self.sid).json['events']
        meta = self.request('GET', '/stacks/s1/%s/resources/handle/metadata'
                            % self.sid).json
        return (stack['stack_status'], stack['updated_time'],
                stack['outputs'],
                sorted((r['resource_name'], r['resource_status'],
                        r['physical_resource_id']) for r in resources),
                [e['id'] for e in events], meta, self.count_rows())

    def test_other_project_gets_404_and_changes_nothing(self):
        before = self.snapshot()
        for method, path, body in self.matrix():
            resp = self.request(method, path, body, project='p2',
                                headers={'X-Auth-Token': 'p2-token'})
            self.assertError(resp, 404)
            self.assertIn(resp.json['error']['type'],
                          ('StackNotFound', 'EntityNotFound'),
                          '%s %s' % (method, path))
            self.wait(self.sid)
            self.assertEqual(before, self.snapshot(), '%s %s'
                             % (method, path))

    def test_every_stack_route_is_in_the_matrix(self):
        mapper, found = routes()
        covered = set()
        for method, path, _ in self.matrix():
            url = '/v1/p2' + path.split('?')[0]
            match, route = mapper.routematch(
                url, environ={'REQUEST_METHOD': method})
            self.assertNotEqual('_reject', match['action'],
                                '%s %s' % (method, path))
            covered.add((route.routepath, method, match.get('path')))
        missing = sorted(
            '%s %s%s' % (method, url, ' (%s)' % alt if alt else '')
            for controller, action, url, method, alt in found
            if (controller, action) not in NO_STACK_ROUTES and
            (url, method, alt) not in covered)
        self.assertEqual([], missing)
        # and the exceptions are real routes, not stale names
        self.assertEqual(NO_STACK_ROUTES, {
            (c, a) for c, a, _, _, _ in found} & NO_STACK_ROUTES)

    def test_listing_shows_only_own_stacks(self):
        self.assertEqual([], self.request('GET', '/stacks',
                                          project='p2').json['stacks'])
        self.assertEqual([], self.request('GET', '/stacks/detail',
                                          project='p2').json['stacks'])
        resp = self.request('GET', '/stacks?with_count=true&show_deleted=1'
                            .replace('=1', '=true'), project='p2')
        self.assertEqual(0, resp.json['count'])

    def test_same_name_in_another_project_is_separate(self):
        other = self.create('s1', template=TEMPLATE, project='p2')
        self.assertNotEqual(self.sid, other)
        resp = self.request('GET', '/stacks/s1', project='p2')
        self.assertIn(other, resp.headers['Location'])
        self.assertIn('/v1/p2/', resp.headers['Location'])
        resp = self.request('GET', '/stacks/s1')
        self.assertIn(self.sid, resp.headers['Location'])
        # p2's id under p1's URL is p1's business: not found
        self.assertError(self.request('GET', '/stacks/s1/%s' % other), 404)
