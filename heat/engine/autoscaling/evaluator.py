"""The evaluator of metric policies (kinds ``step`` and
``target_tracking``, :mod:`heat.engine.autoscaling.metrics`).

Every engine runs one (``[autoscaling] evaluation_tick``, default 1 s).
A group with metric policies has an ``evaluation_interval`` (the
shortest of its policies') and a ``next_evaluation_at``. Each tick the
evaluator **claims** the groups that are due (one UPDATE for all of
them, per chunk of 500): a group whose evaluator claim
(``evaluator_engine_id`` until ``evaluator_expires_at``) is free, lapsed
or already ours becomes ours until ``now + max(3 x interval, 30 s)`` and
its next evaluation moves one interval on. So each evaluation is made by
exactly one engine, an engine keeps its groups while it renews them, and
a dead engine's groups are taken over when its claims lapse.

An evaluation of a group:

* reads the group, its metric policies and their metric values (the
  pushed samples of all the groups claimed in a tick are read in one
  query; a Prometheus metric is one instant query per distinct query);
* decides each policy with the library (:func:`heat.scaling.
  target_tracking.decide` with the policy's memory from the group's
  ``metric_state``; :func:`heat.scaling.step_scaling.decide` with the
  launches of its warm-up);
* combines the live policies' decisions (:func:`heat.scaling.combine.
  combine`, ``safest``: a scale-out if any policy asks for one, the
  largest winning; a scale-in only when every policy asks for one, the
  smallest step winning; otherwise hold); when that changes the group,
  applies it in the
  decision transaction (:meth:`AutoScalingEngine._decide`, trigger
  ``metric``), where the decisions are made again from the locked row
  and the same metric values; the activity holds the metric values and
  every policy's steps. A decision that changes nothing writes no
  activity;
* a shadow policy is decided the same way and never applied; when it
  would change the group, a ``SHADOW`` activity says so; a group with a
  shadow policy gets one ``scaling_evaluation`` row per evaluation
  (what ``compare`` reads);
* writes the evaluation record (``last_evaluation``) and the memory
  (``metric_state``), only while the claim is still ours (those of a
  tick in one transaction).

Missing data never scales in: a target-tracking policy holds (the
current capacity is recorded as a recommendation, so the scale-down
stabilization window starts again), a step policy rejects ``no_data``;
the reason is in the record. Rate limits see every change of the
group's desired capacity: the memory records the change applied by an
evaluation and any change made since the last one (a resize, a
schedule), at the time it is seen.
"""

import dataclasses
import logging

from oslo_config import cfg
from oslo_db import exception as db_exc

from heat.common import context as context_mod
from heat.common import exception
from heat.db import api as db_api
from heat.db import models
from heat.engine.autoscaling import engine as eng
from heat.engine.autoscaling import metrics as metrics_mod
from heat.engine.autoscaling import sweep
from heat.scaling import combine as combine_mod
from heat.scaling import decision as dec
from heat.scaling import step_scaling
from heat.scaling import target_tracking as tt

LOG = logging.getLogger(__name__)

#: the shortest claim (s)
MIN_CLAIM_TTL = 30.0
#: seconds between two purges of samples past ``metric_retention``
PURGE_EVERY = 300.0


def _cnxt(project):
    return context_mod.RequestContext(project_id=project, is_admin=True)


def metric_policies(group_ids):
    """``{group id: [policy rows]}`` of the metric policies of
    ``group_ids`` (one query per chunk), oldest first."""
    P = models.ScalingPolicy
    out = {}
    with db_api.reader(None) as session:
        for chunk in db_api._chunks(set(group_ids)):
            for p in session.query(P).filter(
                    P.group_id.in_(chunk),
                    P.kind.in_(metrics_mod.KINDS)).order_by(
                    P.created_at, P.id):
                out.setdefault(p.group_id, []).append(p)
    return out


