"""The Python library against the real server (heat-all: see
:mod:`heat_autoscalingclient.tests.server`)."""

import json
import socket
import urllib.request
import uuid

import testtools

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions, models
from heat_autoscalingclient.tests import server as server_mod

MEMBER = {'type': 'OS::Heat::RandomString', 'properties': {'length': 6}}
WAIT = 90


class LibraryTestCase(testtools.TestCase):

    def setUp(self):
        super().setUp()
        self.server = server_mod.server()
        self.project = server_mod.new_project()
        self.endpoint = self.server.endpoint(self.project)
        self.client = as_client.Client(endpoint_override=self.endpoint)

    def create_group(self, name=None, desired=1, wait=True, **kwargs):
        kwargs.setdefault('resource', MEMBER)
        group = self.client.groups.create(
            name=name or 'g-%s' % uuid.uuid4().hex[:6], min_size=0,
            max_size=kwargs.pop('max_size', 5), desired_capacity=desired,
            cooldown=kwargs.pop('cooldown', 0), **kwargs)
        if wait:
            group = self.client.groups.wait(group, timeout=WAIT,
                                            interval=0.1)
        return group


class TestGroups(LibraryTestCase):

    def test_versions_document(self):
        versions = self.client.versions()
        self.assertEqual('v1.0', versions[0]['id'])
        self.assertEqual('CURRENT', versions[0]['status'])

    def test_api_version_header(self):
        resp = self.client.http.get('groups')
        self.assertEqual('autoscaling 1.0',
                         resp.headers['OpenStack-API-Version'])
        bad = as_client.Client(endpoint_override=self.endpoint,
                               api_version='2.0')
        exc = self.assertRaises(exceptions.NotAcceptable,
                                list, bad.groups.list())
        self.assertEqual(406, exc.status_code)

    def test_endpoint_from_the_session(self):
        from keystoneauth1 import fixture, noauth, session, token_endpoint
        from keystoneauth1.access import access
        from keystoneauth1.identity import access as access_plugin

        group = self.create_group(desired=0, wait=False)
        # auth_type none with an endpoint, a plain token and endpoint
        for auth in (noauth.NoAuth(endpoint=self.endpoint),
                     token_endpoint.Token(self.endpoint, 'a-token')):
            client = as_client.Client(session=session.Session(auth=auth))
            self.assertEqual(self.endpoint, client.endpoint)
            self.assertEqual(group.id, client.groups.get(group.id).id)
        client = as_client.Client(endpoint_override=self.endpoint,
                                  token='a-token')
        self.assertEqual(group.id, client.groups.get(group.id).id)

        # a service catalog (a token's, as Keystone gives it): the
        # autoscaling endpoint of the interface and region asked for
        token = fixture.V3Token(project_id=self.project)
        service = token.add_service('autoscaling')
        service.add_standard_endpoints(
            public=self.endpoint, internal=self.endpoint + '-internal',
            region='RegionOne')
        other = token.add_service('autoscaling')
        other.add_standard_endpoints(public=self.endpoint + '-elsewhere',
                                     region='RegionTwo')
        auth_ref = access.create(body=token, auth_token='a-token')
        sess = session.Session(auth=access_plugin.AccessInfoPlugin(auth_ref))
        client = as_client.Client(session=sess, interface='public',
                                  region_name='RegionOne')
        self.assertEqual(self.endpoint, client.endpoint)
        self.assertEqual([group.id],
                         [g.id for g in client.groups.list()])
        internal = as_client.Client(session=sess, interface='internal',
                                    region_name='RegionOne')
        self.assertEqual(self.endpoint + '-internal', internal.endpoint)
        # endpoint_override wins over the catalog
        client = as_client.Client(session=sess, region_name='RegionTwo',
                                  endpoint_override=self.endpoint)
        self.assertEqual(group.id, client.groups.get(group.id).id)

    def test_lifecycle(self):
        created = self.client.groups.create(
            name='web', min_size=0, max_size=4, desired_capacity=2,
            cooldown=0, resource=MEMBER, removal_policy='oldest')
        self.assertIsInstance(created, models.Group)
        self.assertEqual('web', created.name)
        self.assertEqual(self.project, created.project_id)
        self.assertIsNone(created.stack_id)
        self.assertEqual('"%s"' % created.version, created.etag)
        self.assertIn(created.status, ('INIT', 'CONVERGING', 'ACTIVE'))
        self.assertEqual(MEMBER['type'], created.resource['type'])
        as_dict = created.to_dict()
        self.assertEqual('web', as_dict['name'])
        self.assertNotIn('etag', as_dict)
        self.assertIn('links', as_dict)

        seen = []
        group = self.client.groups.wait(created, timeout=WAIT,
                                        interval=0.1, callback=seen.append)
        self.assertTrue(seen)
        self.assertTrue(group.converged)
        self.assertEqual('ACTIVE', group.status)
        self.assertEqual(2, group.current_size)
        self.assertEqual(created.id, self.client.groups.get(created.id).id)
        self.assertEqual(created.id, self.client.groups.find('web').id)
        self.assertEqual([created.id],
                         [g.id for g in self.client.groups.list()])

        # update with the group as If-Match
        updated = self.client.groups.update(group, if_match=group,
                                            desired_capacity=3, max_size=5)
        self.assertEqual(3, updated.desired_capacity)
        self.assertEqual(5, updated.max_size)
        self.assertGreater(updated.version, group.version)
        group = self.client.groups.wait(updated, timeout=WAIT, interval=0.1,
                                        min_version=updated.version,
                                        capacity=3)
        self.assertEqual(3, len(self.client.members.list(group)))

        suspended = self.client.groups.suspend(group)
        self.assertTrue(suspended.suspended)
        resumed = self.client.groups.resume(group.id)
        self.assertFalse(resumed.suspended)

        decision = self.client.groups.resize(group, capacity=1)
        self.assertIsInstance(decision, models.Decision)
        self.assertTrue(decision.accepted)
        self.assertEqual(3, decision.from_capacity)
        self.assertEqual(1, decision.to_capacity)
        self.assertEqual(group.id, decision.group_id)
        self.assertIsNone(decision.policy_id)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=1)

        adjusted = self.client.groups.resize(
            group, adjustment=1, adjustment_type='change_in_capacity')
        self.assertEqual((1, 2), (adjusted.from_capacity,
                                  adjusted.to_capacity))
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=2)

        converging = self.client.groups.converge(group)
        self.assertIsInstance(converging, models.Group)
        self.client.groups.wait(group, timeout=WAIT, interval=0.1)

        # activities: newest first, the resize among them
        activities = list(self.client.activities.list(group))
        self.assertTrue(activities)
        ids = [a.id for a in activities]
        self.assertIn(adjusted.activity_id, ids)
        self.assertIn(decision.activity_id, ids)
        self.assertLess(ids.index(adjusted.activity_id),
                        ids.index(decision.activity_id))
        one = self.client.activities.get(group, decision.activity_id)
        self.assertIsInstance(one, models.Activity)
        self.assertEqual((3, 1), (one.from_capacity, one.to_capacity))
        self.assertEqual(group.id, one.group_id)
        paged = list(self.client.activities.list(group, limit=1))
        self.assertEqual(ids, [a.id for a in paged])
        self.assertEqual(ids[:1], [a.id for a in self.client.activities.list(
            group, limit=1, max_items=1)])

        self.client.groups.delete(group)
        self.client.groups.wait_for_delete(group, timeout=WAIT,
                                           interval=0.1)
        exc = self.assertRaises(exceptions.NotFound,
                                self.client.groups.get, group.id)
        self.assertEqual(404, exc.status_code)
        self.assertEqual([], list(self.client.groups.list()))

    def test_pagination_follows_next_links(self):
        names = ['g%02d' % i for i in range(7)]
        for name in names:
            self.create_group(name=name, desired=0, wait=False)
        groups, marker = self.client.groups.list_page(
            limit=3, sort_key='name', sort_dir='asc')
        self.assertEqual(names[:3], [g.name for g in groups])
        self.assertEqual(groups[-1].id, marker)
        every = list(self.client.groups.list(limit=3, sort_key='name',
                                             sort_dir='asc'))
        self.assertEqual(names, [g.name for g in every])
        self.assertEqual(len(names), len({g.id for g in every}))
        backwards = list(self.client.groups.list(limit=2, sort_key='name',
                                                 sort_dir='desc'))
        self.assertEqual(names[::-1], [g.name for g in backwards])
        self.assertEqual(names[:4], [g.name for g in self.client.groups.list(
            limit=3, sort_key='name', sort_dir='asc', max_items=4)])
        self.assertEqual(['g03'], [g.name for g in self.client.groups.list(
            limit=2, name='g03')])
        after = list(self.client.groups.list(
            limit=2, marker=every[4].id, sort_key='name', sort_dir='asc'))
        self.assertEqual(names[5:], [g.name for g in after])
        # the server's pages, as sent
        calls = []
        original = self.client.http.get

        def spy(url, **kwargs):
            calls.append(dict(kwargs.get('params') or {}))
            return original(url, **kwargs)

        self.client.http.get = spy
        list(self.client.groups.list(limit=3, sort_key='name',
                                     sort_dir='asc'))
        self.assertEqual(3, len(calls))
        self.assertNotIn('marker', calls[0])
        self.assertEqual(every[2].id, calls[1]['marker'])
        self.assertEqual(every[5].id, calls[2]['marker'])

    def test_errors_carry_the_server_message(self):
        exc = self.assertRaises(
            exceptions.BadRequest, self.client.groups.create, name='bad',
            min_size=-1, max_size=2, resource=MEMBER)
        self.assertEqual(400, exc.status_code)
        self.assertEqual(400, exc.code)
        self.assertIn('/min_size', exc.message)
        self.assertIn('/min_size', str(exc))
        self.assertIn('HTTP 400', str(exc))
        self.assertIsNotNone(exc.error_type)
        self.assertEqual('Bad Request', exc.title)
        self.assertIsInstance(exc, exceptions.ClientError)
        self.assertIsInstance(exc, exceptions.HTTPError)

        exc = self.assertRaises(
            exceptions.BadRequest, self.client.groups.create, name='bad',
            min_size=0, max_size=2, resource=MEMBER, no_such_key=1)
        self.assertIn('no_such_key', exc.message)

        exc = self.assertRaises(exceptions.NotFound, self.client.groups.get,
                                str(uuid.uuid4()))
        self.assertTrue(exc.message)
        self.assertIsNotNone(exc.request_id)
        self.assertRaises(exceptions.NotFound, self.client.groups.find,
                          'no-such-group')

        # another project's group is not found
        group = self.create_group(desired=0, wait=False)
        other = as_client.Client(endpoint_override=self.server.endpoint(
            server_mod.new_project()))
        self.assertRaises(exceptions.NotFound, other.groups.get, group.id)
        self.assertRaises(exceptions.NotFound, other.groups.delete,
                          group.id)
        self.assertRaises(exceptions.NotFound, other.policies.list,
                          group.id)

        exc = self.assertRaises(
            exceptions.BadRequest, self.client.groups.resize, group,
            adjustment=1, adjustment_type='no_such_type')
        self.assertIn('adjustment_type', exc.message)
        exc = self.assertRaises(exceptions.BadRequest,
                                lambda: list(self.client.groups.list(
                                    sort_key='no_such_key')))
        self.assertIn('sort_key', exc.message)

    def test_stale_if_match_is_precondition_failed(self):
        group = self.create_group(desired=0, wait=False)
        first = self.client.groups.update(group, if_match=group,
                                          max_size=4)
        exc = self.assertRaises(exceptions.PreconditionFailed,
                                self.client.groups.update, group,
                                if_match=group, max_size=3)
        self.assertEqual(412, exc.status_code)
        self.assertTrue(exc.message)
        self.assertRaises(exceptions.PreconditionFailed,
                          self.client.groups.resize, group, capacity=1,
                          if_match=group.version)
        self.assertRaises(exceptions.PreconditionFailed,
                          self.client.groups.suspend, group,
                          if_match=group.etag)
        self.assertRaises(exceptions.PreconditionFailed,
                          self.client.groups.delete, group, if_match=group)
        # the current version works, given as a number or as the ETag
        self.assertEqual(3, self.client.groups.update(
            group, if_match=first.version, max_size=3).max_size)
        current = self.client.groups.get(group)
        self.assertEqual('"%s"' % current.version, current.etag)
        self.client.groups.delete(group, if_match=current.etag)
        self.client.groups.wait_for_delete(group, timeout=WAIT,
                                           interval=0.1)

    def test_idempotency_key_repeat_returns_the_same_object(self):
        key = 'create-%s' % uuid.uuid4().hex
        first = self.client.groups.create(
            name='once', min_size=0, max_size=2, desired_capacity=0,
            resource=MEMBER, idempotency_key=key)
        again = self.client.groups.create(
            name='once', min_size=0, max_size=2, desired_capacity=0,
            resource=MEMBER, idempotency_key=key)
        self.assertEqual(first.id, again.id)
        self.assertEqual(first.to_dict(), again.to_dict())
        self.assertEqual([first.id],
                         [g.id for g in self.client.groups.list()])

        decision = self.client.groups.resize(first, capacity=1,
                                             idempotency_key=key + '-r')
        repeat = self.client.groups.resize(first, capacity=1,
                                           idempotency_key=key + '-r')
        self.assertEqual(decision.activity_id, repeat.activity_id)
        self.assertEqual(decision.to_dict(), repeat.to_dict())

        # auto-generated keys: two calls are two actions
        auto = as_client.Client(endpoint_override=self.endpoint,
                                auto_idempotency=True)
        sent = []
        original = auto.adapter.request

        def spy(url, method, **kwargs):
            sent.append(kwargs['headers'].get('Idempotency-Key'))
            return original(url, method, **kwargs)

        auto.adapter.request = spy
        a = auto.groups.create(name='a1', min_size=0, max_size=1,
                               desired_capacity=0, resource=MEMBER)
        b = auto.groups.create(name='a2', min_size=0, max_size=1,
                               desired_capacity=0, resource=MEMBER)
        self.assertNotEqual(a.id, b.id)
        self.assertEqual(2, len(set(sent)))
        self.assertNotIn(None, sent)


    def test_idempotency_key_reused_for_another_request_is_conflict(self):
        self.client.groups.create(name='k1', min_size=0, max_size=1,
                                  desired_capacity=0, resource=MEMBER,
                                  idempotency_key='reused')
        exc = self.assertRaises(
            exceptions.Conflict, self.client.groups.create, name='k2',
            min_size=0, max_size=1, desired_capacity=0, resource=MEMBER,
            idempotency_key='reused')
        self.assertEqual('IdempotencyKeyReused', exc.error_type)
        self.assertEqual(['k1'], [g.name for g in self.client.groups.list()])

    def test_group_of_a_stack_is_conflict(self):
        template = {
            'heat_template_version': '2016-10-14',
            'resources': {'asg': {
                'type': 'OS::Heat::AutoScalingGroup',
                'properties': {'min_size': 0, 'max_size': 2,
                               'desired_capacity': 1,
                               'resource': {'type': 'OS::Heat::None'}}}}}
        url = '%s/v1/%s/stacks' % (self.server.base, self.project)
        req = urllib.request.Request(
            url, method='POST', headers={'Content-Type': 'application/json'},
            data=json.dumps({'stack_name': 'withgroup',
                             'template': template}).encode())
        with urllib.request.urlopen(req, timeout=30) as resp:
            stack_id = json.loads(resp.read())['stack']['id']
        groups = server_mod.wait_until(
            lambda: list(self.client.groups.list(stack_id=stack_id)),
            timeout=WAIT, message="the stack's group")
        self.assertEqual(1, len(groups))
        group = groups[0]
        self.assertEqual(stack_id, group.stack_id)
        self.assertEqual('asg', group.resource_name)
        self.assertEqual([], list(self.client.groups.list(
            stack_id=str(uuid.uuid4()))))
        exc = self.assertRaises(exceptions.Conflict,
                                self.client.groups.update, group,
                                desired_capacity=2)
        self.assertEqual(409, exc.status_code)
        self.assertIn('belongs to stack %s resource asg' % stack_id,
                      exc.message)
        self.assertIn('change it through the stack', str(exc))
        self.assertRaises(exceptions.Conflict, self.client.groups.delete,
                          group)
        req = urllib.request.Request('%s/withgroup/%s' % (url, stack_id),
                                     method='DELETE')
        urllib.request.urlopen(req, timeout=30).close()
        server_mod.wait_until(
            lambda: not list(self.client.groups.list(stack_id=stack_id)),
            timeout=WAIT, message="the stack's group to go")


