"""The controllers of the Auto-Scaling API v1: each action turns a
validated request into AS RPC calls (:class:`heat.rpc.client.
EngineClient`) and the engine's dicts into the API's bodies. No scaling
logic and no database here: the engine decides, checks and stores.

An action returns ``(status, body)``; :mod:`heat.api.autoscaling.app`
adds the headers (ETag of a group body, Location of a creation).
"""

import datetime
import urllib.parse

from heat.api import middleware
from heat.api.autoscaling import BASE, schemas
from heat.api.v1 import signal as v1_signal
from heat.common import context as context_mod
from heat.common import exception

API_VERSION = '1.0'
#: the samples a listing gives when no limit is asked for
DEFAULT_SAMPLES_LIMIT = 1000
#: the keys of a policy body that only a metric policy takes
METRIC_KEYS = ('metric', 'mode', 'evaluation_interval', 'target_tracking',
               'step')
#: the keys of a policy body that a metric policy does not take
ADJUSTMENT_KEYS = ('adjustment_type', 'scaling_adjustment',
                   'min_adjustment_step', 'cooldown')
#: the environ key of the request's project URL (:func:`project_url`)
_PROJECT_URL = 'heat.autoscaling.project_url'


def iso(value):
    """ISO 8601 (UTC) of an engine time: POSIX seconds or already ISO."""
    if value is None or isinstance(value, str):
        return value
    return datetime.datetime.fromtimestamp(
        value, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')


def base_url(req):
    return req.host_url + req.script_name


def project_url(req):
    # once per request: a listing formats a link for every group
    url = req.environ.get(_PROJECT_URL)
    if url is None:
        url = '%s%s/%s' % (base_url(req), BASE, req.context.project_id)
        req.environ[_PROJECT_URL] = url
    return url


def group_url(req, group_id):
    return '%s/groups/%s' % (project_url(req), group_id)


def format_group(req, g):
    keys = ('id', 'name', 'stack_id', 'resource_name', 'min_size',
            'max_size', 'desired_capacity', 'current_size', 'pending_size',
            'member_count', 'cooldown', 'cooldown_end', 'status',
            'status_reason', 'converged', 'suspended', 'generation',
            'version', 'lease_holder', 'lease_expires_at', 'removal_policy',
            'rolling_update', 'resource', 'health_check', 'created_at',
            'updated_at')
    out = {k: g.get(k) for k in keys}
    # [] when none (and from an engine before 1.40)
    out['lifecycle_hooks'] = g.get('lifecycle_hooks') or []
    out['last_evaluation'] = format_evaluation(g.get('last_evaluation'))
    out['evaluation_interval'] = g.get('evaluation_interval')
    out['project_id'] = g.get('project')
    health = g.get('health')
    if health is not None:
        health = dict(health, checked_at=iso(health.get('checked_at')))
    out['health'] = health
    out['links'] = [{'rel': 'self', 'href': group_url(req, g['id'])}]
    return out


def format_policy(req, p):
    keys = ('id', 'name', 'group_id', 'kind', 'adjustment_type',
            'scaling_adjustment', 'min_adjustment_step', 'cooldown',
            'schedule', 'next_run_at', 'stack_id', 'resource_name',
            'created_at', 'updated_at')
    out = {k: p.get(k) for k in keys}
    out['kind'] = out['kind'] or 'simple'
    # a scheduled policy's params are its schedule (shown as such)
    out['params'] = (p.get('params') if out['kind'] in
                     schemas.METRIC_KINDS else None)
    out['links'] = [{'rel': 'self', 'href': '%s/policies/%s' % (
        group_url(req, p['group_id']), p['id'])}]
    return out


def format_decision(d):
    accepted = bool(d.get('accepted'))
    return {'accepted': accepted,
            'status': 'ACCEPTED' if accepted else 'REJECTED',
            'reason': d.get('reason'), 'rejection': d.get('rejection'),
            'from_capacity': d.get('current'),
            'to_capacity': d.get('desired'),
            'cooldown_end': iso(d.get('cooldown_end')),
            'activity_id': d.get('activity_id'),
            'group_id': d.get('group_id'),
            'policy_id': d.get('policy_id'),
            'repeated': bool(d.get('repeated'))}


def format_evaluation(e):
    """An evaluation record (``last_evaluation``, ``.../evaluate``),
    its time in ISO 8601; None stays None."""
    if e is None:
        return None
    return dict(e, at=iso(e.get('at')))


def format_comparison(c):
    return dict(c, start=iso(c.get('start')), end=iso(c.get('end')))


def format_sample(x):
    return {'name': x.get('name'), 'value': x.get('value'),
            'timestamp': iso(x.get('timestamp')),
            'member': x.get('member')}


#: the times a query may name: POSIX seconds of 1970 to 9999 (what a
#: date holds: the engine formats them)
LATEST_TIME = 253402300799


def when(name, value):
    """POSIX seconds of the time ``value`` of the query parameter
    ``name`` (POSIX seconds or ISO 8601, naive: UTC); None for None; a
    400 naming the parameter for anything else, or a time out of 1970
    to 9999."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = None
    if seconds is None:
        try:
            moment = datetime.datetime.fromisoformat(
                text.replace('Z', '+00:00').replace('z', '+00:00'))
        except ValueError:
            raise schemas.InvalidInput(
                '/%s: %r is not a time (ISO 8601 or POSIX seconds)'
                % (name, value)) from None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.timezone.utc)
        seconds = moment.timestamp()
    if not (0 <= seconds <= LATEST_TIME):  # NaN too
        raise schemas.InvalidInput(
            '/%s: %r is not a time between 1970 and 9999' % (name, value))
    return seconds


def metric_params(kind, body):
    """The RPC ``params`` of a metric policy's body: ``metric``,
    ``mode``, ``evaluation_interval`` and the keys of the object named by
    the kind (``target_tracking`` or ``step``), flat."""
    params = dict(body.get(kind) or {})
    for key in ('metric', 'mode', 'evaluation_interval'):
        if key in body:
            params[key] = body[key]
    return params


def is_samples_answer(d):
    """Whether an answer of ``execute_webhook`` is a metric push's
    (``{"accepted": N, "group_id"}``) rather than a decision."""
    return (isinstance(d, dict) and 'accepted' in d and
            not isinstance(d['accepted'], bool) and
            'desired' not in d and 'current' not in d)


def format_webhook(w):
    return {k: w.get(k) for k in ('id', 'name', 'policy_id', 'enabled',
                                  'created_at')}


def format_activity(a):
    keys = ('id', 'group_id', 'policy_id', 'trigger', 'idempotency_key',
            'status', 'reason', 'from_capacity', 'to_capacity', 'decision',
            'error', 'engine_id', 'started_at', 'finished_at')
    return {k: a.get(k) for k in keys}


def next_link(req, items, limit):
    """``[{'rel': 'next', 'href'}]`` when a page is full, else []."""
    if not limit or len(items) < limit:
        return []
    params = [(k, v) for k, v in req.GET.items() if k != 'marker']
    params.append(('marker', items[-1]['id']))
    return [{'rel': 'next', 'href': '%s%s?%s' % (
        base_url(req), req.path_info, urllib.parse.urlencode(params))}]


class Controller:
    POLICY_SCOPE = None

    def __init__(self, engine):
        self.engine = engine

    def group(self, req, group_id):
        return self.engine.show_scaling_group(req.context, group_id)

    def policy(self, req, group_id, policy_id):
        """``(group id, policy)``: the policy, which must be one of the
        group's (else 404). The policy is read first: when the URL names
        its group by id, that is the whole check (one RPC on the hot
        path of execute); otherwise (a group name, another group's
        policy, no such policy) the group is read too, so that a missing
        group is still the group's 404."""
        missing = None
        try:
            p = self.engine.show_scaling_policy(req.context, policy_id)
        except exception.EntityNotFound as exc:
            p, missing = None, exc
        if p is not None and p['group_id'] == group_id:
            return group_id, p
        g = self.group(req, group_id)
        if missing is not None:
            raise missing
        if p['group_id'] != g['id']:
            raise exception.EntityNotFound(entity='Scaling policy',
                                           name=policy_id)
        return g['id'], p


class GroupController(Controller):
    POLICY_SCOPE = 'autoscaling:group'

    def index(self, req, query):
        limit = query.get('limit')
        filters = {k: query[k] for k in ('name', 'status') if k in query}
        groups = self.engine.list_scaling_groups(
            req.context, limit=limit, marker=query.get('marker'),
            stack_identity=query.get('stack_id'),
            sort_key=query.get('sort_key'), sort_dir=query.get('sort_dir'),
            filters=filters or None)
        out = [format_group(req, g) for g in groups]
        return 200, {'groups': out, 'links': next_link(req, out, limit)}

    def create(self, req, body):
        if body['min_size'] > body['max_size']:
            raise schemas.InvalidInput(
                '/min_size: %d is greater than max_size %d'
                % (body['min_size'], body['max_size']))
        desired = body.get('desired_capacity')
        if desired is not None and not (
                body['min_size'] <= desired <= body['max_size']):
            raise schemas.InvalidInput(
                '/desired_capacity: %d is not between min_size %d and '
                'max_size %d' % (desired, body['min_size'],
                                 body['max_size']))
        g = self.engine.create_scaling_group(
            req.context, body['name'], body['min_size'], body['max_size'],
            body['resource'], desired_capacity=desired,
            cooldown=body.get('cooldown'),
            removal_policy=body.get('removal_policy', 'default'),
            rolling_update=body.get('rolling_update'),
            environment=body.get('environment'), files=body.get('files'),
            health_check=body.get('health_check') or None,
            lifecycle_hooks=body.get('lifecycle_hooks') or None)
        return 201, {'group': format_group(req, g)}

    def show(self, req, group_id):
        return 200, {'group': format_group(req, self.group(req, group_id))}

    def update(self, req, group_id, body, if_match):
        # the engine's None is "unchanged"; null or {} in the body
        # removes the health check ({} to the engine), an object replaces
        # it whole
        health_check = None
        if 'health_check' in body:
            health_check = body['health_check'] or {}
        # the same for the lifecycle hooks: null or [] removes them ([]
        # to the engine), a list replaces them all
        lifecycle_hooks = None
        if 'lifecycle_hooks' in body:
            lifecycle_hooks = body['lifecycle_hooks'] or []
        g = self.engine.update_scaling_group(
            req.context, group_id, min_size=body.get('min_size'),
            max_size=body.get('max_size'),
            desired_capacity=body.get('desired_capacity'),
            cooldown=body.get('cooldown'),
            member_definition=body.get('resource'),
            rolling_update=body.get('rolling_update'),
            replace_members=body.get('replace_members'),
            removal_policy=body.get('removal_policy'),
            environment=body.get('environment'), files=body.get('files'),
            name=body.get('name'), health_check=health_check,
            lifecycle_hooks=lifecycle_hooks,
            expected_version=if_match, refuse_stack_owned=True)
        return 200, {'group': format_group(req, g)}

    def delete(self, req, group_id, if_match):
        self.engine.delete_scaling_group(req.context, group_id,
                                         expected_version=if_match,
                                         refuse_stack_owned=True)
        return 202, None

    def suspend(self, req, group_id, body, if_match):
        g = self.engine.suspend_scaling_group(req.context, group_id,
                                              expected_version=if_match)
        return 200, {'group': format_group(req, g)}

    def resume(self, req, group_id, body, if_match):
        g = self.engine.resume_scaling_group(req.context, group_id,
                                             expected_version=if_match)
        return 200, {'group': format_group(req, g)}

    def resize(self, req, group_id, body, if_match):
        d = self.engine.resize_scaling_group(
            req.context, group_id, capacity=body.get('capacity'),
            adjustment=body.get('adjustment'),
            adjustment_type=body.get('adjustment_type',
                                     'change_in_capacity'),
            honor_cooldown=body.get('honor_cooldown', False),
            idempotency_key=v1_signal.idempotency_key(req),
            min_adjustment_step=body.get('min_adjustment_step'),
            expected_version=if_match)
        return 200, {'decision': format_decision(d)}

    def converge(self, req, group_id, body, if_match):
        g = self.engine.request_scaling_group_converge(
            req.context, group_id, expected_version=if_match)
        return 202, {'group': format_group(req, g)}

    def evaluate(self, req, group_id, body):
        """One evaluation of the group's metric policies now, by this
        engine (the claim unchanged): the evaluation record."""
        return 200, {'evaluation': format_evaluation(
            self.engine.evaluate_scaling_group(req.context, group_id))}


class MetricController(Controller):
    """The metric samples of a group (the push source of its metric
    policies)."""

    POLICY_SCOPE = 'autoscaling:metric'

    def push(self, req, group_id, body):
        """Store the samples (all or none): 202 ``{"accepted": N,
        "group_id"}``."""
        return 202, self.engine.push_metric_samples(
            req.context, group_id, body['samples'])

    def index(self, req, group_id, query):
        samples = self.engine.list_metric_samples(
            req.context, group_id, name=query.get('name'),
            since=when('since', query.get('since')),
            limit=query.get('limit', DEFAULT_SAMPLES_LIMIT))
        return 200, {'samples': [format_sample(x) for x in samples]}


class MemberController(Controller):
    POLICY_SCOPE = 'autoscaling:member'

    def index(self, req, group_id, query):
        return 200, {'members': self.engine.list_scaling_members(
            req.context, group_id, attributes=query.get('attribute'))}

    def show(self, req, group_id, member_name, query):
        return 200, {'member': self.engine.show_scaling_member(
            req.context, group_id, member_name,
            attributes=query.get('attribute'))}

    def remove(self, req, group_id, body):
        g = self.engine.remove_scaling_members(
            req.context, group_id, body['members'],
            replace=body.get('replace', False))
        return 202, {'group': format_group(req, g)}

    def update(self, req, group_id, member_name, body):
        return 200, {'member': self.engine.update_scaling_member(
            req.context, group_id, member_name,
            protected=body['protected'])}

    def mark_unhealthy(self, req, group_id, member_name, body):
        g = self.group(req, group_id)
        # the member must exist before anything changes
        self.engine.show_scaling_member(req.context, g['id'], member_name)
        result = self.engine.mark_member_unhealthy(
            req.context, g['id'], member_name, body.get('reason'))
        marked = (result or {}).get('marked_member')
        if marked is None:  # an engine before 1.38
            marked = self.engine.show_scaling_member(req.context, g['id'],
                                                     member_name)
        return 202, {'member': marked}

    def complete_lifecycle_action(self, req, group_id, member_name, body):
        """End the member's lifecycle wait with ``result``: a 400 (the
        engine's Invalid) when it waits for none."""
        return 200, {'member': self.engine.complete_lifecycle_action(
            req.context, group_id, member_name, body['result'])}

    def lifecycle_heartbeat(self, req, group_id, member_name, body):
        """Extend the member's lifecycle wait (its deadline is now + the
        hook's heartbeat_timeout)."""
        return 200, {'member': self.engine.record_lifecycle_heartbeat(
            req.context, group_id, member_name)}


class PolicyController(Controller):
    POLICY_SCOPE = 'autoscaling:policy'

    def index(self, req, group_id):
        return 200, {'policies': [
            format_policy(req, p) for p in
            self.engine.list_scaling_policies(req.context, group_id)]}

    def create(self, req, group_id, body):
        g = self.group(req, group_id)
        extra = {}
        kind = body.get('kind')
        if kind == 'scheduled':
            # the engine of an older release refuses the kind (501)
            extra = {'kind': 'scheduled', 'params': body['schedule']}
        elif kind in schemas.METRIC_KINDS:
            extra = {'kind': kind, 'params': metric_params(kind, body)}
        p = self.engine.create_scaling_policy(
            req.context, g['id'], body['name'], body.get('adjustment_type'),
            body.get('scaling_adjustment'),
            min_adjustment_step=body.get('min_adjustment_step'),
            cooldown=body.get('cooldown'), refuse_stack_owned=True,
            **extra)
        return 201, {'policy': format_policy(req, p)}

    def show(self, req, group_id, policy_id):
        return 200, {'policy': format_policy(
            req, self.policy(req, group_id, policy_id)[1])}

    def update(self, req, group_id, policy_id, body):
        _g, p = self.policy(req, group_id, policy_id)
        body = dict(body)
        if 'schedule' in body:
            if p.get('kind') != 'scheduled':
                raise exception.Invalid(
                    reason='schedule: only a scheduled policy has one '
                           '(this one is %s)' % (p.get('kind') or 'simple'))
            body['params'] = body.pop('schedule')
        body = self._metric_update(p, body)
        p = self.engine.update_scaling_policy(req.context, p['id'],
                                              refuse_stack_owned=True,
                                              **body)
        return 200, {'policy': format_policy(req, p)}

    @staticmethod
    def _metric_update(p, body):
        """The update of a metric policy: the keys given replace those
        of its params (``metric`` whole, each key of its ``step`` or
        ``target_tracking`` object), the others are kept; the RPC gets
        the whole params. The metric keys on another kind, the
        adjustment keys or the other kind's object on a metric policy:
        a 400 naming the key."""
        kind = p.get('kind') or 'simple'
        given = [k for k in METRIC_KEYS if k in body]
        if kind not in schemas.METRIC_KINDS:
            if given:
                raise schemas.InvalidInput(
                    '/%s: only a metric policy (kind step or '
                    'target_tracking) has it (this one is %s)'
                    % (given[0], kind))
            return body
        for key in ADJUSTMENT_KEYS:
            if key in body:
                raise schemas.InvalidInput(
                    '/%s: not allowed with kind %s' % (key, kind))
        other = 'step' if kind == 'target_tracking' else 'target_tracking'
        if other in body:
            raise schemas.InvalidInput(
                '/%s: only with kind %s (this policy is %s)'
                % (other, other, kind))
        if not given:
            return body
        params = dict(p.get('params') or {})
        for key in ('metric', 'mode', 'evaluation_interval'):
            if key in body:
                params[key] = body.pop(key)
        params.update(body.pop(kind, None) or {})
        body['params'] = params
        return body

    def delete(self, req, group_id, policy_id):
        _g, p = self.policy(req, group_id, policy_id)
        self.engine.delete_scaling_policy(req.context, p['id'],
                                          refuse_stack_owned=True)
        return 204, None

    def execute(self, req, group_id, policy_id, body):
        _g, p = self.policy(req, group_id, policy_id)
        d = self.engine.execute_scaling_policy(
            req.context, p['id'],
            idempotency_key=v1_signal.idempotency_key(req),
            details=body if req.body_json is not None else None,
            trigger='api')
        return 200, {'decision': format_decision(d)}

    def compare(self, req, group_id, policy_id, query):
        """A shadow policy's decisions against the live ones' over a
        period (default: the last 24 h)."""
        gid, p = self.policy(req, group_id, policy_id)
        c = self.engine.compare_scaling_policy(
            req.context, gid, p['id'],
            start=when('start', query.get('start')),
            end=when('end', query.get('end')))
        return 200, {'comparison': format_comparison(c)}


class WebhookController(Controller):
    POLICY_SCOPE = 'autoscaling:webhook'

    def index(self, req, group_id, policy_id):
        _g, p = self.policy(req, group_id, policy_id)
        return 200, {'webhooks': [format_webhook(w) for w in
                                  self.engine.list_webhooks(req.context,
                                                            p['id'])]}

    def create(self, req, group_id, policy_id, body):
        _g, p = self.policy(req, group_id, policy_id)
        w = self.engine.create_webhook(req.context, p['id'],
                                       name=body.get('name'))
        out = format_webhook(w)
        # the token is the credential: shown in this answer only
        out['url'] = '%s%s/webhooks/%s' % (base_url(req), BASE, w['token'])
        return 201, {'webhook': out}

    def delete(self, req, group_id, policy_id, webhook_id):
        _g, p = self.policy(req, group_id, policy_id)
        ids = {w['id'] for w in self.engine.list_webhooks(req.context,
                                                          p['id'])}
        if webhook_id not in ids:
            raise exception.EntityNotFound(entity='Webhook',
                                           name=webhook_id)
        self.engine.delete_webhook(req.context, webhook_id)
        return 204, None


class ActivityController(Controller):
    POLICY_SCOPE = 'autoscaling:activity'

    def index(self, req, group_id, query):
        limit = query.get('limit')
        items = [format_activity(a) for a in
                 self.engine.list_scaling_activities(
                     req.context, group_id, limit=limit,
                     marker=query.get('marker'))]
        return 200, {'activities': items,
                     'links': next_link(req, items, limit)}

    def show(self, req, group_id, activity_id):
        return 200, {'activity': format_activity(
            self.engine.show_scaling_activity(req.context, group_id,
                                              activity_id))}


def version_doc(req):
    return {'id': 'v%s' % API_VERSION, 'status': 'CURRENT',
            'min_version': API_VERSION, 'max_version': API_VERSION,
            'links': [{'rel': 'self',
                       'href': '%s%s/' % (base_url(req), BASE)}]}


class PublicController(Controller):
    """No authentication: the version documents, the OpenAPI document,
    the webhooks and the lifecycle completion URLs (whose token is the
    credential)."""

    POLICY_SCOPE = 'autoscaling:public'

    def versions(self, req):
        return 200, {'versions': [version_doc(req)]}

    def version(self, req):
        return 200, {'version': version_doc(req)}

    def openapi(self, req):
        from heat.api.autoscaling import openapi
        return 200, openapi.document()

    def webhook(self, req, token, body):
        ctx = context_mod.RequestContext(
            request_id=middleware.request_id(req))
        d = self.engine.execute_webhook(
            ctx, token, idempotency_key=v1_signal.idempotency_key(req),
            details=body if req.body_json is not None else None)
        if is_samples_answer(d):
            # a metric policy's webhook: the samples were stored
            return 202, d
        return 200, {'decision': format_decision(d)}

    def lifecycle(self, req, token, body):
        """The completion URL of a member's lifecycle wait (the URL
        POSTed to the hook's notify_url): ``{"result": ...}`` ends the
        wait, ``{"heartbeat": true}`` extends it. An unknown (or used)
        token is a 404 that does not name it."""
        ctx = context_mod.RequestContext(
            request_id=middleware.request_id(req))
        return 200, {'member': self.engine.lifecycle_action_by_token(
            ctx, token, result=body.get('result'),
            heartbeat=bool(body.get('heartbeat')))}


def make_controllers(engine):
    return {'group': GroupController(engine),
            'member': MemberController(engine),
            'policy': PolicyController(engine),
            'webhook': WebhookController(engine),
            'activity': ActivityController(engine),
            'metric': MetricController(engine),
            'as_public': PublicController(engine)}