def _groups(group_ids):
    G = models.ScalingGroup
    out = {}
    with db_api.reader(None) as session:
        for chunk in db_api._chunks(set(group_ids)):
            for g in session.query(G).filter(G.id.in_(chunk)):
                out[g.id] = g
    return out


def _max_push_period(policies):
    periods = [p.params['metric']['period'] for p in policies
               if p.params['metric']['source'] == metrics_mod.PUSH]
    return max(periods) if periods else None


def metric_values(policies, samples, now, cache=None):
    """``({policy id: (value, count, reason)}, metrics record)``;
    ``samples``: the group's pushed samples ``(name, member, value,
    ts)``; ``cache``: the Prometheus answers of this round
    (:func:`heat.engine.autoscaling.metrics.prometheus_value`)."""
    seen = {}
    values = {}
    record = {}
    for p in policies:
        metric = p.params['metric']
        key = metrics_mod.metric_key(metric)
        if key not in seen:
            if metric['source'] == metrics_mod.PUSH:
                seen[key] = metrics_mod.push_value(metric, samples, now)
            else:
                seen[key] = metrics_mod.prometheus_value(metric, cache)
        value, count, reason = values[p.id] = seen[key]
        entry = {'value': value, 'values': count,
                 'source': metric['source'],
                 'statistic': metric['statistic'],
                 'period': metric['period']}
        if reason:
            entry['reason'] = reason
        name = metric['name']
        if name in record and record[name] != entry:
            name = '%s (%s)' % (name, p.name)
        record[name] = entry
    return values, record


def _labels(policies):
    """A unique label per policy for the combination (its name, or its
    name and id when names repeat)."""
    names = [p.name for p in policies]
    return {p.id: (p.name if names.count(p.name) == 1 else
                   '%s (%s)' % (p.name, p.id)) for p in policies}


@dataclasses.dataclass
class _Outcome:
    policy: object
    decision: dec.Decision
    memory: dict


def decide_policies(g, policies, values, state, now):
    """Each policy's decision for group row ``g`` (pure: the library
    only). ``state``: the group's ``metric_state`` before; the
    memories returned do not record the change applied yet."""
    group_state = eng._group_state(g)
    seen = state.get('capacity')
    external = (g.desired_capacity - seen) if seen is not None else 0
    memories = state.get('policies') or {}
    out = []
    for p in policies:
        params = p.params
        obj = metrics_mod.build(p.kind, params, name=p.name)
        value = values[p.id][0]
        mem = memories.get(p.id) or {}
        if p.kind == metrics_mod.TARGET_TRACKING:
            memory = tt.Memory.from_dict(mem).record_change(now, external)
            res = tt.decide(group_state, obj, value, now, memory)
            d, memory = res.decision, res.memory
            if d.accepted:
                # its own change is recorded once applied (below)
                memory = dataclasses.replace(memory,
                                             changes=memory.changes[:-1])
            out.append(_Outcome(p, d, memory.to_dict()))
        else:
            launches = [float(t) for t in mem.get('launches') or ()
                        if now - float(t) < obj.warmup]
            d = step_scaling.decide(group_state, obj, value, now,
                                    launches=launches)
            out.append(_Outcome(p, d, {'launches': launches}))
        if value is None and values[p.id][2]:
            out[-1].decision = dataclasses.replace(
                out[-1].decision, reason='%s (%s)' % (
                    out[-1].decision.reason, values[p.id][2]))
    return out


def combine_live(outcomes, labels):
    live = [o for o in outcomes
            if o.policy.params.get('mode') != metrics_mod.SHADOW]
    if not live:
        return None, None
    combined = combine_mod.combine(
        [(labels[o.policy.id], o.decision) for o in live],
        combine_mod.SAFEST)
    winner = combined.inputs.get('winner')
    won = next((o for o in live if labels[o.policy.id] == winner), None)
    return combined, won