class TestMembers(LibraryTestCase):

    def test_members(self):
        group = self.create_group(desired=3)
        members = self.client.members.list(group)
        self.assertEqual(3, len(members))
        self.assertIsInstance(members[0], models.Member)
        for member in members:
            self.assertEqual('HEALTHY', member.health)
            self.assertFalse(member.protected)
            self.assertIsNotNone(member.name)
        name = members[0].name
        self.assertEqual(name, self.client.members.get(group, name).name)
        self.assertRaises(exceptions.NotFound, self.client.members.get,
                          group, 'no-such-member')

        protected = self.client.members.protect(group, members[1])
        self.assertTrue(protected.protected)
        self.assertTrue(self.client.members.get(group, members[1].name)
                        .protected)
        self.assertFalse(self.client.members.unprotect(
            group, members[1].name).protected)
        self.client.members.protect(group, members[2].name)

        marked = self.client.members.mark_unhealthy(
            group, members[0].name, reason='does not answer')
        self.assertIsInstance(marked, models.Member)
        self.assertEqual(members[0].name, marked.name)
        self.assertEqual('UNHEALTHY', marked.health)

        # a protected member is never chosen for scale-in
        self.client.groups.wait(group, timeout=WAIT, interval=0.1)
        self.client.groups.resize(group, capacity=1)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=1)
        self.assertEqual([members[2].name], [
            m.name for m in self.client.members.list(group)])

        self.client.groups.resize(group, capacity=2)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=2)
        victim = [m.name for m in self.client.members.list(group)
                  if m.name != members[2].name][0]
        after = self.client.members.remove(group, victim)
        self.assertIsInstance(after, models.Group)
        self.assertEqual(1, after.desired_capacity)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=1)
        self.assertNotIn(victim, [
            m.name for m in self.client.members.list(group)])

        # with replace, the capacity stays
        survivor = self.client.members.list(group)[0].name
        self.client.members.unprotect(group, survivor)
        after = self.client.members.remove(group, [survivor], replace=True)
        self.assertEqual(1, after.desired_capacity)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=1)
        server_mod.wait_until(
            lambda: survivor not in [
                m.name for m in self.client.members.list(group)],
            timeout=WAIT, message='the replaced member to go')

    def test_member_attributes(self):
        group = self.create_group(desired=2)
        plain = self.client.members.list(group)
        self.assertEqual([None, None], [m.attributes for m in plain])
        self.assertNotIn('attributes', plain[0].to_dict())

        members = self.client.members.list(group, attributes=['value'])
        self.assertEqual([m.name for m in plain], [m.name for m in members])
        for member in members:
            self.assertEqual(['value'], list(member.attributes))
            self.assertEqual(6, len(member.attributes['value']))
            self.assertEqual(member.attributes,
                             member.to_dict()['attributes'])
        self.assertNotEqual(members[0].attributes, members[1].attributes)
        # one name will do; the query repeats for several
        one = self.client.members.get(group, members[0], attributes='value')
        self.assertEqual(members[0].attributes, one.attributes)
        self.assertEqual(
            [{'value': m.attributes['value']} for m in members],
            [m.attributes for m in self.client.members.list(
                group, attributes=('value', 'value'))])

        exc = self.assertRaises(exceptions.BadRequest,
                                self.client.members.list, group,
                                attributes=['value', 'nope'])
        self.assertEqual('InvalidTemplateAttribute', exc.error_type)
        self.assertIn('OS::Heat::RandomString nope', exc.message)


