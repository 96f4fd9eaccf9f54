"""The managers of :class:`heat_autoscalingclient.client.Client`:
``groups``, ``members``, ``policies``, ``webhooks``, ``activities``,
``metrics``.

Wherever a group, a policy or a webhook is an argument, its object or its
id will do. Every POST takes ``idempotency_key`` (sent as the
``Idempotency-Key`` header: a repeat of the key answers the first answer
without acting again). Group writes take ``if_match``: a
:class:`~heat_autoscalingclient.models.Group` (its ``etag``), an ETag or a
version number; a stale one raises
:class:`~heat_autoscalingclient.exceptions.PreconditionFailed`.
"""

import datetime
import time

from heat_autoscalingclient import exceptions, models
from heat_autoscalingclient.http import next_params, quote

_UNSET = object()


def getid(obj):
    """The id of an API object, or ``obj`` itself (an id)."""
    for attr in ('id', 'name'):
        value = getattr(obj, attr, None)
        if value is not None and not isinstance(obj, str):
            return value
    return obj


def _member_name(obj):
    return getattr(obj, 'name', None) or obj


def _body(**fields):
    """The fields that were given (not ``_UNSET``/None)."""
    return {k: v for k, v in fields.items()
            if v is not _UNSET and v is not None}


def _attribute_params(attributes):
    """The query of ``attributes`` (one name or several):
    ``?attribute=a&attribute=b``; None for none."""
    if attributes is None:
        return None
    if isinstance(attributes, str):
        attributes = [attributes]
    names = list(attributes)
    return {'attribute': names} if names else None


#: the kinds of the metric policies
METRIC_KINDS = ('step', 'target_tracking')
#: the keys of a metric policy's params that are not its kind's object
COMMON_PARAMS = ('metric', 'mode', 'evaluation_interval')


def metric_policy_body(kind, params):
    """The API body keys of a metric policy from its params as the engine
    stores them (flat, doc/dev/metric-scaling-contract.md): ``metric``,
    ``mode``, ``evaluation_interval`` at the top, the other keys in the
    object named by the kind (``target_tracking`` or ``step``)."""
    if kind not in METRIC_KINDS:
        raise ValueError('params: only a metric policy (kind step or '
                         'target_tracking) has them, not %r' % (kind,))
    if not isinstance(params, dict):
        raise ValueError('params: expected a mapping, got %r' % (params,))
    body = {k: params[k] for k in COMMON_PARAMS if k in params}
    own = {k: v for k, v in params.items() if k not in COMMON_PARAMS}
    if own:
        body[kind] = own
    return body


def time_param(value):
    """A time for the API: a datetime (naive: UTC) as ISO 8601, a number
    as POSIX seconds, a string as given; None stays None."""
    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        return value.astimezone(datetime.timezone.utc).strftime(
            '%Y-%m-%dT%H:%M:%S.%fZ')
    if isinstance(value, bool):
        raise TypeError('not a time: %r' % (value,))
    if isinstance(value, int | float):
        return repr(value) if isinstance(value, float) else str(value)
    return str(value)


def _sample(sample):
    if isinstance(sample, models.Sample):
        sample = sample.to_dict()
    out = {k: v for k, v in dict(sample).items() if v is not None}
    when = out.get('timestamp')
    if isinstance(when, datetime.datetime):
        out['timestamp'] = time_param(when)
    return out


class Manager:
    def __init__(self, client):
        self.client = client
        self.http = client.http

    def _paginate(self, url, key, model, params, max_items=None):
        params = {k: v for k, v in (params or {}).items() if v is not None}
        count = 0
        seen_markers = set()
        while True:
            body = self.http.get(url, params=params).json()
            items = body.get(key) or []
            for item in items:
                yield model.from_dict(item)
                count += 1
                if max_items is not None and count >= max_items:
                    return
            nxt = next_params(body.get('links'))
            if not nxt or not items:
                return
            marker = nxt.get('marker')
            if marker in seen_markers:
                return  # a server that loops: stop rather than spin
            seen_markers.add(marker)
            # the next link's query, keeping our filters if it drops them
            params = dict(params, **nxt)