def evaluate(as_engine, gid, now, engine_id=None, g=None, policies=None,
             samples=None, write=True, cache=None):
    """Evaluate group ``gid`` at ``now``; the record. ``g``,
    ``policies``, ``samples``: what the caller read already (a tick
    reads them for all its groups at once). With ``write``, the record
    and the memory are written at once (only while ``engine_id`` holds
    the claim, or in any case when it is None); otherwise ``(record,
    metric_state)`` is returned for the caller to write."""
    if g is None:
        g = db_api.scaling_group_get(None, gid, None)
    if policies is None:
        policies = metric_policies([gid]).get(gid, [])
    if samples is None:
        period = _max_push_period(policies)
        samples = [] if period is None else [
            r[1:] for r in db_api.scaling_metric_samples_recent(
                None, [gid], now - period)]
    record, state = _evaluate(as_engine, g, policies, samples, now, cache)
    if not write:
        return record, state
    db_api.scaling_group_set_evaluations(None, [(g.id, record, state)],
                                         engine_id)
    return record


def _evaluate(as_engine, g, policies, samples, now, cache=None):
    cnxt = _cnxt(g.project)
    values, metrics_record = metric_values(policies, samples, now, cache)
    state = g.metric_state or {}
    labels = _labels(policies)
    outcomes = decide_policies(g, policies, values, state, now)
    combined, won = combine_live(outcomes, labels)
    capacity = g.desired_capacity
    desired, activity_id, changed = capacity, None, False
    why = combined.reason if combined is not None else \
        'no live metric policy'
    applied = {}
    if combined is not None and combined.accepted and \
            g.status != eng.DELETING:
        live = [o.policy for o in outcomes
                if o.policy.params.get('mode') != metrics_mod.SHADOW]

        def decide(row, _now):
            # again from the locked row, with the same metric values
            again = decide_policies(row, live, values, state, now)
            comb, winner = combine_live(again, labels)
            applied['outcomes'], applied['winner'] = again, winner
            steps = (winner.decision.steps if winner is not None else ())
            return dataclasses.replace(
                comb, inputs=dict(comb.inputs, metrics=metrics_record,
                                  evaluated_at=now),
                steps=tuple(steps) + tuple(comb.steps)), None

        try:
            result, g2, accepted = as_engine._decide(
                cnxt, g.id, g.project, won.policy.id if won else None,
                'metric', None, decide)
        except exception.ScalingGroupBusy:
            result, accepted = None, False
        if result is not None:
            activity_id = result['activity_id']
            if accepted:
                changed = True
                desired = result['desired']
                winner = applied.get('winner')
                why = winner.decision.reason if winner else result['reason']
                as_engine._after_decision(cnxt, result, g2, accepted)
                # the live outcomes as decided under the lock
                fresh = {o.policy.id: o for o in applied['outcomes']}
                outcomes = [fresh.get(o.policy.id, o) for o in outcomes]
                capacity = result['current']
            else:
                why = result['reason']
    delta = desired - capacity
    memories = {}
    shadows = {}
    winner_id = (applied.get('winner').policy.id
                 if changed and applied.get('winner') else None)
    for o in outcomes:
        p = o.policy
        mem = o.memory
        if p.kind == metrics_mod.TARGET_TRACKING:
            mem = tt.Memory.from_dict(mem).record_change(now,
                                                         delta).to_dict()
        elif p.id == winner_id and delta > 0:
            mem = {'launches': mem['launches'] + [now] * delta}
        memories[p.id] = mem
        if p.params.get('mode') == metrics_mod.SHADOW:
            shadows[p.id] = o.decision.desired
            if o.decision.accepted:
                _shadow_activity(as_engine, cnxt, g, o, metrics_record)
    if shadows:
        db_api.scaling_evaluation_add(None, {
            'group_id': g.id, 'at': now, 'capacity': capacity,
            'live_desired': desired, 'shadow': shadows},
            cfg.CONF.autoscaling.evaluation_history)
    record = {
        'at': metrics_mod.iso_z(now), 'engine_id': as_engine.engine_id,
        'capacity': capacity, 'metrics': metrics_record,
        'policies': {o.policy.id: {
            'name': o.policy.name, 'kind': o.policy.kind,
            'mode': o.policy.params.get('mode', metrics_mod.LIVE),
            'value': values[o.policy.id][0],
            'desired': o.decision.desired,
            'accepted': o.decision.accepted,
            'rejection': o.decision.rejection,
            'reason': o.decision.reason} for o in outcomes},
        'desired': desired, 'changed': changed,
        'activity_id': activity_id, 'why': why}
    return record, {'capacity': desired, 'policies': memories}