class TestPoliciesAndWebhooks(LibraryTestCase):

    def test_policies_webhooks_execute(self):
        group = self.create_group(desired=1, max_size=3)
        policy = self.client.policies.create(
            group, name='up', adjustment_type='change_in_capacity',
            scaling_adjustment=1, cooldown=0)
        self.assertIsInstance(policy, models.Policy)
        self.assertEqual('up', policy.name)
        self.assertEqual(group.id, policy.group_id)
        self.assertEqual('simple', policy.kind)
        self.assertEqual(1, policy.scaling_adjustment)
        self.assertEqual([policy.id],
                         [p.id for p in self.client.policies.list(group)])
        self.assertEqual(policy.id,
                         self.client.policies.get(group, policy.id).id)
        self.assertEqual(policy.id,
                         self.client.policies.find(group, 'up').id)
        updated = self.client.policies.update(group, policy,
                                              scaling_adjustment=2)
        self.assertEqual(2, updated.scaling_adjustment)
        exc = self.assertRaises(
            exceptions.BadRequest, self.client.policies.create, group,
            name='bad', adjustment_type='sideways', scaling_adjustment=1)
        self.assertIn('adjustment_type', exc.message)

        decision = self.client.policies.execute(group, policy,
                                                details={'why': 'test'})
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((1, 3), (decision.from_capacity,
                                  decision.to_capacity))
        self.assertEqual(policy.id, decision.policy_id)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=3)
        activity = self.client.activities.get(group, decision.activity_id)
        self.assertEqual(policy.id, activity.policy_id)

        down = self.client.policies.create(
            group, name='down', adjustment_type='change_in_capacity',
            scaling_adjustment=-1, cooldown=0)
        webhook = self.client.webhooks.create(group, down, name='alarm')
        self.assertIsInstance(webhook, models.Webhook)
        self.assertEqual('alarm', webhook.name)
        self.assertEqual(down.id, webhook.policy_id)
        self.assertIn('/autoscaling/v1/webhooks/', webhook.url)
        listed = self.client.webhooks.list(group, down)
        self.assertEqual([webhook.id], [w.id for w in listed])
        self.assertIsNone(listed[0].url)
        self.assertNotIn('url', listed[0].extra)

        # the capability URL alone, no auth: the module function and the
        # manager's static method
        decision = as_client.execute_webhook(webhook.url)
        self.assertIsInstance(decision, models.Decision)
        self.assertTrue(decision.accepted, decision.reason)
        self.assertEqual((3, 2), (decision.from_capacity,
                                  decision.to_capacity))
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=2)
        decision = self.client.webhooks.execute(webhook.url,
                                                {'alarm': 'low'})
        self.assertEqual((2, 1), (decision.from_capacity,
                                  decision.to_capacity))
        # an Idempotency-Key on the webhook: a repeat is the first decision
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=1)
        self.client.groups.resize(group, capacity=3)
        group = self.client.groups.wait(group, timeout=WAIT, interval=0.1,
                                        capacity=3)
        first = as_client.execute_webhook(webhook.url, idempotency_key='w1')
        again = as_client.execute_webhook(webhook.url, idempotency_key='w1')
        self.assertTrue(first.accepted, first.reason)
        self.assertFalse(first.repeated)
        self.assertTrue(again.repeated)
        self.assertEqual(first.activity_id, again.activity_id)
        self.assertEqual((3, 2), (again.from_capacity, again.to_capacity))
        # ... also with urllib and no header at all
        req = urllib.request.Request(webhook.url, data=b'', method='POST')
        with urllib.request.urlopen(req, timeout=30) as resp:
            self.assertEqual(200, resp.status)
            self.assertIn('decision', json.loads(resp.read()))

        self.client.webhooks.delete(group, down, webhook)
        self.assertEqual([], self.client.webhooks.list(group, down))
        self.assertRaises(exceptions.NotFound, as_client.execute_webhook,
                          webhook.url)

        self.client.policies.delete(group, policy)
        self.assertRaises(exceptions.NotFound, self.client.policies.get,
                          group, policy.id)
        self.assertEqual([down.id],
                         [p.id for p in self.client.policies.list(group)])

    def test_policy_execute_idempotency(self):
        group = self.create_group(desired=0, max_size=3)
        policy = self.client.policies.create(
            group, name='up', adjustment_type='exact_capacity',
            scaling_adjustment=2, cooldown=0)
        first = self.client.policies.execute(group, policy,
                                             idempotency_key='k-exec')
        again = self.client.policies.execute(group, policy,
                                             idempotency_key='k-exec')
        self.assertEqual(first.activity_id, again.activity_id)
        self.assertEqual(2, first.to_capacity)
        self.assertEqual(1, len([
            a for a in self.client.activities.list(group)
            if a.policy_id == policy.id]))


class TestConnectionErrors(testtools.TestCase):
    """No server needed."""


    def test_connection_refused(self):
        with socket.socket() as sock:
            sock.bind(('127.0.0.1', 0))
            port = sock.getsockname()[1]
        client = as_client.Client(
            endpoint_override='http://127.0.0.1:%d/autoscaling/v1/p' % port)
        self.assertRaises(exceptions.ConnectionRefused,
                          lambda: list(client.groups.list()))

    def test_no_endpoint(self):
        self.assertRaises(exceptions.EndpointNotFound, as_client.Client)