class GroupManager(Manager):
    """``client.groups``."""

    def _url(self, group=None, action=None):
        url = 'groups'
        if group is not None:
            url += '/%s' % quote(getid(group))
        if action:
            url += '/%s' % action
        return url

    def _group(self, resp):
        return models.Group.from_dict(resp.json()['group'],
                                      etag=resp.headers.get('ETag'))

    def list(self, limit=None, marker=None, sort_key=None, sort_dir=None,
             max_items=None, **filters):
        """An iterator over the project's groups, following the ``next``
        links page after page. ``limit``: page size asked of the server;
        ``max_items``: stop after that many; ``filters``: ``name``,
        ``status``, ``stack_id``."""
        params = dict(filters, limit=limit, marker=marker,
                      sort_key=sort_key, sort_dir=sort_dir)
        return self._paginate(self._url(), 'groups', models.Group, params,
                              max_items)

    def list_page(self, limit=None, marker=None, sort_key=None,
                  sort_dir=None, **filters):
        """One page: ``(groups, next_marker)``; ``next_marker`` is None on
        the last page."""
        params = dict(filters, limit=limit, marker=marker,
                      sort_key=sort_key, sort_dir=sort_dir)
        params = {k: v for k, v in params.items() if v is not None}
        body = self.http.get(self._url(), params=params).json()
        nxt = next_params(body.get('links'))
        return ([models.Group.from_dict(g) for g in body.get('groups', [])],
                nxt.get('marker') if nxt else None)

    def find(self, name_or_id):
        """A group by id, else by its name (unique in the project)."""
        try:
            return self.get(name_or_id)
        except exceptions.NotFound:
            pass
        found = [g for g in self.list(name=name_or_id)
                 if g.name == name_or_id]
        if not found:
            raise exceptions.NotFound(
                'No group with a name or id of %r' % name_or_id,
                status_code=404)
        if len(found) > 1:
            raise exceptions.Conflict(
                'More than one group is named %r: use its id' % name_or_id,
                status_code=409)
        return self.get(found[0].id)

    def create(self, name, min_size, max_size, resource,
               desired_capacity=None, cooldown=None, files=None,
               environment=None, removal_policy=None, rolling_update=None,
               idempotency_key=None, health_check=None,
               lifecycle_hooks=None, **extra):
        """Create a group; ``resource``: ``{"type": ..., "properties":
        {...}}``; ``health_check``: the members' health check (self-healing
        groups), a dict of the API's keys (``{"type": "http",
        "url_attribute": "url", "interval": 5}``; the group shows it with
        every key, the defaults filled in); ``lifecycle_hooks``: a list
        of hooks, at most one per transition (``[{"name": "warm-up",
        "transition": "launch", "heartbeat_timeout": 600,
        "notify_url": "https://..."}]``; shown with every key). Returns
        the :class:`~heat_autoscalingclient.models.Group` (status
        INIT/CONVERGING: see :meth:`wait`)."""
        body = _body(name=name, min_size=min_size, max_size=max_size,
                     resource=resource, desired_capacity=desired_capacity,
                     cooldown=cooldown, files=files, environment=environment,
                     removal_policy=removal_policy,
                     rolling_update=rolling_update,
                     health_check=health_check,
                     lifecycle_hooks=lifecycle_hooks)
        body.update(extra)
        return self._group(self.http.post(
            self._url(), json=body, idempotency_key=idempotency_key))

    def get(self, group):
        return self._group(self.http.get(self._url(group)))

    def update(self, group, if_match=None, **fields):
        """PATCH the group with ``fields`` (any of the create keys, and
        ``replace_members``); None values are not sent.
        ``health_check``: a dict replaces the group's whole check (the
        keys not given take their defaults), ``{}`` removes it (None, or
        not given: unchanged). ``lifecycle_hooks``: a list replaces all
        the group's hooks, ``[]`` removes them (None, or not given:
        unchanged)."""
        body = _body(**fields)
        return self._group(self.http.patch(
            self._url(group), json=body, if_match=if_match))

    def delete(self, group, if_match=None):
        """Ask for the deletion (it converges: see :meth:`wait_for_delete`)."""
        self.http.delete(self._url(group), if_match=if_match)

    def suspend(self, group, if_match=None, idempotency_key=None):
        return self._group(self.http.post(
            self._url(group, 'suspend'), json={}, if_match=if_match,
            idempotency_key=idempotency_key))

    def resume(self, group, if_match=None, idempotency_key=None):
        return self._group(self.http.post(
            self._url(group, 'resume'), json={}, if_match=if_match,
            idempotency_key=idempotency_key))

    def resize(self, group, capacity=None, adjustment=None,
               adjustment_type=None, min_adjustment_step=None,
               honor_cooldown=None, if_match=None, idempotency_key=None):
        """Set the capacity (``capacity``) or adjust it (``adjustment`` of
        ``adjustment_type``); returns the
        :class:`~heat_autoscalingclient.models.Decision`."""
        if (capacity is None) == (adjustment is None):
            raise ValueError('resize: give capacity or adjustment')
        body = _body(capacity=capacity, adjustment=adjustment,
                     adjustment_type=adjustment_type,
                     min_adjustment_step=min_adjustment_step,
                     honor_cooldown=honor_cooldown)
        resp = self.http.post(self._url(group, 'resize'), json=body,
                              if_match=if_match,
                              idempotency_key=idempotency_key)
        return models.Decision.from_dict(resp.json()['decision'])

    def converge(self, group, if_match=None, idempotency_key=None):
        return self._group(self.http.post(
            self._url(group, 'converge'), json={}, if_match=if_match,
            idempotency_key=idempotency_key))

    def evaluate(self, group, idempotency_key=None):
        """Evaluate the group's metric policies now (one evaluation, by
        the engine that serves the request); returns the
        :class:`~heat_autoscalingclient.models.Evaluation`, which may
        have changed the group (``changed``, ``activity_id``)."""
        resp = self.http.post(self._url(group, 'evaluate'), json={},
                              idempotency_key=idempotency_key)
        return models.Evaluation.from_dict(resp.json()['evaluation'])

    def wait(self, group, timeout=600, interval=1.0, callback=None,
             min_version=None, capacity=None):
        """Poll the group until it is converged and ACTIVE (and, when
        given, its ``version`` >= ``min_version`` and its ``current_size``
        == ``capacity``); returns it. ``callback(group)`` is called on
        every poll. Raises
        :class:`~heat_autoscalingclient.exceptions.GroupFailed` on FAILED,
        :class:`~heat_autoscalingclient.exceptions.WaitTimeout` after
        ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.get(group)
            if callback is not None:
                callback(current)
            if current.status == 'FAILED':
                raise exceptions.GroupFailed(
                    'group %s FAILED: %s' % (current.name or current.id,
                                             current.status_reason),
                    group=current)
            if (current.is_active and
                    (min_version is None or
                     (current.version or 0) >= min_version) and
                    (capacity is None or current.current_size == capacity)):
                return current
            if time.monotonic() >= deadline:
                raise exceptions.WaitTimeout(
                    'group %s still %s (converged: %s) after %ss' % (
                        current.name or current.id, current.status,
                        current.converged, timeout))
            time.sleep(interval)

    def wait_for_delete(self, group, timeout=600, interval=1.0,
                        callback=None):
        """Poll until the group is gone (404); raises GroupFailed if it
        goes FAILED, WaitTimeout after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                current = self.get(group)
            except exceptions.NotFound:
                return
            if callback is not None:
                callback(current)
            if current.status == 'FAILED':
                raise exceptions.GroupFailed(
                    'group %s FAILED while deleting: %s' % (
                        current.name or current.id, current.status_reason),
                    group=current)
            if time.monotonic() >= deadline:
                raise exceptions.WaitTimeout(
                    'group %s still %s after %ss' % (
                        current.name or current.id, current.status,
                        timeout))
            time.sleep(interval)


