"""Engine result shapes: the dicts ``EngineService`` methods return.

These are upstream Heat's engine-side shapes (``heat/rpc/api.py`` key
names), which the REST facade turns into its response bodies:

- a stack: ``stack_identity`` is the identifier dict (``tenant``,
  ``stack_name``, ``stack_id``, ``path``); ``stack_action`` and
  ``stack_status`` are separate (the REST layer joins them into
  ``CREATE_COMPLETE`` and builds ``id`` and ``links`` from the identity);
- a resource: ``resource_identity``, ``stack_identity`` and, for a
  resource owning a nested stack, ``nested_stack_id`` (the REST layer
  builds the ``self``, ``stack`` and ``nested`` links from them);
- an event: ``event_identity`` plus the resource's fields;
- an output: ``output_key``, ``description`` and, once resolved,
  ``output_value`` (``output_error`` when resolving failed).

Times are ISO 8601 in UTC with a ``Z`` (``2026-11-25T13:34:05Z``), or None.

Every formatter reads only the attributes the stack-engine contract
(``doc/dev/stack-engine.md``) promises, so it can be tested with plain
objects.
"""

import collections.abc
import datetime
import json

import yaml

# -- keys (upstream's heat/rpc/api.py names) -------------------------------

PARAM_KEYS = (
    PARAM_TIMEOUT, PARAM_DISABLE_ROLLBACK, PARAM_ADOPT_STACK_DATA,
    PARAM_SHOW_DELETED, PARAM_SHOW_NESTED, PARAM_EXISTING,
    PARAM_CLEAR_PARAMETERS, PARAM_GLOBAL_TENANT, PARAM_LIMIT,
    PARAM_NESTED_DEPTH, PARAM_TAGS, PARAM_SHOW_HIDDEN, PARAM_TAGS_ANY,
    PARAM_NOT_TAGS, PARAM_NOT_TAGS_ANY, TEMPLATE_TYPE, PARAM_WITH_DETAIL,
    RESOLVE_OUTPUTS, PARAM_IGNORE_ERRORS, PARAM_CONVERGE,
) = (
    'timeout_mins', 'disable_rollback', 'adopt_stack_data',
    'show_deleted', 'show_nested', 'existing',
    'clear_parameters', 'global_tenant', 'limit',
    'nested_depth', 'tags', 'show_hidden', 'tags_any',
    'not_tags', 'not_tags_any', 'template_type', 'with_detail',
    'resolve_outputs', 'ignore_errors', 'converge',
)

STACK_KEYS = (
    STACK_NAME, STACK_ID,
    STACK_CREATION_TIME, STACK_UPDATED_TIME, STACK_DELETION_TIME,
    STACK_NOTIFICATION_TOPICS,
    STACK_DESCRIPTION, STACK_TMPL_DESCRIPTION,
    STACK_PARAMETERS, STACK_OUTPUTS, STACK_ACTION,
    STACK_STATUS, STACK_STATUS_DATA, STACK_CAPABILITIES,
    STACK_DISABLE_ROLLBACK, STACK_TIMEOUT, STACK_OWNER,
    STACK_PARENT, STACK_USER_PROJECT_ID, STACK_TAGS,
) = (
    'stack_name', 'stack_identity',
    'creation_time', 'updated_time', 'deletion_time',
    'notification_topics',
    'description', 'template_description',
    'parameters', 'outputs', 'stack_action',
    'stack_status', 'stack_status_reason', 'capabilities',
    'disable_rollback', 'timeout_mins', 'stack_owner',
    'parent', 'stack_user_project_id', 'tags',
)

STACK_OUTPUT_KEYS = (
    OUTPUT_DESCRIPTION, OUTPUT_KEY, OUTPUT_VALUE, OUTPUT_ERROR,
) = (
    'description', 'output_key', 'output_value', 'output_error',
)

