"""The OpenAPI 3.1 document of the Auto-Scaling API v1, made from the
routes (:data:`heat.api.autoscaling.ROUTES`) and the JSON Schemas the API
validates with (:mod:`heat.api.autoscaling.schemas`). Served at
``/autoscaling/v1/openapi.json``; a copy is checked in::

    python -m heat.api.autoscaling.openapi > doc/autoscaling-api.openapi.json
"""

import copy
import json
import re
import sys

from heat.api import policy as policy_mod
from heat.api.autoscaling import ROUTES, controllers
from heat.api.autoscaling import schemas as sc

#: the answer of each (controller, action): schema name, or None
_ANSWERS = {
    ('group', 'index'): ('groups', 'Group', True),
    ('group', 'create'): ('group', 'Group', False),
    ('group', 'show'): ('group', 'Group', False),
    ('group', 'update'): ('group', 'Group', False),
    ('group', 'suspend'): ('group', 'Group', False),
    ('group', 'resume'): ('group', 'Group', False),
    ('group', 'converge'): ('group', 'Group', False),
    ('group', 'resize'): ('decision', 'Decision', False),
    ('group', 'evaluate'): ('evaluation', 'Evaluation', False),
    ('metric', 'index'): ('samples', 'Sample', True),
    ('policy', 'compare'): ('comparison', 'Comparison', False),
    ('member', 'index'): ('members', 'Member', True),
    ('member', 'show'): ('member', 'Member', False),
    ('member', 'update'): ('member', 'Member', False),
    ('member', 'mark_unhealthy'): ('member', 'Member', False),
    ('member', 'complete_lifecycle_action'): ('member', 'Member', False),
    ('member', 'lifecycle_heartbeat'): ('member', 'Member', False),
    ('member', 'remove'): ('group', 'Group', False),
    ('policy', 'index'): ('policies', 'Policy', True),
    ('policy', 'create'): ('policy', 'Policy', False),
    ('policy', 'show'): ('policy', 'Policy', False),
    ('policy', 'update'): ('policy', 'Policy', False),
    ('policy', 'execute'): ('decision', 'Decision', False),
    ('webhook', 'index'): ('webhooks', 'Webhook', True),
    ('webhook', 'create'): ('webhook', 'Webhook', False),
    ('activity', 'index'): ('activities', 'Activity', True),
    ('activity', 'show'): ('activity', 'Activity', False),
    ('as_public', 'webhook'): ('decision', 'Decision', False),
    ('as_public', 'lifecycle'): ('member', 'Member', False),
}

#: answers that are a component itself (not wrapped in a key)
_BARE_ANSWERS = {
    ('metric', 'push'): 'MetricsAccepted',
}
#: further answers of a route: (controller, action) -> {status: (text,
#: component)}
_MORE_ANSWERS = {
    ('as_public', 'webhook'): {
        '202': ('The webhook of a metric policy: the samples were stored',
                'MetricsAccepted')},
}

COMPONENTS = {
    'Group': sc.GROUP, 'Member': sc.MEMBER, 'Policy': sc.POLICY,
    'Decision': sc.DECISION, 'Webhook': sc.WEBHOOK,
    'Activity': sc.ACTIVITY, 'Error': sc.ERROR, 'Versions': sc.VERSIONS,
    'Evaluation': sc.EVALUATION, 'Sample': sc.SAMPLE_OUT,
    'MetricsAccepted': sc.METRICS_ACCEPTED, 'Comparison': sc.COMPARISON,
}

_ERRORS = {
    '400': 'Invalid body or query: the message names the field as a JSON '
           'pointer; or a request the engine refuses (Invalid, '
           'InvalidTemplateAttribute)',
    '401': 'No valid token (auth_strategy = keystone)',
    '403': 'The policy rule refuses the caller',
    '404': 'Not found (also: another project\'s objects)',
    '406': 'Unsupported OpenStack-API-Version',
    '409': 'Conflict: the group belongs to a stack, is being deleted, or '
           'the Idempotency-Key was used for another request',
    '412': 'If-Match names a stale version of the group',
    '429': 'Rate limited (webhooks, lifecycle completion URLs)',
    '503': 'The engine or the database is unavailable: retry',
}

_HEADERS = {
    'IdempotencyKey': {
        'name': 'Idempotency-Key', 'in': 'header', 'required': False,
        'description': 'A repeat of the key (same project) gets the first '
                       'answer; nothing is done again.',
        'schema': {'type': 'string', 'maxLength': 255}},
    'IfMatch': {
        'name': 'If-Match', 'in': 'header', 'required': False,
        'description': 'The group\'s ETag ("<version>"): 412 when the '
                       'group changed since.',
        'schema': {'type': 'string'}},
    'ApiVersion': {
        'name': 'OpenStack-API-Version', 'in': 'header', 'required': False,
        'description': '"autoscaling 1.0" (or "autoscaling 1.latest").',
        'schema': {'type': 'string'}},
}