class MemberManager(Manager):
    """``client.members``."""

    def _url(self, group, member=None, action=None):
        url = 'groups/%s/members' % quote(getid(group))
        if member is not None:
            url += '/%s' % quote(_member_name(member))
        if action:
            url += '/%s' % action
        return url

    def list(self, group, attributes=None):
        """The members, oldest first. ``attributes``: names (or one
        name) of attributes of the members' resources (for a provider
        template member, outputs of its nested stack): each Member's
        ``attributes`` is then ``{name: value}`` (None values while a
        member is being created, or when a value cannot be resolved); a
        name the members' type does not have is a ``BadRequest``."""
        body = self.http.get(self._url(group),
                             params=_attribute_params(attributes)).json()
        return [models.Member.from_dict(m) for m in body.get('members', [])]

    def get(self, group, member, attributes=None):
        """One member; ``attributes`` as for :meth:`list`."""
        body = self.http.get(self._url(group, member),
                             params=_attribute_params(attributes)).json()
        return models.Member.from_dict(body['member'])

    def remove(self, group, members, replace=False, idempotency_key=None):
        """Remove the named members (a name or a list of names/Members);
        with ``replace`` new ones take their place. Returns the Group."""
        if isinstance(members, str | models.Member):
            members = [members]
        body = {'members': [_member_name(m) for m in members],
                'replace': bool(replace)}
        resp = self.http.post('groups/%s/members/remove' % quote(
            getid(group)), json=body, idempotency_key=idempotency_key)
        return models.Group.from_dict(resp.json()['group'],
                                      etag=resp.headers.get('ETag'))

    def update(self, group, member, protected):
        body = self.http.patch(self._url(group, member),
                               json={'protected': bool(protected)}).json()
        return models.Member.from_dict(body['member'])

    def protect(self, group, member):
        """Never choose this member for scale-in."""
        return self.update(group, member, True)

    def unprotect(self, group, member):
        return self.update(group, member, False)

    def mark_unhealthy(self, group, member, reason=None,
                       idempotency_key=None):
        body = _body(reason=reason)
        resp = self.http.post(self._url(group, member, 'mark-unhealthy'),
                              json=body, idempotency_key=idempotency_key)
        return models.Member.from_dict(resp.json()['member'])

    def complete_lifecycle_action(self, group, member, result,
                                  idempotency_key=None):
        """End the member's lifecycle wait (PENDING_WAIT or
        TERMINATING_WAIT) with ``result``: ``CONTINUE`` (a launch wait's
        member becomes ACTIVE) or ``ABANDON`` (it is FAILED, and
        replaced); a terminate wait's member is deleted either way.
        Returns the Member; a member that waits for nothing is a
        ``BadRequest``."""
        resp = self.http.post(
            self._url(group, member, 'complete-lifecycle-action'),
            json={'result': result}, idempotency_key=idempotency_key)
        return models.Member.from_dict(resp.json()['member'])

    def record_lifecycle_heartbeat(self, group, member,
                                   idempotency_key=None):
        """Extend the member's lifecycle wait: its deadline is now
        + the hook's ``heartbeat_timeout``. Returns the Member."""
        resp = self.http.post(
            self._url(group, member, 'lifecycle-heartbeat'), json={},
            idempotency_key=idempotency_key)
        return models.Member.from_dict(resp.json()['member'])

    @staticmethod
    def lifecycle_action(url, result=None, heartbeat=False, **kwargs):
        """See :func:`heat_autoscalingclient.client.lifecycle_action`
        (a completion URL, no auth)."""
        from heat_autoscalingclient.client import lifecycle_action
        return lifecycle_action(url, result=result, heartbeat=heartbeat,
                                **kwargs)


