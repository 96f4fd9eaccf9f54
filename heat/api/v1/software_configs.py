"""Software configs and deployments: ``/v1/{tenant_id}/software_configs``
and ``/v1/{tenant_id}/software_deployments`` (upstream's paths, bodies
and status codes: a create answers 200 with the new object, a delete
204).

The controllers check the shape of the request (a clear 400 naming the
field) and call the engine's software config RPCs; the engine checks
the rest (inputs and outputs, config ids: 404 ``Software config with id
<id> not found``).
"""

import webob.exc

from heat.api.v1 import util
from heat.common import context as context_mod

CONFIG_FIELDS = ('name', 'group', 'config', 'inputs', 'outputs', 'options')
DEPLOYMENT_CREATE_FIELDS = ('config_id', 'server_id', 'input_values',
                            'action', 'status', 'status_reason',
                            'stack_user_project_id')
DEPLOYMENT_UPDATE_FIELDS = ('config_id', 'input_values', 'output_values',
                            'action', 'status', 'status_reason')
DEPLOYMENT_STATUSES = ('IN_PROGRESS', 'FAILED', 'COMPLETE')

#: field -> (JSON type(s), the name of the kind in messages)
_TEXT = ((str,), 'a string')
_MAP = ((dict,), 'an object')
_LIST = ((list,), 'a list')
FIELD_TYPES = {
    'name': _TEXT, 'group': _TEXT, 'inputs': _LIST, 'outputs': _LIST,
    'options': _MAP, 'config_id': _TEXT, 'server_id': _TEXT,
    'input_values': _MAP, 'output_values': _MAP, 'action': _TEXT,
    'status': _TEXT, 'status_reason': _TEXT, 'stack_user_project_id': _TEXT,
}


def _bad(message):
    return webob.exc.HTTPBadRequest(message)


def _fields(body, names, what):
    """``{name: value}`` of ``names`` in ``body`` (None when absent),
    each checked for its JSON type; any other key is a 400."""
    unknown = sorted(set(body) - set(names))
    if unknown:
        raise _bad('Unknown field "%s" in the %s request (allowed: %s).'
                   % (unknown[0], what, ', '.join(names)))
    out = {}
    for name in names:
        value = body.get(name)
        kinds = FIELD_TYPES.get(name)
        if value is not None and kinds is not None and \
                not isinstance(value, kinds[0]):
            raise _bad('Field "%s" must be %s, not %s.'
                       % (name, kinds[1], type(value).__name__))
        out[name] = value
    return out


def _check_status(status):
    if status is not None and status not in DEPLOYMENT_STATUSES:
        raise _bad('Field "status" must be one of %s, not "%s".'
                   % (', '.join(DEPLOYMENT_STATUSES), status))


def _no_content():
    return webob.Response(status=204)


class SoftwareConfigController:
    POLICY_SCOPE = 'software_configs'
    #: set by the app: the policy enforcer (``global_tenant`` listings)
    enforcer = None

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def index(self, req):
        params = util.single_params(req, ('limit', 'marker',
                                          'global_tenant'))
        limit = util.extract_int('limit', params.get('limit'))
        global_tenant = util.extract_bool(
            'global_tenant', params.get('global_tenant', 'false'))
        cnxt = req.context
        if global_tenant:
            if self.enforcer is not None:
                self.enforcer.enforce(cnxt, 'software_configs:global_index',
                                      cnxt.project_id)
            cnxt = _admin_view(cnxt)
        configs = self.engine.list_software_configs(
            cnxt, limit=limit, marker=params.get('marker'))
        return {'software_configs': configs}

    def show(self, req, config_id):
        return {'software_config': self.engine.show_software_config(
            req.context, config_id)}

    def create(self, req):
        data = _fields(util.body_dict(req), CONFIG_FIELDS,
                       'software config')
        return {'software_config': self.engine.create_software_config(
            req.context, **data)}

    def delete(self, req, config_id):
        self.engine.delete_software_config(req.context, config_id)
        return _no_content()


def _admin_view(cnxt):
    """The caller's context, as an administrator's (every project's
    configs), for a ``global_tenant`` listing the policy allowed."""
    values = cnxt.to_dict()
    values['is_admin'] = True
    return context_mod.RequestContext.from_dict(values)


class SoftwareDeploymentController:
    POLICY_SCOPE = 'software_deployments'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def index(self, req):
        params = util.single_params(req, ('server_id',))
        return {'software_deployments':
                self.engine.list_software_deployments(req.context,
                                                      **params)}

    def metadata(self, req, server_id):
        return {'metadata': self.engine.metadata_software_deployments(
            req.context, server_id=server_id)}

    def show(self, req, deployment_id):
        return {'software_deployment': self.engine.show_software_deployment(
            req.context, deployment_id)}

    def create(self, req):
        data = _fields(util.body_dict(req), DEPLOYMENT_CREATE_FIELDS,
                       'software deployment')
        for name in ('server_id', 'config_id'):
            if not data[name]:
                raise _bad('Field "%s" is required.' % name)
        _check_status(data['status'])
        # upstream's defaults for what the request leaves out
        for name, default in (('action', 'INIT'), ('status', 'COMPLETE'),
                              ('status_reason', '')):
            if data[name] is None:
                data[name] = default
        return {'software_deployment':
                self.engine.create_software_deployment(req.context, **data)}

    def update(self, req, deployment_id):
        data = _fields(util.body_dict(req), DEPLOYMENT_UPDATE_FIELDS,
                       'software deployment')
        _check_status(data['status'])
        return {'software_deployment':
                self.engine.update_software_deployment(
                    req.context, deployment_id, **data)}

    def delete(self, req, deployment_id):
        self.engine.delete_software_deployment(req.context, deployment_id)
        return _no_content()
