"""The health monitor: checks the members of groups that have a health
check (:mod:`heat.scaling.health`) and has the unhealthy ones replaced.
Each tick it also applies the default result of lifecycle waits past
their deadline (:meth:`~heat.engine.autoscaling.engine.AutoScalingEngine.
expire_lifecycle_waits`).

Every engine runs one (``[autoscaling] health_check_tick``). Each tick
it lists the groups with a health check; a group whose next check is due
is checked by the engine that holds the group's **monitor claim**
(``monitor_engine_id`` until ``monitor_expires_at``): the engine claims
a free or lapsed claim, renews its own at each check, and loses it to
another engine when it stops renewing (it died, it was cut off). So one
engine at a time checks a group; a dead engine's groups are taken over
within ``3 x interval`` (at least 30 s).

A check of a group, every ``interval`` seconds:

* reads the member rows; members that are not ACTIVE (being created,
  removed, updated, already FAILED) and members younger than
  ``grace_period`` are not judged;
* ``status``: one query of the member stack's resource rows: a member
  whose resource is in a FAILED state (a failed action, ``CHECK_FAILED``
  after a check or a ``mark unhealthy``) or has no row any more is
  unhealthy at once;
* ``http``: each judged member's URL (the value of its resource's
  ``url_attribute``, resolved once per member and generation) is polled
  with GET, at most ``[autoscaling] health_check_workers`` at a time,
  connections kept alive; an answer outside ``expected_codes``, a
  timeout or a connection error is a failure; ``unhealthy_threshold``
  failures in a row make the member unhealthy
  (:class:`heat.scaling.health.Counter`);
* the unhealthy members go to
  :meth:`~heat.engine.autoscaling.engine.AutoScalingEngine.
  replace_unhealthy` (guard, replacement limit, one transaction);
* what was found is written to the group's ``health`` (only while the
  claim is ours).

The counters live in the monitor's memory: an engine taking a group over
starts counting afresh (a member is replaced at most ``unhealthy_threshold
x interval`` later than it would have been). Replacement itself is in the
database, so nothing is replaced twice.
"""

import concurrent.futures
import dataclasses
import logging
import threading
import time

import urllib3
from oslo_config import cfg

from heat.common import context as context_mod
from heat.common import exception
from heat.db import api as db_api
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import members as members_mod
from heat.engine.autoscaling import schedule as schedule_mod
from heat.engine.autoscaling import sweep
from heat.scaling import health as health_lib

LOG = logging.getLogger(__name__)

#: the shortest claim (s): a few ticks of a slow engine do not lose it
MIN_CLAIM_TTL = 30.0
#: unhealthy members whose evidence the group's ``health`` shows
MAX_FAILING_SHOWN = 50


def claim_ttl(check):
    return max(3.0 * check.interval, MIN_CLAIM_TTL)


@dataclasses.dataclass
class _GroupState:
    check: health_lib.HealthCheck
    next_due: float = 0.0
    # each keyed (member name, generation): a member updated in place
    # by a rolling update is judged afresh
    #: -> Counter (http)
    counters: dict = dataclasses.field(default_factory=dict)
    #: -> URL
    urls: dict = dataclasses.field(default_factory=dict)
    #: -> the verdict last written to its row
    written: dict = dataclasses.field(default_factory=dict)


class Poller:
    """GET with keep-alive connections, from a bounded thread pool."""

    def __init__(self, workers):
        self.pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=workers, thread_name_prefix='as-health-http')
        # connections kept alive per member (host:port), as many as
        # the workers may open to it at once (members behind one address)
        self.http = urllib3.PoolManager(num_pools=8192, maxsize=workers,
                                        block=False, retries=False)
        #: latencies (s) of the polls since the last ``take_latencies``
        self.latencies = []
        self._lock = threading.Lock()

    def poll(self, url, check):
        """``(ok, evidence)`` of one GET of ``url``."""
        started = time.monotonic()
        try:
            resp = self.http.request(
                'GET', url, redirect=False, preload_content=True,
                timeout=urllib3.Timeout(total=check.timeout))
            status = resp.status
        except urllib3.exceptions.TimeoutError:
            return self._done(started, False, 'GET %s: no answer within '
                              'timeout %ss' % (url, check.timeout))
        except urllib3.exceptions.HTTPError as exc:
            reason = getattr(exc, 'reason', None) or exc
            return self._done(started, False, 'GET %s failed: %s' % (
                url, str(reason)[:200]))
        if health_lib.code_expected(check.codes, status):
            return self._done(started, True, None)
        return self._done(started, False, 'GET %s answered %d (expected %s)'
                          % (url, status, check.expected_codes))

    def _done(self, started, ok, evidence):
        with self._lock:
            self.latencies.append(time.monotonic() - started)
        return ok, evidence

    def poll_all(self, targets, check):
        """``{name: (ok, evidence)}`` for ``{name: url}``."""
        futures = {name: self.pool.submit(self.poll, url, check)
                   for name, url in targets.items()}
        return {name: fut.result() for name, fut in futures.items()}

    def take_latencies(self):
        with self._lock:
            out, self.latencies = self.latencies, []
        return out

    def close(self):
        self.pool.shutdown(wait=False, cancel_futures=True)
        self.http.clear()