class PolicyManager(Manager):
    """``client.policies``."""

    def _url(self, group, policy=None, action=None):
        url = 'groups/%s/policies' % quote(getid(group))
        if policy is not None:
            url += '/%s' % quote(getid(policy))
        if action:
            url += '/%s' % action
        return url

    def list(self, group):
        body = self.http.get(self._url(group)).json()
        return [models.Policy.from_dict(p)
                for p in body.get('policies', [])]

    def find(self, group, name_or_id):
        """A policy of ``group`` by id, else by name."""
        try:
            return self.get(group, name_or_id)
        except exceptions.NotFound:
            pass
        found = [p for p in self.list(group) if p.name == name_or_id]
        if len(found) != 1:
            raise exceptions.NotFound(
                'No policy with a name or id of %r' % name_or_id
                if not found else
                'More than one policy is named %r' % name_or_id,
                status_code=404)
        return found[0]

    def create(self, group, name, adjustment_type=None,
               scaling_adjustment=None, min_adjustment_step=None,
               cooldown=None, idempotency_key=None, kind=None,
               schedule=None, params=None, **extra):
        """A new policy of ``group``. ``kind``:

        - ``simple`` (None: the default): ``adjustment_type`` and
          ``scaling_adjustment`` (``min_adjustment_step``, ``cooldown``);
        - ``scheduled``: ``schedule`` (``recurrence`` or ``at``,
          ``time_zone``, ``min_size``/``max_size``/``desired_capacity``);
        - ``step`` or ``target_tracking`` (metric policies): ``params``,
          flat as the engine stores them (``metric``, ``mode``,
          ``evaluation_interval`` and the kind's keys: ``target``... or
          ``threshold``, ``bands``...), or the API's keys given as
          keyword arguments (``metric=``, ``mode=``,
          ``evaluation_interval=``, ``target_tracking=`` or ``step=``).
        """
        body = _body(name=name, adjustment_type=adjustment_type,
                     scaling_adjustment=scaling_adjustment,
                     min_adjustment_step=min_adjustment_step,
                     cooldown=cooldown, kind=kind, schedule=schedule)
        if params is not None:
            body.update(metric_policy_body(kind, params))
        body.update(_body(**extra))
        resp = self.http.post(self._url(group), json=body,
                              idempotency_key=idempotency_key)
        return models.Policy.from_dict(resp.json()['policy'])

    def get(self, group, policy):
        body = self.http.get(self._url(group, policy)).json()
        return models.Policy.from_dict(body['policy'])

    def update(self, group, policy, params=None, **fields):
        """PATCH the policy with ``fields`` (None values are not sent).
        A scheduled policy: ``schedule`` replaces its schedule. A metric
        policy: ``params`` (flat, as for :meth:`create`) or the API's
        keys (``metric=``, ``mode=``, ``evaluation_interval=``,
        ``target_tracking=``/``step=``): the keys given replace those of
        its params, the others are kept."""
        body = _body(**fields)
        if params is not None:
            kind = getattr(policy, 'kind', None)
            if kind is None:
                kind = self.get(group, policy).kind
            body.update(metric_policy_body(kind, params))
        resp = self.http.patch(self._url(group, policy), json=body).json()
        return models.Policy.from_dict(resp['policy'])

    def delete(self, group, policy):
        self.http.delete(self._url(group, policy))

    def execute(self, group, policy, details=None, idempotency_key=None):
        """Execute the policy now; ``details``: the optional JSON body.
        Returns the :class:`~heat_autoscalingclient.models.Decision`."""
        resp = self.http.post(self._url(group, policy, 'execute'),
                              json=details if details is not None else {},
                              idempotency_key=idempotency_key)
        return models.Decision.from_dict(resp.json()['decision'])

    def compare(self, group, policy, start=None, end=None):
        """A shadow policy's decisions against the live policies' between
        ``start`` and ``end`` (datetimes, POSIX seconds or ISO 8601;
        default the last 24 h); returns the
        :class:`~heat_autoscalingclient.models.Comparison`. A policy that
        is not a shadow metric policy is a ``BadRequest``."""
        params = {'start': time_param(start), 'end': time_param(end)}
        body = self.http.get(self._url(group, policy, 'compare'),
                             params=params).json()
        return models.Comparison.from_dict(body['comparison'])


