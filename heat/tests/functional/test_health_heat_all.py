"""Self-healing end to end: a real ``heat-all`` polling real HTTP servers.

``heat-all`` runs alone (SQLite, in-process RPC, no Keystone: the project
is the one in the URL) with ``[autoscaling] health_check_tick = 0.2``
(:class:`heat_autoscalingclient.tests.server.HeatAll`). The test process
runs one :class:`heat.tests.health_server.HealthServer`; a group of ten
members is created through the Auto-Scaling REST API (``POST
/autoscaling/v1/{project}/groups`` with ``health_check``: ``http``,
``url_attribute`` ``url``, ``interval`` 1 s, ``unhealthy_threshold`` 3).
Each member is a provider template (``member.yaml`` in ``files``) whose
output ``url`` is ``http://127.0.0.1:<server port>/<token>``, the token
an ``OS::Heat::RandomString`` of its own: one server, one path per
member.

- Two of the ten start answering 500: each is seen replaced (an
  ``unhealthy`` activity, listed through ``GET .../activities``, naming
  the failing URL in its reason and its ``decision.evidence``) within
  ``interval x unhealthy_threshold + 2 s`` (:data:`DETECT`) of the
  failure, and the replacement converged (the member gone, ten ACTIVE
  members, the group converged) within :data:`DETECT` plus
  :data:`CONVERGE` s: the replacement is a nested stack created, then
  the unhealthy one deleted, by heat-all on a 2-core machine that other
  suites share; the other eight members are kept.
- Then seven of the ten fail at once: none is replaced (the guard,
  ``max_unhealthy_percent`` 50), the group's ``health`` says ``GUARDED``
  with the reason (7 of 10, 70 %), one ``REJECTED`` activity says so, and
  it stays so for :data:`HOLD` more intervals.

Times are observed by the test (the API polled every 0.1 s; the
activities' ``started_at`` is to the second) and are in the test's
details. About 20 s. Skipped, with the reason, when heat-all or
heat-autoscalingclient is not installed next to this Python. Run:
``.venv/bin/python -m testtools.run
heat.tests.functional.test_health_heat_all``.
"""

import time

import requests
import testtools
from testtools import content

from heat.tests import health_server

try:
    from heat_autoscalingclient.tests import server as server_mod
except ImportError:  # pragma: no cover - contrib not installed
    server_mod = None

MEMBERS = 10
INTERVAL = 1
THRESHOLD = 3
TICK = 0.2
CHECK = {'type': 'http', 'url_attribute': 'url', 'interval': INTERVAL,
         'timeout': 1, 'unhealthy_threshold': THRESHOLD,
         'healthy_threshold': 2}
#: the issue's bound: an unhealthy member replaced (the activity written)
#: within interval x unhealthy_threshold + 2 s of its failure
DETECT = INTERVAL * THRESHOLD + 2
#: s more for the replacement's convergence (a nested stack created and
#: the unhealthy one deleted, on shared cores)
CONVERGE = 8
#: intervals the guard is watched holding
HOLD = 3
#: s for set-up steps (start, create, first healthy verdicts)
WAIT = 90
POLL = 0.1

MEMBER = '''heat_template_version: 2018-08-31
description: a member whose health URL has a path of its own
resources:
  token:
    type: OS::Heat::RandomString
    properties:
      length: 20
      character_classes: [{class: lowercase, min: 20}]
outputs:
  url:
    value:
      str_replace:
        template: BASE/TOKEN
        params:
          BASE: %s
          TOKEN: {get_resource: token}
'''