class Monitor(sweep.Periodic):
    """This engine's health monitor (see the module docstring)."""

    thread_name = 'as-health'
    what = 'Health monitor'

    def __init__(self, as_engine, resolve_attribute, tick, workers=None,
                 clock=time.time):
        super().__init__(tick)
        self.as_engine = as_engine
        self.engine_id = as_engine.engine_id
        #: ``resolve_attribute(context, group row, member rows, name)
        #: -> {member name: value}``
        self.resolve_attribute = resolve_attribute
        self.clock = clock
        self.poller = Poller(workers or cfg.CONF.autoscaling.
                             health_check_workers)
        self._groups = {}

    # -- the loop ------------------------------------------------------

    def run_once(self, now=None):
        """Check every group whose check is due and whose claim is (or
        becomes) ours; the ids of the groups checked."""
        now = self.clock() if now is None else now
        # lifecycle waits past their deadline: their default result
        # (any engine may: each completes exactly once)
        try:
            self.as_engine.expire_lifecycle_waits()
        except Exception:  # noqa: BLE001 - the checks still run
            LOG.exception('Lifecycle timeouts failed')
        checked = []
        listed = set()
        db_now = db_api.utcnow()
        for gid, project, data, holder, expires in \
                db_api.scaling_group_monitored(None):
            listed.add(gid)
            if holder and holder != self.engine_id and expires and \
                    expires > db_now:
                # another engine's live claim: no UPDATE to find that out
                self._groups.pop(gid, None)
                continue
            try:
                check = health_lib.parse(data)
            except health_lib.InvalidHealthCheck:
                LOG.warning('Group %s: stored health check invalid: %s',
                            gid, data)
                continue
            state = self._groups.get(gid)
            if state is None or state.check != check:
                state = self._groups[gid] = _GroupState(check)
            if now < state.next_due:
                continue
            if not db_api.scaling_group_claim_monitor(
                    None, gid, self.engine_id, claim_ttl(check)):
                # another engine checks it: start afresh if it comes back
                self._groups.pop(gid, None)
                continue
            state.next_due = now + check.interval
            try:
                self.check_group(gid, project, state, now)
                checked.append(gid)
            except exception.EntityNotFound:
                self._groups.pop(gid, None)
            except Exception:  # noqa: BLE001 - the other groups go on
                LOG.exception('Group %s: health check failed', gid)
        for gid in set(self._groups) - listed:
            del self._groups[gid]
        return checked

    def stop(self, timeout=None):
        super().stop(timeout)
        for gid in list(self._groups):
            try:
                db_api.scaling_group_release_monitor(None, gid,
                                                     self.engine_id)
            except Exception:  # noqa: BLE001 - the claim lapses anyway
                LOG.debug('Group %s: claim not released', gid)
        self._groups.clear()
        self.poller.close()

    # -- one group -------------------------------------------------------

    def check_group(self, gid, project, state, now):
        check = state.check
        cnxt = context_mod.RequestContext(project_id=project, is_admin=True)
        g = db_api.scaling_group_get(cnxt, gid, None)
        rows = db_api.scaling_member_get_all(cnxt, gid)
        judged = [m for m in rows if m.status == eng.M_ACTIVE and
                  eng.posix(m.created_at) + check.grace_period <= now]
        live = {(m.name, m.generation) for m in rows}
        gen = {m.name: m.generation for m in rows}
        for cache in (state.counters, state.urls, state.written):
            for key in set(cache) - live:
                del cache[key]
        findings = {}
        # status: the member stack's resource rows, one query
        resources = members_mod.resource_rows(
            cnxt, gid, [m.name for m in judged])
        for m in judged:
            row = resources.get(m.name)
            if row is None:
                findings[m.name] = ('status', 'resource of member %s is '
                                    'gone' % m.name)
            elif row.status == 'FAILED':
                findings[m.name] = ('status', 'resource %s is %s_FAILED%s'
                                    % (m.name, row.action,
                                       ': %s' % row.status_reason
                                       if row.status_reason else ''))
        verdicts = {name: health_lib.UNHEALTHY for name in findings}
        if check.type == health_lib.HTTP:
            todo = [m for m in judged if m.name not in findings]
            targets, missing = self._targets(cnxt, g, todo, state)
            results = self.poller.poll_all(targets, check)
            for name, why in missing.items():
                results[name] = (False, why)
            for name, (ok, evidence) in results.items():
                counter = state.counters.setdefault(
                    (name, gen[name]), health_lib.Counter())
                verdict = counter.observe(check, ok, evidence)
                if verdict == health_lib.UNHEALTHY:
                    findings[name] = ('http', '%s (%d consecutive '
                                      'failures)' % (counter.evidence,
                                                     counter.failures))
                if verdict != health_lib.UNKNOWN:
                    verdicts[name] = verdict
        else:
            for m in judged:
                verdicts.setdefault(m.name, health_lib.HEALTHY)
        failing = {name: '%s check: %s' % findings[name]
                   for name in sorted(findings)[:MAX_FAILING_SHOWN]}
        if findings:
            # the evidence is visible before the verdicts are: the rolling
            # update's health gate reads a verdict, then its evidence
            db_api.scaling_group_set_health(
                cnxt, gid, self.engine_id,
                dict(g.health or {}, failing=failing))
        self._write_verdicts(cnxt, gid, state, verdicts, gen)
        healthy = sum(1 for v in verdicts.values()
                      if v == health_lib.HEALTHY)
        status, reason = eng.HEALTHY_STATE, 'all judged members healthy'
        if findings:
            replaced, status, reason = self.as_engine.replace_unhealthy(
                cnxt, gid, findings, check)
            for name in replaced:
                state.counters.pop((name, gen[name]), None)
        health = {'status': status, 'reason': reason,
                  'checked_at': schedule_mod.iso_utc(now),
                  'members': len(judged), 'healthy': healthy,
                  'unhealthy': len(findings), 'engine_id': self.engine_id}
        if findings:
            health['failing'] = failing
        db_api.scaling_group_set_health(cnxt, gid, self.engine_id, health)
        return health

    def _write_verdicts(self, cnxt, gid, state, verdicts, gen):
        """The members' verdicts that changed since last written (the
        rolling update's health gate reads them)."""
        changed = {}
        for name, verdict in verdicts.items():
            if state.written.get((name, gen[name])) != verdict:
                changed.setdefault((verdict, gen[name]), []).append(name)
        for (verdict, generation), names in changed.items():
            db_api.scaling_member_set_health(cnxt, gid, names, verdict,
                                             generation)
            for name in names:
                state.written[(name, gen[name])] = verdict

    def _targets(self, cnxt, g, members, state):
        """``({name: url}, {name: why no URL})`` of ``members``."""
        check = state.check
        targets, missing, unknown = {}, {}, []
        for m in members:
            url = state.urls.get((m.name, m.generation))
            if url is None:
                unknown.append(m)
            else:
                targets[m.name] = url
        if unknown:
            try:
                values = self.resolve_attribute(cnxt, g, unknown,
                                                check.url_attribute)
            except exception.InvalidTemplateAttribute as exc:
                values = {}
                err = str(exc)
            else:
                err = None
            for m in unknown:
                value = values.get(m.name)
                url = health_lib.target_url(check, value)
                if url is None:
                    missing[m.name] = err or (
                        'attribute %s of member %s has no URL or host '
                        '(%r)' % (check.url_attribute, m.name, value))
                    continue
                state.urls[(m.name, m.generation)] = url
                targets[m.name] = url
        return targets, missing