class WebhookManager(Manager):
    """``client.webhooks``; :meth:`execute` (static) calls a capability
    URL with no auth."""

    def _url(self, group, policy, webhook=None):
        url = 'groups/%s/policies/%s/webhooks' % (
            quote(getid(group)), quote(getid(policy)))
        if webhook is not None:
            url += '/%s' % quote(getid(webhook))
        return url

    def list(self, group, policy):
        body = self.http.get(self._url(group, policy)).json()
        return [models.Webhook.from_dict(w)
                for w in body.get('webhooks', [])]

    def create(self, group, policy, name=None, idempotency_key=None):
        """A new webhook; its ``url`` is only in this answer."""
        resp = self.http.post(self._url(group, policy),
                              json=_body(name=name),
                              idempotency_key=idempotency_key)
        return models.Webhook.from_dict(resp.json()['webhook'])

    def delete(self, group, policy, webhook):
        self.http.delete(self._url(group, policy, webhook))

    @staticmethod
    def execute(url, body=None, **kwargs):
        """See :func:`heat_autoscalingclient.client.execute_webhook`."""
        from heat_autoscalingclient.client import execute_webhook
        return execute_webhook(url, body, **kwargs)


class ActivityManager(Manager):
    """``client.activities``."""

    def _url(self, group, activity=None):
        url = 'groups/%s/activities' % quote(getid(group))
        if activity is not None:
            url += '/%s' % quote(getid(activity))
        return url

    def list(self, group, limit=None, marker=None, max_items=None):
        """An iterator over the group's activities, newest first,
        following the ``next`` links (``limit``: page size)."""
        return self._paginate(self._url(group), 'activities',
                              models.Activity,
                              {'limit': limit, 'marker': marker}, max_items)

    def get(self, group, activity):
        body = self.http.get(self._url(group, activity)).json()
        return models.Activity.from_dict(body['activity'])