RES_KEYS = (
    RES_DESCRIPTION, RES_CREATION_TIME, RES_UPDATED_TIME,
    RES_NAME, RES_PHYSICAL_ID, RES_METADATA,
    RES_ACTION, RES_STATUS, RES_STATUS_DATA,
    RES_TYPE, RES_ID, RES_STACK_ID, RES_STACK_NAME,
    RES_REQUIRED_BY, RES_NESTED_STACK_ID, RES_NESTED_RESOURCES,
    RES_PARENT_RESOURCE, RES_PROPERTIES, RES_ATTRIBUTES,
) = (
    'description', 'creation_time', 'updated_time',
    'resource_name', 'physical_resource_id', 'metadata',
    'resource_action', 'resource_status', 'resource_status_reason',
    'resource_type', 'resource_identity', STACK_ID, STACK_NAME,
    'required_by', 'nested_stack_id', 'nested_resources',
    'parent_resource', 'properties', 'attributes',
)

EVENT_KEYS = (
    EVENT_ID, EVENT_STACK_ID, EVENT_STACK_NAME, EVENT_TIMESTAMP,
    EVENT_RES_NAME, EVENT_RES_PHYSICAL_ID, EVENT_RES_ACTION,
    EVENT_RES_STATUS, EVENT_RES_STATUS_DATA, EVENT_RES_TYPE,
    EVENT_RES_PROPERTIES, EVENT_ROOT_STACK_ID,
) = (
    'event_identity', STACK_ID, STACK_NAME, 'event_time',
    RES_NAME, RES_PHYSICAL_ID, RES_ACTION,
    RES_STATUS, RES_STATUS_DATA, RES_TYPE,
    'resource_properties', 'root_stack_id',
)

THREAD_MESSAGES = (THREAD_CANCEL, THREAD_CANCEL_WITH_ROLLBACK) = (
    'cancel', 'cancel_with_rollback')

#: the resource ``type`` filter is matched in Python (no column for it).
RES_FILTER_KEYS = ('name', 'status', 'action', 'type', 'id',
                   'physical_resource_id')

_STATUSES = ('COMPLETE', 'FAILED', 'IN_PROGRESS')

#: the largest ``timeout_mins``, about 190 years: the stack table's
#: column is a 32-bit integer and a thread waits at most
#: ``threading.TIMEOUT_MAX`` (about 292 years) at once
MAX_TIMEOUT_MINS = 10 ** 8


# -- small helpers ---------------------------------------------------------

def isotime(value):
    """``YYYY-MM-DDTHH:MM:SSZ`` (UTC) for a datetime; None stays None."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if value.tzinfo is not None:
        value = value.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def identity_dict(identity):
    """A plain dict of an identifier (a Mapping or an attribute object)."""
    if identity is None:
        return None
    if isinstance(identity, collections.abc.Mapping):
        return dict(identity)
    out = {}
    for key in ('tenant', 'stack_name', 'stack_id', 'path'):
        out[key] = getattr(identity, key, '')
    return out


def stack_identity(tenant, stack_name, stack_id, path=''):
    """Upstream's stack identifier dict, without the identifier class."""
    return {'tenant': tenant, 'stack_name': stack_name,
            'stack_id': stack_id, 'path': path}


def resource_identity(stack_ident, resource_name):
    ident = dict(stack_ident)
    ident['path'] = '%s/resources/%s' % (stack_ident.get('path') or '',
                                         resource_name)
    return ident


def event_identity(stack_ident, resource_name, event_uuid):
    ident = resource_identity(stack_ident, resource_name)
    ident['path'] = '%s/events/%s' % (ident['path'], event_uuid)
    return ident


def _stack_identity_of(stack):
    ident = getattr(stack, 'identifier', None)
    if callable(ident):
        return identity_dict(ident())
    return stack_identity(getattr(stack, 'tenant_id', None), stack.name,
                          stack.id)