def _strip(schema):
    """A schema for the document: our own ``x-error`` keyword stays (an
    extension is allowed), nothing else changes."""
    return copy.deepcopy(schema)


def _answer(route):
    key = (route.controller, route.action)
    if key in _BARE_ANSWERS:
        ref = {'$ref': '#/components/schemas/%s' % _BARE_ANSWERS[key]}
        return {'description': 'Accepted' if route.status == 202 else 'OK',
                'content': {'application/json': {'schema': ref}}}
    if route.status in (202, 204) and key not in _ANSWERS:
        return {'description': 'Accepted' if route.status == 202
                else 'Done'}
    if key == ('as_public', 'versions') or key == ('as_public', 'version'):
        ref = {'$ref': '#/components/schemas/Versions'}
        return {'description': 'Version document',
                'content': {'application/json': {'schema': ref}}}
    if key == ('as_public', 'openapi'):
        return {'description': 'This document',
                'content': {'application/json': {
                    'schema': {'type': 'object'}}}}
    name, component, many = _ANSWERS[key]
    item = {'$ref': '#/components/schemas/%s' % component}
    props = {name: {'type': 'array', 'items': item} if many else item}
    if many and name in ('groups', 'activities'):
        props['links'] = {'type': 'array', 'items': {'type': 'object'}}
    out = {'description': 'OK', 'content': {'application/json': {
        'schema': {'type': 'object', 'properties': props,
                   'required': [name]}}}}
    if component == 'Group' and not many:
        out['headers'] = {'ETag': {'schema': {'type': 'string'},
                                   'description': '"<version>"'}}
    return out


def _parameters(route):
    params = [{'$ref': '#/components/parameters/ApiVersion'}]
    for name in re.findall(r'{(\w+)}', route.path):
        params.append({'name': name, 'in': 'path', 'required': True,
                       'schema': {'type': 'string'}})
    for name, schema in ((route.query or {}).get('properties') or
                         {}).items():
        param = {'name': name, 'in': 'query', 'required': False,
                 'schema': _strip(schema)}
        description = param['schema'].pop('description', None)
        if description:
            param['description'] = description
        if schema.get('type') == 'array':
            # repeated: ?attribute=a&attribute=b (OpenAPI's default for a
            # query array, spelt out)
            param.update(style='form', explode=True)
        params.append(param)
    if route.method == 'POST' and route.controller != 'as_public':
        params.append({'$ref': '#/components/parameters/IdempotencyKey'})
    if route.if_match:
        params.append({'$ref': '#/components/parameters/IfMatch'})
    return params


def document():
    """The OpenAPI 3.1 document (a dict)."""
    paths = {}
    for route in ROUTES:
        if route.path.endswith('/') and route.path != '/':
            continue  # the same as without the slash
        op = {
            'operationId': '%s_%s' % (route.controller, route.action),
            'summary': route.summary,
            'parameters': _parameters(route),
            'responses': {str(route.status): _answer(route)},
        }
        for code, (text, component) in _MORE_ANSWERS.get(
                (route.controller, route.action), {}).items():
            op['responses'][code] = {
                'description': text, 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/%s'
                               % component}}}}
        rule = '%s:%s' % (controllers.make_controllers(None)[
            route.controller].POLICY_SCOPE, route.action)
        if rule in policy_mod.ACTIONS:
            op['x-policy-rule'] = rule
        else:
            op['security'] = []
        for code, text in _ERRORS.items():
            op['responses'][code] = {
                'description': text, 'content': {'application/json': {
                    'schema': {'$ref': '#/components/schemas/Error'}}}}
        if route.body is not None:
            op['requestBody'] = {
                'required': bool(route.body.get('required')),
                'content': {'application/json': {
                    'schema': _strip(route.body)}}}
        paths.setdefault(route.path, {})[route.method.lower()] = op
    return {
        'openapi': '3.1.0',
        'info': {'title': 'Auto-Scaling API', 'version': '1.0',
                 'description': 'Scaling groups, members, policies, '
                                'webhooks, activities and metric samples '
                                '(doc/autoscaling-api.md).'},
        'jsonSchemaDialect': sc.DIALECT,
        'servers': [{'url': '/'}],
        'security': [{'keystone': []}],
        'paths': paths,
        'components': {
            'schemas': {k: _strip(v) for k, v in COMPONENTS.items()},
            'parameters': _HEADERS,
            'securitySchemes': {'keystone': {
                'type': 'apiKey', 'in': 'header', 'name': 'X-Auth-Token',
                'description': 'A Keystone token (auth_strategy = '
                               'keystone)'}},
        },
    }


def text():
    """The document as checked in: sorted keys, two-space indent."""
    return json.dumps(document(), indent=2, sort_keys=True) + '\n'


if __name__ == '__main__':
    sys.stdout.write(text())