class MetricManager(Manager):
    """``client.metrics``: the metric samples of a group (the source
    ``push`` of its metric policies)."""

    #: at most this many samples in one request (the API's limit)
    MAX_SAMPLES = 10000

    def _url(self, group):
        return 'groups/%s/metrics' % quote(getid(group))

    def push(self, group, samples, idempotency_key=None):
        """Store ``samples`` (dicts ``{"name", "value", "timestamp"
        (POSIX seconds, ISO 8601 or a datetime; default: when received),
        "member" (optional label)}``, or
        :class:`~heat_autoscalingclient.models.Sample`), all or none;
        returns the
        :class:`~heat_autoscalingclient.models.SamplesAccepted`. A bad
        sample is a ``BadRequest`` naming it (``/samples/3/value``)."""
        samples = [_sample(x) for x in samples]
        if not samples:
            raise ValueError('push: no samples')
        if len(samples) > self.MAX_SAMPLES:
            raise ValueError('push: %d samples, at most %d per request'
                             % (len(samples), self.MAX_SAMPLES))
        resp = self.http.post(self._url(group), json={'samples': samples},
                              idempotency_key=idempotency_key)
        return models.SamplesAccepted.from_dict(resp.json())

    def list(self, group, name=None, since=None, limit=None):
        """The samples the group keeps, oldest first: of the metric
        ``name`` (default all), at or after ``since`` (a datetime, POSIX
        seconds or ISO 8601), the newest ``limit`` (the server's default:
        1000; at most 10000)."""
        params = {'name': name, 'since': time_param(since), 'limit': limit}
        body = self.http.get(self._url(group), params=params).json()
        return [models.Sample.from_dict(x) for x in body.get('samples', [])]