class TestHealthOnHeatAll(testtools.TestCase):

    def setUp(self):
        super().setUp()
        if server_mod is None:
            self.skipTest('heat-autoscalingclient is not installed (make '
                          'installs it from contrib/)')
        self.server = health_server.HealthServer().start()
        self.addCleanup(self.server.stop)
        self.heat = server_mod.HeatAll(
            config='[autoscaling]\nhealth_check_tick = %s\n' % TICK).start()
        self.addCleanup(self.heat.stop)
        self.addDetail('heat-all-log', content.Content(
            content.UTF8_TEXT, lambda: [self.heat.log_tail(20000).encode()]))
        self.endpoint = self.heat.endpoint(server_mod.new_project())
        self.http = requests.Session()
        self.addCleanup(self.http.close)
        self.times = {}
        self.addDetail('times', content.Content(
            content.UTF8_TEXT, lambda: [repr(self.times).encode()]))

    # -- the REST API ------------------------------------------------------

    def api(self, method, path, expect=200, **kw):
        resp = self.http.request(method, self.endpoint + path, timeout=30,
                                 **kw)
        if resp.status_code != expect:
            self.fail('%s %s: %s %s' % (method, path, resp.status_code,
                                        resp.text[:2000]))
        return resp.json() if resp.content else None

    def group(self):
        return self.api('GET', '/groups/%s' % self.gid)['group']

    def urls(self):
        """``{member name: url}`` of the members (all of them)."""
        members = self.api('GET', '/groups/%s/members?attribute=url'
                           % self.gid)['members']
        return {m['name']: m['attributes']['url'] for m in members}

    def members(self):
        return self.api('GET', '/groups/%s/members' % self.gid)['members']

    def activities(self):
        """The ``unhealthy`` activities, oldest first (every page)."""
        out, path = [], '/groups/%s/activities' % self.gid
        while path:
            page = self.api('GET', path)
            out.extend(page['activities'])
            nxt = [link['href'] for link in page.get('links') or []
                   if link.get('rel') == 'next']
            path = nxt[0].split(self.endpoint, 1)[-1] if nxt and \
                page['activities'] else None
        return [a for a in reversed(out) if a['trigger'] == 'unhealthy']

    # -- helpers -----------------------------------------------------------

    def wait(self, what, fn, timeout=WAIT):
        deadline = time.monotonic() + timeout
        while True:
            value = fn()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('timed out (%ss) waiting for %s; the group: %s'
                          % (timeout, what, self.group()))
            time.sleep(POLL)

    def settled(self, n=MEMBERS):
        g = self.group()
        members = self.members()
        return (g['converged'] and g['current_size'] == n and
                len(members) == n and
                {m['status'] for m in members} == {'ACTIVE'}) and members

    def all_healthy(self):
        h = self.group()['health']
        return (h and h['status'] == 'HEALTHY' and
                h['members'] == h['healthy'] == MEMBERS)

    def fail_all(self, urls):
        # all at once (one lock): a check round sees all or none of them
        keys = [u.rsplit('/', 1)[1] for u in urls]
        with self.server._lock:
            self.server._status.update({k: 500 for k in keys})
        return time.monotonic()

    # -- the scenario --------------------------------------------------------

    def test_failing_members_replaced_and_the_guard(self):
        self.gid = self.api('POST', '/groups', expect=201, json={
            'name': 'healing', 'min_size': 0, 'max_size': 2 * MEMBERS,
            'desired_capacity': MEMBERS,
            'resource': {'type': 'member.yaml'},
            'files': {'member.yaml': MEMBER % self.server.url('')[:-1]},
            'health_check': CHECK})['group']['id']
        self.wait('ten ACTIVE members', self.settled)
        self.wait('every member HEALTHY', self.all_healthy)
        urls = self.urls()
        self.assertEqual(MEMBERS, len(set(urls.values())))
        for url in urls.values():
            self.assertTrue(url.startswith(self.server.url('')), url)
            self.assertGreater(self.server.hits[url.rsplit('/', 1)[1]], 0)

        self.replace_two(urls)
        self.guard_seven()

    def replace_two(self, urls):
        names = sorted(urls)
        bad = {n: urls[n] for n in names[:2]}
        t0 = self.fail_all(bad.values())
        seen, replaced_at = {}, None
        deadline = t0 + DETECT + CONVERGE + 10
        while replaced_at is None and time.monotonic() < deadline:
            acts = self.activities()
            # the activity was written before this answer: the time taken
            # after it is an upper bound
            now = time.monotonic()
            for a in acts:
                member = (a['decision'] or {}).get('member')
                if a['status'] != 'REJECTED' and member in bad:
                    seen.setdefault(member, (now - t0, a))
            if len(seen) == len(bad) and self.settled():
                if not set(bad) & {m['name'] for m in self.members()}:
                    replaced_at = time.monotonic() - t0
            time.sleep(POLL)
        self.times.update(
            detected={n: round(s[0], 2) for n, s in seen.items()},
            replaced=replaced_at and round(replaced_at, 2))
        self.assertEqual(set(bad), set(seen), 'not replaced: %s'
                         % self.group())
        for name, (took, act) in seen.items():
            self.assertLessEqual(took, DETECT, '%s replaced %.2f s after '
                                 'its failure' % (name, took))
            self.assertIn(bad[name], act['reason'])
            self.assertIn('answered 500', act['reason'])
            self.assertEqual('http', act['decision']['check'])
            self.assertIn(bad[name], act['decision']['evidence'])
        self.assertIsNotNone(replaced_at, 'the replacements did not '
                             'converge: %s' % self.group())
        self.assertLessEqual(replaced_at, DETECT + CONVERGE)
        now = {m['name'] for m in self.settled()}
        self.assertEqual(set(names[2:]), set(names) & now)
        self.assertEqual(MEMBERS, len(now))
        # the replacements' activities end COMPLETE
        self.wait('the activities COMPLETE', lambda: {
            a['status'] for a in self.activities()} == {'COMPLETE'})
        self.server.heal(*[u.rsplit('/', 1)[1] for u in bad.values()])

    def guard_seven(self):
        self.wait('every member HEALTHY again', self.all_healthy)
        before = self.activities()
        urls = self.urls()
        names = sorted(urls)
        t0 = self.fail_all(urls[n] for n in names[:7])

        def guarded():
            g = self.group()
            return g['health']['status'] == 'GUARDED' and g

        g = self.wait('the guard', guarded, timeout=DETECT + 10)
        self.times['guarded'] = round(time.monotonic() - t0, 2)
        self.assertIn('7 of 10 members unhealthy (70%), more than '
                      'max_unhealthy_percent 50%: none replaced',
                      g['health']['reason'])
        time.sleep(HOLD * INTERVAL)
        g = self.group()
        self.assertEqual('GUARDED', g['health']['status'])
        self.assertEqual(7, g['health']['unhealthy'])
        members = self.members()
        self.assertEqual(sorted(names), sorted(m['name'] for m in members))
        self.assertEqual({'ACTIVE'}, {m['status'] for m in members})
        new = self.activities()[len(before):]
        self.assertEqual(['REJECTED'], [a['status'] for a in new])
        self.assertIn('none replaced', new[0]['reason'])
        self.assertEqual(sorted(names[:7]),
                         sorted(new[0]['decision']['unhealthy']))
