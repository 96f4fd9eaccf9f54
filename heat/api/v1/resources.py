"""Resources of a stack: list, show, metadata, signal, mark-unhealthy."""

import webob.exc

from heat.api.v1 import signal, util

#: list filters (query parameters), upstream's
FILTER_KEYS = ('type', 'status', 'name', 'action', 'id',
               'physical_resource_id')

#: types whose signals must carry the caller's token (token signals)
def format_resource(req, res):
    """The REST resource: ``links`` (self, stack, nested), the status
    joined with the action, ``logical_resource_id``."""
    def identity_fields(identity):
        links = [util.make_link(req, identity),
                 util.make_link(req, dict(identity, path=''), 'stack')]
        nested = res.get('nested_stack_id')
        if nested:
            links.append(util.make_link(req, nested, 'nested'))
        return {'links': links}

    return util.format_resource_item(res, 'resource_identity',
                                     identity_fields,
                                     skip=('nested_stack_id', 'metadata'))


class ResourceController:
    POLICY_SCOPE = 'resource'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def index(self, req, stack_name, stack_id):
        nested_depth = util.extract_int(
            'nested_depth', req.params.get('nested_depth', 0)) or 0
        with_detail = False
        if 'with_detail' in req.params:
            with_detail = util.extract_bool('with_detail',
                                            req.params['with_detail'])
        filters = util.mixed_params(req, FILTER_KEYS) or None
        res_list = self.engine.list_stack_resources(
            req.context, util.stack_identity(req, stack_name, stack_id),
            nested_depth=nested_depth, with_detail=with_detail,
            filters=filters)
        return {'resources': [format_resource(req, r) for r in res_list]}

    def show(self, req, stack_name, stack_id, resource_name):
        with_attr = req.params.getall('with_attr') or None
        res = self.engine.describe_stack_resource(
            req.context, util.stack_identity(req, stack_name, stack_id),
            resource_name, with_attr=with_attr)
        return {'resource': format_resource(req, res)}

    def metadata(self, req, stack_name, stack_id, resource_name):
        res = self.engine.describe_stack_resource(
            req.context, util.stack_identity(req, stack_name, stack_id),
            resource_name, with_attr=False)
        return {'metadata': res.get('metadata') or {}}

    def signal(self, req, stack_name, stack_id, resource_name):
        identity = util.stack_identity(req, stack_name, stack_id)
        details = req.body_json
        # The request's token reaches a token-checking wait condition
        # handle through the context (the engine adds it to the details:
        # no extra round trip here).
        kwargs = {}
        key = signal.idempotency_key(req)
        if key is not None:
            kwargs['idempotency_key'] = key
        # the result (a scaling policy's decision) is the body; None: null
        return self.engine.resource_signal(req.context, identity,
                                           resource_name, details, **kwargs)

    def mark_unhealthy(self, req, stack_name, stack_id, resource_name):
        body = util.body_dict(req)
        known = ('mark_unhealthy', 'resource_status_reason')
        for key in body:
            if key not in known:
                raise webob.exc.HTTPBadRequest(
                    'Invalid key %s for mark_unhealthy' % key)
        if 'mark_unhealthy' not in body:
            raise webob.exc.HTTPBadRequest(
                'Missing mandatory (mark_unhealthy) key from mark unhealthy '
                'request')
        mark = util.extract_bool('mark_unhealthy', body['mark_unhealthy'])
        reason = body.get('resource_status_reason')
        if reason is not None and not isinstance(reason, str):
            raise webob.exc.HTTPBadRequest(
                'resource_status_reason must be text')
        self.engine.resource_mark_unhealthy(
            req.context, util.stack_identity(req, stack_name, stack_id),
            resource_name, mark, resource_status_reason=reason)
        return None
