"""Every v1 endpoint through WebOb requests, on a real engine service."""

import json

from heat.tests import base, pinned
from heat.tests.unit.api import TEMPLATE, APITestCase

SIGNAL_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  res:
    type: OS::Heat::TestResource
    properties:
      value: x
'''

HANDLE_TEMPLATE = '''heat_template_version: 2016-10-14
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
'''


class TestStacks(APITestCase):

    def test_create_returns_201_location_and_links(self):
        resp = self.request('POST', '/stacks', {
            'stack_name': 's1', 'template': TEMPLATE})
        self.assertEqual(201, resp.status_code)
        stack = resp.json['stack']
        href = 'http://localhost/v1/p1/stacks/s1/%s' % stack['id']
        self.assertEqual([{'href': href, 'rel': 'self'}], stack['links'])
        self.assertEqual(href, resp.headers['Location'])
        self.wait(stack['id'])

    def test_create_with_template_object_and_parameters(self):
        import yaml
        tmpl = yaml.safe_load(TEMPLATE)
        tmpl['heat_template_version'] = '2016-10-14'
        sid = self.create(template=tmpl,
                          parameters={'size': 3}, timeout_mins=5,
                          tags=['a', 'b'])
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        self.assertEqual('3', stack['parameters']['size'])
        self.assertEqual(5, stack['timeout_mins'])
        self.assertEqual(['a', 'b'], stack['tags'])

    def test_show_joins_action_and_status(self):
        sid = self.create()
        resp = self.request('GET', '/stacks/s1/%s' % sid)
        self.assertEqual(200, resp.status_code)
        stack = resp.json['stack']
        self.assertEqual('CREATE_COMPLETE', stack['stack_status'])
        self.assertNotIn('stack_action', stack)
        self.assertNotIn('stack_identity', stack)
        self.assertEqual(sid, stack['id'])
        self.assertEqual(sid, stack['parameters']['OS::stack_id'])
        outputs = {o['output_key']: o for o in stack['outputs']}
        self.assertEqual(8, len(outputs['the_length']['output_value']))
        self.assertEqual(2, outputs['group_size']['output_value'])

    def test_show_without_outputs(self):
        sid = self.create()
        resp = self.request('GET', '/stacks/s1/%s?resolve_outputs=False'
                            % sid)
        self.assertNotIn('outputs', resp.json['stack'])

    def test_show_bad_resolve_outputs(self):
        sid = self.create()
        self.assertError(self.request(
            'GET', '/stacks/s1/%s?resolve_outputs=maybe' % sid), 400,
            'HTTPBadRequest', 'Unrecognized value "maybe"')

    def test_show_wrong_name_for_id(self):
        sid = self.create()
        self.assertError(self.request('GET', '/stacks/other/%s' % sid), 404,
                         'StackNotFound')

    def test_list_and_detail(self):
        sid = self.create()
        stacks = self.request('GET', '/stacks').json['stacks']
        self.assertEqual([sid], [s['id'] for s in stacks])
        self.assertEqual('CREATE_COMPLETE', stacks[0]['stack_status'])
        self.assertEqual('self', stacks[0]['links'][0]['rel'])
        detail = self.request('GET', '/stacks/detail').json['stacks']
        self.assertEqual([sid], [s['id'] for s in detail])

    def test_list_filters_sort_limit_count(self):
        self.create('a1')
        self.create('b1')
        names = [s['stack_name'] for s in self.request(
            'GET', '/stacks?sort_keys=stack_name&sort_dir=asc').json[
            'stacks']]
        self.assertEqual(['a1', 'b1'], names)
        resp = self.request('GET', '/stacks?name=b1&with_count=true')
        self.assertEqual(['b1'], [s['stack_name']
                                  for s in resp.json['stacks']])
        self.assertEqual(1, resp.json['count'])
        resp = self.request('GET', '/stacks?limit=1')
        self.assertEqual(1, len(resp.json['stacks']))
        self.assertError(self.request('GET', '/stacks?limit=x'), 400)
        self.assertError(self.request('GET', '/stacks?sort_dir=up'), 400)

    def test_lookup_redirects_by_name_and_id(self):
        sid = self.create()
        canonical = 'http://localhost/v1/p1/stacks/s1/%s' % sid
        for ref in ('s1', sid):
            resp = self.request('GET', '/stacks/%s' % ref)
            self.assertEqual(302, resp.status_code)
            self.assertEqual(canonical, resp.headers['Location'])
        for method in ('POST', 'PUT', 'PATCH', 'DELETE'):
            resp = self.request(method, '/stacks/s1')
            self.assertEqual(302, resp.status_code, method)
        arn = 'arn:openstack:heat::p1:stacks/s1/%s' % sid
        resp = self.request('GET', '/stacks/%s' % arn)
        self.assertEqual(canonical, resp.headers['Location'])

    def test_lookup_by_arn_keeps_the_arn_sub_path(self):
        sid = self.create()
        arn = 'arn:openstack:heat::p1:stacks/s1/%s/resources/r1' % sid
        resp = self.request('GET', '/stacks/%s' % arn)
        self.assertEqual(302, resp.status_code)
        self.assertEqual(
            'http://localhost/v1/p1/stacks/s1/%s/resources/r1' % sid,
            resp.headers['Location'])

    def test_lookup_subpaths_keep_query(self):
        sid = self.create()
        for sub in ('resources', 'events', 'template', 'actions',
                    'environment', 'files', 'outputs'):
            resp = self.request('GET', '/stacks/s1/%s?nested_depth=1' % sub)
            self.assertEqual(302, resp.status_code, sub)
            self.assertEqual(
                'http://localhost/v1/p1/stacks/s1/%s/%s?nested_depth=1'
                % (sid, sub), resp.headers['Location'])
        resp = self.request('POST', '/stacks/s1/actions', {'check': None})
        self.assertEqual(302, resp.status_code)
        resp = self.request('GET', '/stacks/s1/resources?type=a&type=b')
        self.assertEqual(
            'http://localhost/v1/p1/stacks/s1/%s/resources?type=a&type=b'
            % sid, resp.headers['Location'])

    def test_lookup_unknown(self):
        self.assertError(self.request('GET', '/stacks/nope'), 404,
                         'StackNotFound', 'The Stack (nope) could not be '
                         'found.')
        self.assertError(self.request('GET', '/stacks/nope/resources'), 404,
                         'StackNotFound')

    def test_create_duplicate_is_409(self):
        self.create()
        body = self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's1', 'template': TEMPLATE}), 409, 'StackExists')
        self.assertEqual('The Stack (s1) already exists.',
                         body['error']['message'])

    def test_create_invalid_template_is_400(self):
        bad = TEMPLATE.replace('length: 8', 'length: BAD')
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's1', 'template': bad}), 400,
            'StackValidationFailed', "Value 'BAD' is not an integer")

    def test_create_without_name_or_template(self):
        self.assertError(self.request('POST', '/stacks', {
            'template': TEMPLATE}), 400, message='No stack name specified')
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's1'}), 400, message='No template specified')

    def test_update_put_and_patch(self):
        sid = self.create()
        resp = self.request('PUT', '/stacks/s1/%s' % sid, {
            'template': TEMPLATE, 'parameters': {'size': 3},
            'environment': {}, 'files': {}, 'tags': None,
            'disable_rollback': True})
        self.assertEqual(202, resp.status_code)
        self.assertEqual(b'', resp.body)
        self.wait(sid)
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        self.assertEqual('UPDATE_COMPLETE', stack['stack_status'])
        self.assertEqual('3', stack['parameters']['size'])
        resp = self.request('PATCH', '/stacks/s1/%s' % sid, {
            'template': None, 'parameters': {'size': 1}, 'environment': {},
            'files': {}, 'tags': None, 'disable_rollback': True})
        self.assertEqual(202, resp.status_code)
        self.wait(sid)
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        self.assertEqual('UPDATE_COMPLETE', stack['stack_status'])
        self.assertEqual('1', stack['parameters']['size'])
        self.assertIn('get_param: size', json.dumps(self.request(
            'GET', '/stacks/s1/%s/template' % sid).json).replace(
            '{"get_param": "size"}', 'get_param: size'))

    def test_put_without_template_is_400(self):
        sid = self.create()
        self.assertError(self.request('PUT', '/stacks/s1/%s' % sid, {
            'parameters': {'size': 3}}), 400, message='No template')

    def test_preview_and_preview_update(self):
        resp = self.request('POST', '/stacks/preview', {
            'stack_name': 's1', 'template': TEMPLATE, 'files': {},
            'disable_rollback': True})
        self.assertEqual(200, resp.status_code, resp.text)
        stack = resp.json['stack']
        self.assertEqual('s1', stack['stack_name'])
        self.assertIn('rand', json.dumps(stack['resources']))
        sid = self.create()
        changed = TEMPLATE.replace('length: 8', 'length: 9')
        resp = self.request('PUT', '/stacks/s1/%s/preview' % sid, {
            'template': changed})
        self.assertEqual(200, resp.status_code, resp.text)
        changes = resp.json['resource_changes']
        self.assertEqual({'unchanged', 'updated', 'replaced', 'added',
                          'deleted'}, set(changes))
        resp = self.request('PATCH', '/stacks/s1/%s/preview' % sid, {
            'parameters': {'size': 3}})
        self.assertEqual(200, resp.status_code, resp.text)

    def test_delete(self):
        sid = self.create()
        resp = self.request('DELETE', '/stacks/s1/%s' % sid,
                            content_type='application/octet-stream')
        self.assertEqual(204, resp.status_code)
        self.wait(sid)
        stack = self.request('GET', '/stacks/s1/%s' % sid).json['stack']
        self.assertEqual('DELETE_COMPLETE', stack['stack_status'])
        self.assertError(self.request('GET', '/stacks/s1'), 404)
        self.assertEqual([], self.request('GET', '/stacks').json['stacks'])

    def test_abandon_export_adopt(self):
        base.enable_stack_adopt(self)
        sid = self.create()
        resp = self.request('GET', '/stacks/s1/%s/export' % sid)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(sid, resp.json['id'])
        resp = self.request('DELETE', '/stacks/s1/%s/abandon' % sid)
        self.assertEqual(200, resp.status_code, resp.text)
        data = resp.json
        self.assertEqual('s1', data['name'])
        self.wait(sid)
        self.assertError(self.request('GET', '/stacks/s1'), 404)
        value = data['resources']['rand']['resource_data']['value']
        new_id = self.create('s2', template=None,
                             adopt_stack_data=json.dumps(data))
        stack = self.request('GET', '/stacks/s2/%s' % new_id).json['stack']
        self.assertEqual('ADOPT_COMPLETE', stack['stack_status'])
        outputs = {o['output_key']: o['output_value']
                   for o in stack['outputs']}
        self.assertEqual(value, outputs['the_length'])

    def test_bad_adopt_data(self):
        self.assertError(self.request('POST', '/stacks', {
            'stack_name': 's1', 'adopt_stack_data': '{"no": "template"}'}),
            400, message='Invalid adopt data')

    def test_template_environment_files(self):
        env = {'parameters': {'size': 1}}
        sid = self.create(environment=env,
                          files={'a.yaml': 'heat_template_version: '
                                           '2013-05-23\n'})
        tmpl = self.request('GET', '/stacks/s1/%s/template' % sid).json
        self.assertEqual('2016-10-14', tmpl['heat_template_version'])
        got_env = self.request('GET', '/stacks/s1/%s/environment' % sid).json
        self.assertEqual({'size': 1}, got_env['parameters'])
        files = self.request('GET', '/stacks/s1/%s/files' % sid).json
        self.assertEqual(['a.yaml'], list(files))

    def test_outputs(self):
        sid = self.create()
        outs = self.request('GET', '/stacks/s1/%s/outputs' % sid).json
        self.assertEqual(['the_length', 'group_size'],
                         [o['output_key'] for o in outs['outputs']])
        one = self.request('GET', '/stacks/s1/%s/outputs/group_size' % sid)
        self.assertEqual(2, one.json['output']['output_value'])
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/outputs/nope' % sid), 404, 'NotFound')

    def test_method_not_allowed(self):
        sid = self.create()
        resp = self.request('POST', '/stacks/s1/%s' % sid, {})
        self.assertError(resp, 405)
        self.assertEqual('GET,PUT,PATCH,DELETE', resp.headers['Allow'])

    def test_unknown_path(self):
        self.assertError(self.request('GET', '/nothing/here'), 404)
        self.assertError(self.request('GET', '/stacks/a/b/c/d/e/f'), 404)

    def test_request_id_header(self):
        resp = self.request('GET', '/stacks')
        self.assertTrue(resp.headers['x-openstack-request-id'].startswith(
            'req-'))


class TestActions(APITestCase):

    def action(self, sid, body, name='s1'):
        return self.request('POST', '/stacks/%s/%s/actions' % (name, sid),
                            body)

    def status(self, sid, name='s1'):
        return self.request('GET', '/stacks/%s/%s' % (name, sid)).json[
            'stack']['stack_status']

    def test_suspend_resume_check(self):
        sid = self.create()
        for action, status in (('suspend', 'SUSPEND_COMPLETE'),
                               ('resume', 'RESUME_COMPLETE'),
                               ('check', 'CHECK_COMPLETE')):
            resp = self.action(sid, {action: None})
            self.assertEqual(200, resp.status_code, resp.text)
            self.assertIsNone(resp.json)
            self.wait(sid)
            self.assertEqual(status, self.status(sid))

    def test_cancel_update_when_not_updating(self):
        sid = self.create()
        self.assertError(self.action(sid, {'cancel_update': None}), 400,
                         'NotSupported', 'Cancelling update when stack is '
                         'CREATE_COMPLETE')
        self.assertError(self.action(sid, {'cancel_without_rollback': None}),
                         400, 'NotSupported')

    def test_cancel_update_in_progress(self):
        tmpl = SIGNAL_TEMPLATE
        sid = self.create(template=tmpl)
        # only the update waits: the rollback's delete of it must not
        slow = tmpl.replace('value: x', 'value: y') + \
            '      action_wait_secs: {update: 30}\n'
        resp = self.request('PUT', '/stacks/s1/%s' % sid, {
            'template': slow})
        self.assertEqual(202, resp.status_code, resp.text)
        resp = self.action(sid, {'cancel_update': None})
        self.assertEqual(200, resp.status_code, resp.text)
        self.wait(sid)
        self.assertIn(self.status(sid), ('ROLLBACK_COMPLETE',
                                         'UPDATE_FAILED'))

    def test_action_in_progress_is_409(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        slow = SIGNAL_TEMPLATE.replace('value: x', 'value: y') + \
            '      action_wait_secs: {update: 30}\n'
        self.request('PUT', '/stacks/s1/%s' % sid, {'template': slow})
        body = self.assertError(self.action(sid, {'check': None}), 409,
                                'ActionInProgress')
        self.assertIn('already has an action', body['error']['message'])
        # with rollback: without, the slow update would be let finish
        self.action(sid, {'cancel_update': None})
        self.wait(sid)

    def test_bad_action_bodies(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        self.assertError(self.action(sid, {}), 400, message='No action')
        self.assertError(self.action(sid, {'suspend': None,
                                           'resume': None}), 400,
                         message='Multiple actions')
        self.assertError(self.action(sid, {'explode': None}), 400,
                         message='Invalid action explode')
        self.assertError(self.action(sid, ['suspend']), 400)


class TestResources(APITestCase):

    def test_list(self):
        sid = self.create()
        res = self.request('GET', '/stacks/s1/%s/resources' % sid).json[
            'resources']
        by_name = {r['resource_name']: r for r in res}
        self.assertEqual({'rand', 'group', 'noop'}, set(by_name))
        group = by_name['group']
        self.assertEqual('group', group['logical_resource_id'])
        self.assertEqual('CREATE_COMPLETE', group['resource_status'])
        self.assertEqual('OS::Heat::ResourceGroup', group['resource_type'])
        rels = [link['rel'] for link in group['links']]
        self.assertEqual(['self', 'stack', 'nested'], rels)
        self.assertEqual('http://localhost/v1/p1/stacks/s1/%s' % sid,
                         group['links'][1]['href'])
        self.assertNotIn('nested', [link['rel']
                                    for link in by_name['rand']['links']])

    def test_list_nested_with_detail_and_filters(self):
        sid = self.create()
        res = self.request(
            'GET', '/stacks/s1/%s/resources?nested_depth=2&with_detail=True'
            % sid).json['resources']
        names = sorted(r['resource_name'] for r in res)
        self.assertEqual(['0', '1', 'group', 'noop', 'rand'], names)
        member = [r for r in res if r['resource_name'] == '0'][0]
        self.assertEqual('group', member['parent_resource'])
        self.assertIn('attributes', member)
        only = self.request(
            'GET', '/stacks/s1/%s/resources?type=OS::Heat::None' % sid).json
        self.assertEqual(['noop'], [r['resource_name']
                                    for r in only['resources']])
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/resources?nested_depth=x' % sid), 400)

    def test_show_and_metadata(self):
        sid = self.create()
        resp = self.request('GET', '/stacks/s1/%s/resources/rand' % sid)
        res = resp.json['resource']
        self.assertEqual('rand', res['resource_name'])
        self.assertIn('attributes', res)
        self.assertIn('description', res)
        self.assertNotIn('metadata', res)
        meta = self.request('GET',
                            '/stacks/s1/%s/resources/rand/metadata' % sid)
        self.assertEqual({'metadata': {}}, meta.json)
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/resources/nope' % sid), 404,
            'ResourceNotFound')

    def handle_token(self, sid):
        res = self.request('GET', '/stacks/s1/%s/resources/handle' % sid)
        return res.json['resource']['attributes']['token']

    def test_signal_carries_the_callers_token(self):
        sid = self.create(template=HANDLE_TEMPLATE)
        token = self.handle_token(sid)
        resp = self.request('POST', '/stacks/s1/%s/resources/handle/signal'
                            % sid, {'status': 'SUCCESS', 'id': '1'},
                            headers={'X-Auth-Token': token})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertIsNone(resp.json)
        self.wait(sid)
        events = self.request(
            'GET', '/stacks/s1/%s/resources/handle/events' % sid).json[
            'events']
        self.assertIn('SIGNAL_COMPLETE',
                      [e['resource_status'] for e in events])
        meta = self.request(
            'GET', '/stacks/s1/%s/resources/handle/metadata' % sid).json
        self.assertEqual('SUCCESS', meta['metadata']['1']['status'])

    def test_signal_with_a_wrong_token_is_403(self):
        sid = self.create(template=HANDLE_TEMPLATE)
        self.assertError(self.request(
            'POST', '/stacks/s1/%s/resources/handle/signal' % sid,
            headers={'X-Auth-Token': 'wrong'}), 403, 'InvalidSignalToken')

    def test_signal_unsupported_type_is_400(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        self.assertError(self.request(
            'POST', '/stacks/s1/%s/resources/res/signal' % sid), 400,
            'ResourceActionNotSupported')

    def test_signal_during_suspend_is_400(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        self.request('POST', '/stacks/s1/%s/actions' % sid,
                     {'suspend': None})
        self.wait(sid)
        self.assertError(self.request(
            'POST', '/stacks/s1/%s/resources/res/signal' % sid), 400,
            'NotSupported', 'Signal resource during SUSPEND is not '
            'supported')

    def test_mark_unhealthy(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        resp = self.request('PATCH', '/stacks/s1/%s/resources/res' % sid, {
            'mark_unhealthy': True, 'resource_status_reason': 'reason'})
        self.assertEqual(200, resp.status_code, resp.text)
        res = self.request('GET', '/stacks/s1/%s/resources/res' % sid).json[
            'resource']
        self.assertEqual('CHECK_FAILED', res['resource_status'])
        self.assertEqual('reason', res['resource_status_reason'])
        self.assertError(self.request(
            'PATCH', '/stacks/s1/%s/resources/res' % sid,
            {'mark_unhealthy': 'perhaps'}), 400)
        self.assertError(self.request(
            'PATCH', '/stacks/s1/%s/resources/res' % sid,
            {'other': True}), 400, message='Invalid key other')
        self.assertError(self.request(
            'PATCH', '/stacks/s1/%s/resources/res' % sid, {}), 400,
            message='Missing mandatory')


class TestEvents(APITestCase):

    def test_list_and_show(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        events = self.request('GET', '/stacks/s1/%s/events' % sid).json[
            'events']
        statuses = [(e['resource_name'], e['resource_status'])
                    for e in events]
        self.assertEqual(('s1', 'CREATE_IN_PROGRESS'), statuses[0])
        self.assertIn(('res', 'CREATE_COMPLETE'), statuses)
        ev = [e for e in events if e['resource_name'] == 'res'][0]
        self.assertEqual(['self', 'resource', 'stack'],
                         [link['rel'] for link in ev['links']])
        self.assertEqual({'id', 'links', 'event_time', 'resource_name',
                          'logical_resource_id', 'physical_resource_id',
                          'resource_status', 'resource_status_reason'},
                         set(ev))
        resp = self.request('GET', '/stacks/s1/%s/resources/res/events/%s'
                            % (sid, ev['id']))
        self.assertEqual(200, resp.status_code, resp.text)
        shown = resp.json['event']
        self.assertEqual(ev['id'], shown['id'])
        self.assertEqual('OS::Heat::TestResource', shown['resource_type'])
        self.assertIn('resource_properties', shown)
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/resources/res/events/nope' % sid), 404,
            'EntityNotFound')

    def test_filters_and_pagination(self):
        sid = self.create()
        all_events = self.request('GET', '/stacks/s1/%s/events' % sid).json[
            'events']
        first = self.request('GET', '/stacks/s1/%s/events?limit=2' % sid)
        ids = [e['id'] for e in first.json['events']]
        self.assertEqual([e['id'] for e in all_events[:2]], ids)
        nxt = self.request('GET', '/stacks/s1/%s/events?limit=2&marker=%s'
                           % (sid, ids[-1])).json['events']
        self.assertEqual([e['id'] for e in all_events[2:4]],
                         [e['id'] for e in nxt])
        desc = self.request('GET', '/stacks/s1/%s/events?sort_dir=desc'
                            % sid).json['events']
        self.assertEqual(all_events[-1]['id'], desc[0]['id'])
        done = self.request(
            'GET', '/stacks/s1/%s/events?resource_status=CREATE_COMPLETE'
            % sid).json['events']
        self.assertTrue(done)
        self.assertEqual({'CREATE_COMPLETE'},
                         {e['resource_status'] for e in done})
        named = self.request('GET', '/stacks/s1/%s/events?resource_name=rand'
                             % sid).json['events']
        self.assertEqual({'rand'}, {e['resource_name'] for e in named})
        nested = self.request(
            'GET', '/stacks/s1/%s/events?nested_depth=1&limit=50&sort_dir=asc'
            % sid).json['events']
        self.assertIn('0', {e['resource_name'] for e in nested})
        self.assertIn('root_stack', [link['rel'] for link in
                                     nested[0]['links']])
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/events?limit=-1' % sid), 400)
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/events?sort_dir=sideways' % sid), 400)

    def test_unknown_resource_events_is_404(self):
        sid = self.create(template=SIGNAL_TEMPLATE)
        self.assertError(self.request(
            'GET', '/stacks/s1/%s/resources/nope/events' % sid), 404,
            'ResourceNotFound')


class TestTemplates(APITestCase):

    def test_validate_pinned(self):
        resp = self.request('POST', '/validate', {
            'template': pinned.VALIDATE_TEMPLATE})
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual(pinned.VALIDATE_RESULT, resp.json)

    def test_validate_invalid_is_400(self):
        bad = TEMPLATE.replace('length: 8', 'length: BAD')
        self.assertError(self.request('POST', '/validate', {
            'template': bad}), 400, 'HTTPBadRequest',
            "Value 'BAD' is not an integer")
        self.assertError(self.request('POST', '/validate', {
            'template': 'foo: [unclosed'}), 400,
            message='Template not in valid format')

    def test_catalogue_served_by_the_service(self):
        # EngineService answers the template catalogue itself.
        for path in ('/resource_types', '/resource_types/OS::Heat::None',
                     '/template_versions',
                     '/template_versions/heat_template_version.2016-10-14'
                     '/functions'):
            resp = self.request('GET', path)
            self.assertEqual(200, resp.status_code, resp.text)
        self.assertIn('OS::Heat::None', self.request(
            'GET', '/resource_types').json['resource_types'])
        self.assertError(self.request(
            'GET', '/template_versions/nope/functions'), 404)
        # each function with upstream's one-line description
        functions = {f['functions']: f['description'] for f in
                     self.request('GET', '/template_versions/heat_template_'
                                  'version.2016-10-14/functions').json[
                         'template_functions']}
        self.assertEqual('A function for including a file inline.',
                         functions['get_file'])
        # generate_template: the type's template (cfn by default)
        resp = self.request('GET', '/resource_types/OS::Heat::None/template')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual('2012-12-12',
                         resp.json['HeatTemplateFormatVersion'])
        self.assertError(self.request(
            'GET', '/resource_types/OS::Heat::None/template?template_type=x'),
            400, message='Template type is not supported')


    def test_hidden_types_are_not_listed_and_their_schema_not_shown(self):
        listed = self.request('GET', '/resource_types').json[
            'resource_types']
        self.assertIn('OS::Heat::SoftwareDeploymentGroup', listed)
        self.assertIn('OS::Heat::SoftwareComponent', listed)
        for hidden in ('OS::Heat::SoftwareDeployments',
                       'OS::Heat::StructuredDeployments'):
            self.assertNotIn(hidden, listed)
            # as upstream: NotSupported naming the type
            for path in ('/resource_types/%s', '/resource_types/%s/template'):
                self.assertError(self.request('GET', path % hidden), 400,
                                 'NotSupported',
                                 '%s is not supported.' % hidden)
        resp = self.request('GET',
                            '/resource_types/OS::Heat::SoftwareComponent')
        self.assertEqual(200, resp.status_code, resp.text)
        self.assertEqual({'configs', 'inputs', 'outputs', 'options'},
                         set(resp.json['properties']))


class TestMisc(APITestCase):

    def test_versions(self):
        import webob
        for path in ('/', '/v1'):
            resp = webob.Request.blank(path).get_response(self.app)
            self.assertEqual(300, resp.status_code)
            self.assertEqual('v1.0', resp.json['versions'][0]['id'])

    def test_options_registered_on_a_config(self):
        from oslo_config import cfg

        from heat.api import app as app_mod
        from heat.api import options
        conf = cfg.ConfigOpts()
        conf([])
        options.register_opts(conf)
        conf.set_override('max_json_body_size', 10)
        app = app_mod.make_app(self.engine_svc, conf)
        self.app = app
        self.assertError(self.request('POST', '/validate', {
            'template': 'x' * 20}), 400, 'RequestTooLarge')
        self.assertEqual('noauth', conf.auth_strategy)

    def test_keystone_strategy_needs_a_context(self):
        import types

        from heat.api import app as app_mod
        from heat.api import middleware
        from heat.common import context
        # the core API (no auth_token in front of it)
        self.app = app_mod.API(self.engine_svc, types.SimpleNamespace(
            auth_strategy='keystone'))
        self.assertError(self.request('GET', '/stacks'), 401,
                         'HTTPUnauthorized')
        import webob
        req = webob.Request.blank('/v1/p1/stacks')
        req.environ[middleware.ENV_CONTEXT] = context.RequestContext(
            project_id='p1', roles=['reader'])
        self.assertEqual(200, req.get_response(self.app).status_code)

    def test_build_info(self):
        info = self.request('GET', '/build_info').json
        self.assertEqual({'api', 'engine'}, set(info))
        self.assertIn('revision', info['api'])

    def test_services_not_supported(self):
        self.assertError(self.request('GET', '/services'), 400,
                         'NotSupported')
