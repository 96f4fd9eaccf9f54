"""The v1 routes: ``/v1/{tenant_id}/...`` as python-heatclient calls them.

Every URL also answers the methods it does not serve with a 405 (upstream
does the same).
"""

import routes

from heat.api.v1 import (
    actions,
    events,
    misc,
    resources,
    signal,
    software_configs,
    stacks,
)

STACK = '/v1/{tenant_id}/stacks/{stack_name}/{stack_id}'
ALL_METHODS = ('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD')


def _table():
    s, r, e, a, m = 'stacks', 'resource', 'events', 'actions', 'misc'
    sc, sd = 'software_configs', 'software_deployments'
    t = '/v1/{tenant_id}'
    return [
        (m, '/', 'GET', 'versions'),
        (m, '/v1', 'GET', 'versions'),
        # credential in the URL: no authentication (middleware.PublicRoutes)
        ('signal', '/v1/signal/{arn:.+}', 'POST', 'signal'),
        ('signal', '/v1/webhooks/{token}', 'POST', 'webhook'),
        (s, t + '/validate', 'POST', 'validate_template'),
        (s, t + '/resource_types', 'GET', 'list_resource_types'),
        (s, t + '/resource_types/{type_name}', 'GET', 'resource_schema'),
        (s, t + '/resource_types/{type_name}/template', 'GET',
         'generate_template'),
        (s, t + '/template_versions', 'GET', 'list_template_versions'),
        (s, t + '/template_versions/{template_version}/functions', 'GET',
         'list_template_functions'),
        (s, t + '/stacks', 'GET', 'index'),
        (s, t + '/stacks', 'POST', 'create'),
        (s, t + '/stacks/preview', 'POST', 'preview'),
        (s, t + '/stacks/detail', 'GET', 'detail'),
        (s, t + r'/stacks/{stack_name:arn\x3A.*}',
         ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), 'lookup'),
        (s, t + '/stacks/{stack_name}',
         ('GET', 'POST', 'PUT', 'PATCH', 'DELETE'), 'lookup'),
        (s, t + '/stacks/{stack_name}/{path:resources|events|template|'
         'actions|environment|files|outputs}', 'GET', 'lookup'),
        (s, t + '/stacks/{stack_name}/{path:resources|events|template|'
         'actions}', 'POST', 'lookup'),
        (s, STACK, 'GET', 'show'),
        (s, STACK, 'PUT', 'update'),
        (s, STACK, 'PATCH', 'update_patch'),
        (s, STACK, 'DELETE', 'delete'),
        (s, STACK + '/template', 'GET', 'template'),
        (s, STACK + '/environment', 'GET', 'environment'),
        (s, STACK + '/files', 'GET', 'files'),
        (s, STACK + '/preview', 'PUT', 'preview_update'),
        (s, STACK + '/preview', 'PATCH', 'preview_update_patch'),
        (s, STACK + '/abandon', 'DELETE', 'abandon'),
        (s, STACK + '/export', 'GET', 'export'),
        (s, STACK + '/outputs', 'GET', 'list_outputs'),
        (s, STACK + '/outputs/{output_key}', 'GET', 'show_output'),
        (s, STACK + '/snapshots', 'POST', 'snapshot'),
        (s, STACK + '/snapshots', 'GET', 'list_snapshots'),
        (s, STACK + '/snapshots/{snapshot_id}', 'GET', 'show_snapshot'),
        (s, STACK + '/snapshots/{snapshot_id}', 'DELETE',
         'delete_snapshot'),
        (s, STACK + '/snapshots/{snapshot_id}/restore', 'POST',
         'restore_snapshot'),
        (r, STACK + '/resources', 'GET', 'index'),
        (r, STACK + '/resources/{resource_name}', 'GET', 'show'),
        (r, STACK + '/resources/{resource_name}', 'PATCH',
         'mark_unhealthy'),
        (r, STACK + '/resources/{resource_name}/metadata', 'GET',
         'metadata'),
        (r, STACK + '/resources/{resource_name}/signal', 'POST', 'signal'),
        (e, STACK + '/events', 'GET', 'index'),
        (e, STACK + '/resources/{resource_name}/events', 'GET', 'index'),
        (e, STACK + '/resources/{resource_name}/events/{event_id}', 'GET',
         'show'),
        (a, STACK + '/actions', 'POST', 'action'),
        (m, t + '/build_info', 'GET', 'build_info'),
        (sc, t + '/software_configs', 'GET', 'index'),
        (sc, t + '/software_configs', 'POST', 'create'),
        (sc, t + '/software_configs/{config_id}', 'GET', 'show'),
        (sc, t + '/software_configs/{config_id}', 'DELETE', 'delete'),
        (sd, t + '/software_deployments', 'GET', 'index'),
        (sd, t + '/software_deployments', 'POST', 'create'),
        (sd, t + '/software_deployments/metadata/{server_id}', 'GET',
         'metadata'),
        (sd, t + '/software_deployments/{deployment_id}', 'GET', 'show'),
        (sd, t + '/software_deployments/{deployment_id}', 'PUT', 'update'),
        (sd, t + '/software_deployments/{deployment_id}', 'DELETE',
         'delete'),
        (m, t + '/services', 'GET', 'not_supported'),
    ]


def make_routes(engine, conf=None):
    """``(routes.Mapper, {controller name: controller})``."""
    controllers = {
        'stacks': stacks.StackController(engine, conf),
        'resource': resources.ResourceController(engine, conf),
        'events': events.EventController(engine, conf),
        'actions': actions.ActionController(engine, conf),
        'misc': misc.MiscController(engine, conf),
        'signal': signal.SignalController(engine, conf),
        'software_configs': software_configs.SoftwareConfigController(
            engine, conf),
        'software_deployments':
            software_configs.SoftwareDeploymentController(engine, conf),
    }
    mapper = routes.Mapper()
    allowed = {}
    for controller, url, methods, action in _table():
        if isinstance(methods, str):
            methods = (methods,)
        mapper.connect(url, controller=controller, action=action,
                       conditions={'method': list(methods)})
        allowed.setdefault(url, (controller, []))[1].extend(methods)
    for url, (controller, methods) in allowed.items():
        missing = [m for m in ALL_METHODS if m not in methods]
        if missing:
            mapper.connect(url, controller=controller, action='_reject',
                           allowed=','.join(methods),
                           conditions={'method': missing})
    return mapper, controllers
