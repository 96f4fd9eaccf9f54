"""Events of a stack or of one of its resources: list (filters,
pagination, nested depth) and show."""

from heat.api.v1 import util
from heat.common import exception

FILTER_KEYS = ('resource_status', 'resource_action', 'resource_name',
               'resource_type', 'physical_resource_id')
SUMMARY_KEYS = ('event_identity', 'event_time', 'resource_name',
                'resource_status', 'resource_status_reason',
                'physical_resource_id', 'root_stack_id')


def format_event(req, event, keys=None):
    """The REST event: ``id`` (the uuid), links (self, resource, stack,
    and root_stack in nested listings), the status joined with the
    action, ``logical_resource_id``."""
    def identity_fields(identity):
        path = identity.get('path') or ''
        res_path = path.rsplit('/events/', 1)[0]
        links = [util.make_link(req, identity),
                 util.make_link(req, dict(identity, path=res_path),
                                'resource'),
                 util.make_link(req, dict(identity, path=''), 'stack')]
        root = event.get('root_stack_id')
        if root:
            links.append(util.make_link(req, root, 'root_stack'))
        return {'id': path.rsplit('/', 1)[-1], 'links': links}

    return util.format_resource_item(event, 'event_identity',
                                     identity_fields,
                                     skip=('root_stack_id',), keys=keys)


class EventController:
    POLICY_SCOPE = 'events'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    def index(self, req, stack_name, stack_id, resource_name=None):
        identity = util.stack_identity(req, stack_name, stack_id)
        params = util.single_params(req, ('limit', 'marker', 'sort_dir',
                                          'nested_depth'))
        sort_keys = req.params.getall('sort_keys') or None
        limit = util.extract_int('limit', params.get('limit'))
        nested_depth = util.extract_int('nested_depth',
                                        params.get('nested_depth'))
        sort_dir = params.get('sort_dir')
        if sort_dir is not None and sort_dir not in ('asc', 'desc'):
            raise exception.Invalid(
                reason='sort_dir must be asc or desc, not %s' % sort_dir)
        filters = util.mixed_params(req, FILTER_KEYS)
        if resource_name is not None:
            filters['resource_name'] = resource_name
        events = self.engine.list_events(
            req.context, identity, filters=filters or None, limit=limit,
            marker=params.get('marker'), sort_keys=sort_keys,
            sort_dir=sort_dir, nested_depth=nested_depth)
        if not events and resource_name is not None:
            # an unknown resource is a 404, not an empty list
            self.engine.describe_stack_resource(req.context, identity,
                                                resource_name,
                                                with_attr=False)
        return {'events': [format_event(req, e, SUMMARY_KEYS)
                           for e in events]}

    def show(self, req, stack_name, stack_id, resource_name, event_id):
        identity = util.stack_identity(req, stack_name, stack_id)
        events = self.engine.list_events(
            req.context, identity,
            filters={'uuid': event_id, 'resource_name': resource_name})
        if not events:
            raise exception.EntityNotFound(entity='Event', name=event_id)
        return {'event': format_event(req, events[0])}
