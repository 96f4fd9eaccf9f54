"""Helpers shared by the v1 controllers: URLs, links, query parameters,
request bodies."""

import urllib.parse

import webob.exc

from heat.common import identifier


def make_url(req, identity):
    """Absolute URL of a stack/resource/event identity."""
    ident = identifier.HeatIdentifier(
        identity['tenant'], identity['stack_name'], identity['stack_id'],
        identity.get('path') or '')
    return '%s%s/v1/%s' % (req.host_url, req.script_name, ident.url_path())


def make_link(req, identity, rel='self'):
    return {'href': make_url(req, identity), 'rel': rel}


def stack_identity(req, stack_name, stack_id, path=''):
    return {'tenant': req.context.project_id, 'stack_name': stack_name,
            'stack_id': stack_id, 'path': path}


def extract_bool(name, value):
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ('true', 'false'):
        return value.lower() == 'true'
    raise webob.exc.HTTPBadRequest(
        'Unrecognized value "%s" for "%s", acceptable values are: true, '
        'false.' % (value, name))


def extract_int(name, value, allow_zero=True, allow_negative=False):
    if value is None:
        return None
    try:
        result = int(value)
    except (TypeError, ValueError):
        raise webob.exc.HTTPBadRequest(
            'Only integer is acceptable by \'%s\'.' % name) from None
    if isinstance(value, bool) or (not allow_negative and result < 0) or \
            (not allow_zero and result == 0):
        raise webob.exc.HTTPBadRequest(
            'Only integer is acceptable by \'%s\'.' % name)
    return result


def single_params(req, names):
    """``{name: value}`` of the query parameters in ``names`` (last wins)."""
    return {k: req.params.getall(k)[-1] for k in names if k in req.params}


def mixed_params(req, names):
    """Like :func:`single_params`, but repeated ones become a list."""
    out = {}
    for k in names:
        values = req.params.getall(k)
        if values:
            out[k] = values[0] if len(values) == 1 else values
    return out


def body_dict(req, required=True):
    """The JSON body, which must be an object."""
    body = req.body_json
    if body is None:
        if required:
            raise webob.exc.HTTPBadRequest('The request body is missing.')
        return {}
    if not isinstance(body, dict):
        raise webob.exc.HTTPBadRequest(
            'The request body must be a JSON object, not %s.'
            % type(body).__name__)
    return body


def redirect(location, params=()):
    """A 302 to ``location`` with the query ``params`` (name, value pairs,
    repeated names kept)."""
    params = list(params)
    if params:
        location += '?%s' % urllib.parse.urlencode(params)
    return webob.exc.HTTPFound(location=location)


def format_resource_item(item, identity_key, identity_fields, skip=(),
                         keys=None):
    """The REST form shared by resources and events.

    ``identity_fields(identity)`` gives the fields made from the item's
    identity (``links``, and ``id`` for events); keys in ``skip`` and the
    engine-only ``stack_identity``/``stack_name``/``resource_action`` are
    left out; the status is joined with its action (``CREATE_COMPLETE``)
    and ``resource_name`` is also given as ``logical_resource_id``.
    ``keys``, when given, keeps only those engine keys.
    """
    out = {}
    for key, value in item.items():
        if keys and key not in keys:
            continue
        if key == identity_key:
            out.update(identity_fields(value))
        elif key in skip or key in ('stack_identity', 'stack_name',
                                    'resource_action'):
            continue
        elif key == 'resource_status' and 'resource_action' in item:
            out[key] = '_'.join(p for p in (item['resource_action'], value)
                                if p)
        elif key == 'resource_name':
            out['logical_resource_id'] = value
            out[key] = value
        else:
            out[key] = value
    return out