def _shadow_activity(as_engine, cnxt, g, o, metrics_record):
    d = o.decision
    data = d.to_dict()
    data['inputs'] = dict(data['inputs'], metrics=metrics_record,
                          mode=metrics_mod.SHADOW)
    reason = 'shadow policy %s would %s from %d to %d (not applied): %s' % (
        o.policy.name, 'scale up' if d.desired > d.current else
        'scale down', d.current, d.desired, d.reason)
    db_api.scaling_activity_create(cnxt, {
        'group_id': g.id, 'project': g.project, 'policy_id': o.policy.id,
        'trigger': 'metric', 'decision': data,
        'from_capacity': d.current, 'to_capacity': d.desired,
        'status': eng.SHADOW_STATUS, 'reason': reason,
        'finished_at': db_api.utcnow(), 'engine_id': as_engine.engine_id})


class Evaluator(sweep.Periodic):
    """This engine's evaluator (see the module docstring)."""

    thread_name = 'as-metrics'
    what = 'Metric evaluator'

    def __init__(self, as_engine, tick, clock=None):
        super().__init__(tick)
        self.as_engine = as_engine
        self.engine_id = as_engine.engine_id
        # the engine's clock by default (tests replace it there)
        self.clock = clock or (lambda: eng.clock())
        self._next_purge = 0.0

    def run_once(self, now=None):
        """Claim and evaluate every group that is due; the records."""
        now = self.clock() if now is None else now
        if now >= self._next_purge:
            self._next_purge = now + PURGE_EVERY
            try:
                db_api.scaling_metric_samples_purge(
                    None, now - cfg.CONF.autoscaling.metric_retention)
            except db_exc.DBError:
                LOG.exception('Metric samples not purged')
        ids = db_api.scaling_group_claim_due(None, self.engine_id, now,
                                             MIN_CLAIM_TTL)
        if not ids:
            return []
        groups = _groups(ids)
        policies = metric_policies(ids)
        periods = [_max_push_period(ps) for ps in policies.values()]
        periods = [p for p in periods if p is not None]
        samples = {}
        if periods:
            for gid, *rest in db_api.scaling_metric_samples_recent(
                    None, ids, now - max(periods)):
                samples.setdefault(gid, []).append(tuple(rest))
        writes, records = [], []
        cache = {}
        for gid in ids:
            g = groups.get(gid)
            if g is None or g.status == eng.DELETING:
                continue
            try:
                record, state = evaluate(
                    self.as_engine, gid, now, self.engine_id, g=g,
                    policies=policies.get(gid, []),
                    samples=samples.get(gid, []), write=False,
                    cache=cache)
            except Exception:  # noqa: BLE001 - the other groups go on
                LOG.exception('Group %s: evaluation failed', gid)
                continue
            writes.append((gid, record, state))
            records.append(record)
        if writes:
            db_api.scaling_group_set_evaluations(None, writes,
                                                 self.engine_id)
        return records

    def stop(self, timeout=None):
        super().stop(timeout)
        try:
            db_api.scaling_group_release_evaluator(None, self.engine_id)
        except Exception:  # noqa: BLE001 - the claims lapse anyway
            LOG.debug('Evaluator claims of %s not released',
                      self.engine_id)
