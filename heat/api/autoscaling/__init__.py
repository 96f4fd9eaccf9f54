"""The Auto-Scaling API v1: ``/autoscaling/v1/{project_id}/...``.

Groups, members (and their lifecycle waits), policies, webhooks,
activities and metric samples of the auto-scaling engine over REST
(doc/autoscaling-api.md).
The routes are in :data:`ROUTES` (one row each: controller, path,
method, action, body schema, query schema, success status); the
controllers (:mod:`.controllers`) call the engine's AS RPCs only; the
request plumbing (versions, validation, ETag/If-Match, Idempotency-Key)
is :mod:`.app`; the OpenAPI 3.1 document is made from the same table and
schemas (:mod:`.openapi`).
"""

import routes

from heat.api.autoscaling import schemas as sc

PREFIX = '/autoscaling'
BASE = PREFIX + '/v1'
P = BASE + '/{project_id}'
GROUP = P + '/groups/{group_id}'
POLICY = GROUP + '/policies/{policy_id}'
MEMBER = GROUP + '/members/{member_name}'

ALL_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')

#: controllers served without authentication (their credential, if
#: any, is the URL): version documents, the OpenAPI document, webhooks,
#: lifecycle completion URLs
PUBLIC_CONTROLLERS = ('as_public',)
#: the public actions whose credential is the URL: rate limited (the
#: anonymous limit, :mod:`heat.api.ratelimit`) before any engine work
CAPABILITY_ACTIONS = ('webhook', 'lifecycle')


class Route:
    __slots__ = ('controller', 'path', 'method', 'action', 'body', 'query',
                 'status', 'summary', 'etag', 'if_match')

    def __init__(self, controller, path, method, action, status=200,
                 body=None, query=None, summary='', if_match=False):
        self.controller = controller
        self.path = path
        self.method = method
        self.action = action
        self.status = status
        self.body = body
        self.query = query
        self.summary = summary
        self.if_match = if_match


G, M, PO, W, A, MET, PUB = ('group', 'member', 'policy', 'webhook',
                            'activity', 'metric', 'as_public')