def extract_bool(name, value):
    """A boolean from a request value (bool or 'true'/'false' text)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise ValueError('Unrecognized value "%s" for "%s", acceptable values '
                     'are: true, false.' % (value, name))


def extract_args(params):
    """The stack options of a create/update request's ``args``.

    ``timeout_mins`` becomes a positive int, at most
    :data:`MAX_TIMEOUT_MINS` (0 or None: no timeout);
    ``disable_rollback`` and ``converge`` booleans; ``adopt_stack_data``
    is parsed from its JSON/YAML text; ``tags`` is a list of strings
    (each at most 80 characters, no comma). Errors raise ValueError with
    upstream's messages.
    """
    kwargs = {}
    timeout = params.get(PARAM_TIMEOUT)
    if timeout not in ('0', 0, None):
        try:
            timeout = int(timeout)
        except (ValueError, TypeError) as exc:
            raise ValueError('Invalid timeout value %s' % timeout) from exc
        # found by fuzzing: 2**40 was a 500 on MariaDB, 2**31 - 1 a
        # create failed by an OverflowError of the deadline's wait
        if not 0 < timeout <= MAX_TIMEOUT_MINS:
            raise ValueError('Invalid timeout value %s' % timeout)
        kwargs[PARAM_TIMEOUT] = timeout
    for name in (PARAM_CONVERGE, PARAM_DISABLE_ROLLBACK):
        if name in params and params[name] is not None:
            kwargs[name] = extract_bool(name, params[name])
    adopt_data = params.get(PARAM_ADOPT_STACK_DATA)
    if adopt_data:
        if isinstance(adopt_data, str):
            try:
                adopt_data = json.loads(adopt_data)
            except ValueError:
                try:
                    adopt_data = yaml.safe_load(adopt_data)
                except yaml.YAMLError as exc:
                    raise ValueError('Invalid adopt data: %s' % exc) from exc
        if not isinstance(adopt_data, collections.abc.Mapping):
            raise ValueError('Invalid adopt data: not a mapping')
        kwargs[PARAM_ADOPT_STACK_DATA] = dict(adopt_data)
    tags = params.get(PARAM_TAGS)
    # not "if tags": 0 or false is a wrong type, not "no tags"
    if tags not in (None, '', []):
        if isinstance(tags, str):
            tags = [t for t in tags.split(',') if t]
        if not isinstance(tags, list):
            raise ValueError('Invalid tags, not a list: %s' % tags)
        for tag in tags:
            if not isinstance(tag, str):
                raise ValueError('Invalid tag, "%s" is not a string' % tag)
            if len(tag) > 80:
                raise ValueError('Invalid tag, "%s" is longer than 80 '
                                 'characters' % tag)
            if ',' in tag:
                raise ValueError('Invalid tag, "%s" contains a comma' % tag)
            if '\x00' in tag:
                # PostgreSQL stores no NUL in text (found by fuzzing: a 500)
                raise ValueError('Invalid tag, %r contains a NUL character'
                                 % tag)
        kwargs[PARAM_TAGS] = tags
    return kwargs


def parse_object_status(status):
    """``(actions, statuses)`` sets from 'CREATE_FAILED'-style values."""
    if not isinstance(status, (list, tuple, set)):
        status = [status]
    actions, statuses = set(), set()
    for val in status:
        for s in _STATUSES:
            index = val.rfind(s)
            if index != -1:
                statuses.add(val[index:])
                if index > 1:
                    actions.add(val[:index - 1])
                break
    return actions, statuses


def translate_filters(params):
    """API filter names (``stack_name``, ``stack_status``...) to columns.

    A status such as ``CREATE_FAILED`` is split into action and status.
    """
    params = dict(params or {})
    key_map = {
        STACK_NAME: 'name',
        STACK_ACTION: 'action',
        STACK_STATUS: 'status',
        STACK_STATUS_DATA: 'status_reason',
        STACK_DISABLE_ROLLBACK: 'disable_rollback',
        STACK_TIMEOUT: 'timeout',
        STACK_OWNER: 'username',
        STACK_PARENT: 'owner_id',
        STACK_USER_PROJECT_ID: 'stack_user_project_id',
    }
    for key, field in key_map.items():
        value = params.pop(key, None)
        if not value:
            continue
        existing = params.get(field)
        if existing:
            if not isinstance(existing, list):
                existing = [existing]
            if not isinstance(value, list):
                value = [value]
            value = list(value) + list(existing)
        params[field] = value
    if 'status' in params:
        actions, statuses = parse_object_status(params['status'])
        statuses = sorted(statuses)
        if statuses:
            params['status'] = (statuses[0] if len(statuses) == 1
                                else statuses)
        else:
            del params['status']
        if actions:
            a = params.get('action', [])
            a = set(a) if isinstance(a, list) else {a}
            merged = sorted(a | actions)
            params['action'] = merged[0] if len(merged) == 1 else merged
    return params


# -- outputs ---------------------------------------------------------------

def _output_definitions(stack):
    """``{name: Output}`` of the stack (the template's output objects)."""
    defs = getattr(stack, 'output_definitions', None)
    if callable(defs):
        return defs()
    if isinstance(defs, collections.abc.Mapping):
        return defs
    return stack.t.outputs(stack)


def format_stack_output(stack, output_defn, resolve_value=True):
    """One output dict; a failure to resolve becomes ``output_error``."""
    desc = output_defn.description_text() if hasattr(
        output_defn, 'description_text') else output_defn.description
    result = {OUTPUT_KEY: output_defn.name, OUTPUT_DESCRIPTION: desc}
    if resolve_value:
        value = None
        try:
            value = stack.output(output_defn.name)
        except Exception as exc:  # noqa: BLE001 - reported, as upstream
            result[OUTPUT_ERROR] = str(exc)
        result[OUTPUT_VALUE] = value
    return result


def format_stack_outputs(stack, resolve_value=False):
    """The stack's outputs, in template order."""
    defs = _output_definitions(stack)
    return [format_stack_output(stack, defs[name], resolve_value)
            for name in defs]


# -- stacks ----------------------------------------------------------------

NO_DESCRIPTION = 'No description'


def _description(stack):
    t = stack.t
    try:
        key = t.get_section_name('description')
    except Exception:  # noqa: BLE001 - CFN or odd templates
        key = None
    for k in (key, 'description', 'Description'):
        if k and k in getattr(t, 't', {}):
            value = t.t[k]
            return NO_DESCRIPTION if value in (None, '') else str(value)
    # As upstream (the template's description section): an absent one
    # reads "No description".
    return NO_DESCRIPTION


def _parameters(stack):
    params = stack.parameters
    if hasattr(params, 'map'):
        return params.map(str)
    return {k: str(v) for k, v in dict(params).items()}


def format_stack(stack, preview=False, resolve_outputs=True):
    """The show_stack dict of a loaded stack (upstream's shape)."""
    deleted = getattr(stack, 'deleted_time', None)
    info = {
        STACK_NAME: stack.name,
        STACK_ID: _stack_identity_of(stack),
        STACK_CREATION_TIME: isotime(
            stack.created_time or datetime.datetime.now(
                datetime.timezone.utc)),
        STACK_UPDATED_TIME: isotime(stack.updated_time),
        STACK_DELETION_TIME: isotime(deleted),
        STACK_NOTIFICATION_TOPICS: [],
        STACK_PARAMETERS: _parameters(stack),
        STACK_DESCRIPTION: _description(stack),
        STACK_TMPL_DESCRIPTION: _description(stack),
        STACK_CAPABILITIES: [],
        STACK_DISABLE_ROLLBACK: stack.disable_rollback,
        STACK_TIMEOUT: stack.timeout_mins,
        STACK_OWNER: getattr(stack, 'username', None),
        STACK_PARENT: stack.owner_id,
        STACK_USER_PROJECT_ID: getattr(stack, 'stack_user_project_id',
                                       None),
        STACK_TAGS: list(stack.tags) if getattr(stack, 'tags', None)
        else None,
    }
    if not preview:
        info[STACK_ACTION] = stack.action or ''
        info[STACK_STATUS] = stack.status or ''
        info[STACK_STATUS_DATA] = stack.status_reason
    deleted_complete = (stack.action == 'DELETE' and
                        stack.status == 'COMPLETE')
    if resolve_outputs and not deleted_complete:
        info[STACK_OUTPUTS] = format_stack_outputs(stack, resolve_value=True)
    return info


def format_stack_db_object(row):
    """The list_stacks dict of a ``heat.db.models.Stack`` row."""
    tags = [t.tag for t in row.tags] if row.tags else None
    return {
        STACK_ID: stack_identity(row.tenant, row.name, row.id),
        STACK_NAME: row.name,
        STACK_DESCRIPTION: '',
        STACK_ACTION: row.action,
        STACK_STATUS: row.status,
        STACK_STATUS_DATA: row.status_reason,
        STACK_CREATION_TIME: isotime(row.created_at),
        STACK_UPDATED_TIME: isotime(row.updated_at),
        STACK_DELETION_TIME: isotime(row.deleted_at),
        STACK_OWNER: row.username,
        STACK_PARENT: row.owner_id,
        STACK_USER_PROJECT_ID: row.stack_user_project_id,
        STACK_TAGS: tags,
    }


# -- resources -------------------------------------------------------------

def _safe(fn, *args):
    try:
        return fn(*args)
    except Exception:  # noqa: BLE001 - a broken attribute shows as None
        return None


def resource_identity_of(resource):
    ident = getattr(resource, 'identifier', None)
    if callable(ident):
        return identity_dict(ident())
    return resource_identity(_stack_identity_of(resource.stack),
                             resource.name)


def required_by(resource, graphs=None):
    """Names of the resources of the same stack that require ``resource``.

    ``graphs``: a dict the caller keeps across the resources it formats
    (a listing): each stack's dependency graph is then built once, not
    once per resource (which made listing a big stack quadratic)."""
    fn = getattr(resource, 'required_by', None)
    if callable(fn):
        return list(fn())
    if graphs is None:
        deps = resource.stack.dependencies()
    else:
        key = id(resource.stack)
        entry = graphs.get(key)
        if entry is None or entry[0] is not resource.stack:
            entry = graphs[key] = (resource.stack,
                                   resource.stack.dependencies())
        deps = entry[1]
    out = []
    for node in deps.required_by(resource.name) if resource.name in deps \
            else ():
        out.append(getattr(node, 'name', node))
    return out


def nested_stack_of(resource):
    """The resource's nested stack (loaded), or None."""
    has = getattr(resource, 'has_nested', None)
    if callable(has) and not has():
        return None
    nested = getattr(resource, 'nested', None)
    if callable(nested):
        return _safe(nested)
    return None


def nested_identity_of(resource):
    fn = getattr(resource, 'nested_identifier', None)
    if callable(fn):
        has = getattr(resource, 'has_nested', None)
        if callable(has) and not has():
            return None
        ident = _safe(fn)
        if ident is not None:
            return identity_dict(ident)
    nested = nested_stack_of(resource)
    if nested is not None and getattr(nested, 'id', None):
        return _stack_identity_of(nested)
    return None


def format_resource_attributes(resource, with_attr=None):
    """Resolved attributes: ``show`` when it is a mapping, else each one."""
    with_attr = list(with_attr or [])
    schema = dict(getattr(resource, 'attributes_schema', {}) or {})
    names = set(schema) | {'show'}
    if 'show' in names:
        show = _safe(resource.FnGetAtt, 'show')
        if isinstance(show, collections.abc.Mapping):
            show = dict(show)
            for name in with_attr:
                if name not in show:
                    show[name] = _safe(resource.FnGetAtt, name)
            return show
        names.discard('show')
    names |= set(with_attr)
    return {name: _safe(resource.FnGetAtt, name) for name in names}


def format_resource_properties(resource):
    schema = getattr(resource, 'properties_schema', {}) or {}
    props = resource.properties

    def get(name):
        try:
            return props[name]
        except Exception:  # noqa: BLE001 - invalid value shows as None
            return None

    if not schema and isinstance(props, collections.abc.Mapping):
        return {name: get(name) for name in props}
    return {name: get(name) for name in schema}


def format_stack_resource(resource, detail=True, with_props=False,
                          with_attr=None, graphs=None):
    """One resource dict (list_stack_resources / describe_stack_resource).

    ``detail`` adds ``description``, ``metadata`` and (unless
    ``with_attr is False``) ``attributes``; ``with_props`` adds
    ``properties``; ``graphs``: see :func:`required_by`.
    """
    stack = resource.stack
    res = {
        RES_UPDATED_TIME: isotime(resource.updated_time or
                                  resource.created_time),
        RES_CREATION_TIME: isotime(resource.created_time),
        RES_NAME: resource.name,
        RES_PHYSICAL_ID: resource.resource_id or '',
        RES_ACTION: resource.action,
        RES_STATUS: resource.status,
        RES_STATUS_DATA: resource.status_reason,
        RES_TYPE: resource.type(),
        RES_ID: resource_identity_of(resource),
        RES_STACK_ID: _stack_identity_of(stack),
        RES_STACK_NAME: stack.name,
        RES_REQUIRED_BY: required_by(resource, graphs),
    }
    nested = nested_identity_of(resource)
    if nested is not None:
        res[RES_NESTED_STACK_ID] = nested
    parent = getattr(stack, 'parent_resource_name', None)
    if parent is None and getattr(stack, 'parent_resource', None) is not None:
        parent = getattr(stack.parent_resource, 'name', None)
    if parent:
        res[RES_PARENT_RESOURCE] = parent
    if detail:
        res[RES_DESCRIPTION] = getattr(resource.t, 'description', '') or ''
        res[RES_METADATA] = _safe(resource.metadata_get) or {}
        if with_attr is not False:
            res[RES_ATTRIBUTES] = format_resource_attributes(resource,
                                                             with_attr)
    if with_props:
        res[RES_PROPERTIES] = format_resource_properties(resource)
    return res


def format_stack_preview(stack):
    """format_stack(preview=True) plus ``resources`` (nested as lists)."""
    def fmt(res):
        if isinstance(res, list):
            return [fmt(r) for r in res]
        return format_stack_resource(res, with_props=True)

    info = format_stack(stack, preview=True, resolve_outputs=False)
    info['resources'] = [fmt(r) for r in stack.preview_resources()]
    # As upstream: a previewed stack is never stored, so it has no id;
    # its identity (and each resource's) says ``'None'``.
    _unstored(info)
    return info


def _unstored(info):
    """Set every stack id in a preview dict to upstream's ``'None'``."""
    if isinstance(info, list):
        for item in info:
            _unstored(item)
        return
    if not isinstance(info, dict):
        return
    for key in (STACK_ID, RES_ID, RES_STACK_ID):
        ident = info.get(key)
        if isinstance(ident, dict) and 'stack_id' in ident:
            ident['stack_id'] = 'None'
    params = info.get(STACK_PARAMETERS)
    if isinstance(params, dict) and 'OS::stack_id' in params:
        params['OS::stack_id'] = 'None'
    _unstored(info.get('resources'))


# -- events ----------------------------------------------------------------

def format_event(event, stack_ident, root_stack_ident=None,
                 include_rsrc_prop_data=True):
    """One event dict from a ``heat.db.models.Event`` row (or alike)."""
    stack_ident = identity_dict(stack_ident)
    result = {
        EVENT_ID: event_identity(stack_ident, event.resource_name,
                                 event.uuid),
        EVENT_STACK_ID: stack_ident,
        EVENT_STACK_NAME: stack_ident['stack_name'],
        EVENT_TIMESTAMP: isotime(event.created_at),
        EVENT_RES_NAME: event.resource_name,
        EVENT_RES_PHYSICAL_ID: event.physical_resource_id,
        EVENT_RES_ACTION: event.resource_action,
        EVENT_RES_STATUS: event.resource_status,
        EVENT_RES_STATUS_DATA: event.resource_status_reason,
        EVENT_RES_TYPE: event.resource_type,
    }
    if root_stack_ident is not None:
        result[EVENT_ROOT_STACK_ID] = identity_dict(root_stack_ident)
    if include_rsrc_prop_data:
        result[EVENT_RES_PROPERTIES] = getattr(event, 'resource_properties',
                                               None) or {}
    return result