ROUTES = [
    Route(PUB, PREFIX, 'GET', 'versions', summary='The API versions'),
    Route(PUB, PREFIX + '/', 'GET', 'versions', summary='The API versions'),
    Route(PUB, BASE, 'GET', 'version', summary='The v1 version'),
    Route(PUB, BASE + '/', 'GET', 'version', summary='The v1 version'),
    Route(PUB, BASE + '/openapi.json', 'GET', 'openapi',
          summary='This OpenAPI document'),
    Route(PUB, BASE + '/webhooks/{token}', 'POST', 'webhook',
          body=sc.WEBHOOK_BODY, summary='Execute the policy of a webhook '
          '(capability URL, no token); a metric policy\'s webhook takes '
          'samples (202)'),
    Route(PUB, BASE + '/lifecycle/{token}', 'POST', 'lifecycle',
          body=sc.LIFECYCLE_ACTION, summary='Complete (or extend) a '
          'member\'s lifecycle wait (capability URL, no token)'),
    Route(G, P + '/groups', 'GET', 'index', query=sc.GROUP_QUERY,
          summary='List groups'),
    Route(G, P + '/groups', 'POST', 'create', 201, body=sc.GROUP_CREATE,
          summary='Create a group'),
    Route(G, GROUP, 'GET', 'show', summary='Show a group'),
    Route(G, GROUP, 'PATCH', 'update', body=sc.GROUP_UPDATE,
          if_match=True, summary='Change a group'),
    Route(G, GROUP, 'DELETE', 'delete', 202, if_match=True,
          summary='Delete a group'),
    Route(G, GROUP + '/suspend', 'POST', 'suspend', body=sc.NO_QUERY,
          if_match=True, summary='Suspend a group'),
    Route(G, GROUP + '/resume', 'POST', 'resume', body=sc.NO_QUERY,
          if_match=True, summary='Resume a group'),
    Route(G, GROUP + '/resize', 'POST', 'resize', body=sc.RESIZE,
          if_match=True, summary='Resize a group'),
    Route(G, GROUP + '/converge', 'POST', 'converge', 202,
          body=sc.NO_QUERY, if_match=True, summary='Converge a group now'),
    Route(G, GROUP + '/evaluate', 'POST', 'evaluate', body=sc.NO_QUERY,
          summary='Evaluate the group\'s metric policies now (the '
          'evaluation record)'),
    Route(MET, GROUP + '/metrics', 'POST', 'push', 202,
          body=sc.METRICS_PUSH, summary='Push metric samples'),
    Route(MET, GROUP + '/metrics', 'GET', 'index', query=sc.METRICS_QUERY,
          summary='List the metric samples kept, oldest first'),
    Route(M, GROUP + '/members', 'GET', 'index', query=sc.MEMBER_QUERY,
          summary='List members (with ?attribute=NAME: the values of '
          'attributes of their resources)'),
    Route(M, GROUP + '/members/remove', 'POST', 'remove', 202,
          body=sc.MEMBERS_REMOVE, summary='Remove (or replace) members'),
    Route(M, MEMBER, 'GET', 'show', query=sc.MEMBER_QUERY,
          summary='Show a member (with ?attribute=NAME: the values of '
          'attributes of its resource)'),
    Route(M, MEMBER, 'PATCH', 'update', body=sc.MEMBER_UPDATE,
          summary='Protect a member from scale-in (or not)'),
    Route(M, MEMBER + '/mark-unhealthy', 'POST', 'mark_unhealthy', 202,
          body=sc.MARK_UNHEALTHY, summary='Mark a member unhealthy'),
    Route(M, MEMBER + '/complete-lifecycle-action', 'POST',
          'complete_lifecycle_action', body=sc.COMPLETE_LIFECYCLE_ACTION,
          summary='End a member\'s lifecycle wait (CONTINUE or ABANDON)'),
    Route(M, MEMBER + '/lifecycle-heartbeat', 'POST', 'lifecycle_heartbeat',
          body=sc.LIFECYCLE_HEARTBEAT,
          summary='Extend a member\'s lifecycle wait (a heartbeat)'),
    Route(PO, GROUP + '/policies', 'GET', 'index', summary='List policies'),
    Route(PO, GROUP + '/policies', 'POST', 'create', 201,
          body=sc.POLICY_CREATE, summary='Create a policy'),
    Route(PO, POLICY, 'GET', 'show', summary='Show a policy'),
    Route(PO, POLICY, 'PATCH', 'update', body=sc.POLICY_UPDATE,
          summary='Change a policy'),
    Route(PO, POLICY, 'DELETE', 'delete', 204, summary='Delete a policy'),
    Route(PO, POLICY + '/execute', 'POST', 'execute', body=sc.EXECUTE,
          summary='Execute a policy'),
    Route(PO, POLICY + '/compare', 'GET', 'compare',
          query=sc.COMPARE_QUERY,
          summary='Compare a shadow policy with the live ones'),
    Route(W, POLICY + '/webhooks', 'GET', 'index', summary='List webhooks'),
    Route(W, POLICY + '/webhooks', 'POST', 'create', 201,
          body=sc.WEBHOOK_CREATE, summary='Create a webhook'),
    Route(W, POLICY + '/webhooks/{webhook_id}', 'DELETE', 'delete', 204,
          summary='Delete a webhook'),
    Route(A, GROUP + '/activities', 'GET', 'index', query=sc.ACTIVITY_QUERY,
          summary='List activities, newest first'),
    Route(A, GROUP + '/activities/{activity_id}', 'GET', 'show',
          summary='Show an activity'),
]


def make_mapper():
    """A ``routes.Mapper`` of :data:`ROUTES`: a match carries the
    controller, the action and ``route`` (the index of the
    :class:`Route` in :data:`ROUTES`: Routes keeps strings); every path
    also answers the methods it does not serve with a 405."""
    mapper = routes.Mapper()
    allowed = {}
    for index, r in enumerate(ROUTES):
        mapper.connect(r.path, controller=r.controller, action=r.action,
                       route=str(index), conditions={'method': [r.method]})
        allowed.setdefault(r.path, (r.controller, []))[1].append(r.method)
    for path, (controller, methods) in allowed.items():
        missing = [m for m in ALL_METHODS if m not in methods]
        if missing:
            mapper.connect(path, controller=controller, action='_reject',
                           allowed=','.join(methods),
                           conditions={'method': missing})
    return mapper
