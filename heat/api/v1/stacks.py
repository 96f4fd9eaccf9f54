"""Stacks: create, list, show, update (PUT/PATCH), delete, preview,
abandon/export, name lookup (302), template/environment/files, outputs,
snapshots, validate, resource types and template versions."""

import json

import webob.exc

from heat.api.v1 import util
from heat.common import exception, identifier, template_format

#: request keys that are not ``args`` of the engine call (upstream's).
DATA_KEYS = ('stack_name', 'template', 'template_url', 'parameters',
             'environment', 'files', 'environment_files', 'files_container')

#: keys of list_stacks filters (the API's, translated by the engine).
FILTER_KEYS = ('id', 'status', 'name', 'action', 'tenant', 'username',
               'owner_id', 'stack_name', 'stack_status',
               'stack_status_reason', 'stack_owner', 'parent',
               'disable_rollback', 'timeout_mins', 'stack_user_project_id',
               'stack_action')


def format_stack(req, stack, keys=None):
    """The REST stack: ``id`` and ``links`` from the identity, action and
    status joined (``CREATE_COMPLETE``)."""
    out = {}
    for key, value in stack.items():
        if keys and key not in keys:
            continue
        if key == 'stack_identity':
            out['id'] = value['stack_id']
            out['links'] = [util.make_link(req, value)]
        elif key == 'stack_action':
            continue
        elif key == 'stack_status' and 'stack_action' in stack:
            out[key] = '_'.join(p for p in (stack['stack_action'], value)
                                if p)
        else:
            out[key] = value
    return out


def _check_type(name, value, types, type_name):
    if value is not None and not isinstance(value, types):
        raise webob.exc.HTTPBadRequest(
            'The "%s" of the request must be %s, not %s.'
            % (name, type_name, type(value).__name__))


class InstantiationData:
    """The body of a create, preview or update request."""

    def __init__(self, data, patch=False):
        self.data = dict(data)
        self.patch = patch
        if patch:
            self.data['existing'] = True
        _check_type('stack_name', self.data.get('stack_name'), str, 'text')
        _check_type('parameters', self.data.get('parameters'), dict,
                    'an object')
        _check_type('files', self.data.get('files'), dict, 'an object')
        _check_type('environment_files',
                    self.data.get('environment_files'), list, 'a list')
        _check_type('template', self.data.get('template'), (str, dict),
                    'text or an object')
        _check_type('environment', self.data.get('environment'),
                    (str, dict), 'text or an object')
        for name, content in (self.data.get('files') or {}).items():
            _check_type('files.%s' % name, content, str, 'text')

    def stack_name(self):
        name = self.data.get('stack_name')
        if not name:
            raise webob.exc.HTTPBadRequest('No stack name specified')
        return name

    def template(self):
        adopt = self.data.get('adopt_stack_data')
        if adopt:
            try:
                parsed = (template_format.simple_parse(adopt)
                          if isinstance(adopt, str) else adopt)
                return parsed['template']
            except (ValueError, KeyError, TypeError) as exc:
                raise webob.exc.HTTPBadRequest(
                    'Invalid adopt data: %s' % exc) from exc
        tmpl = self.data.get('template')
        if tmpl is None and self.data.get('template_url'):
            raise webob.exc.HTTPBadRequest(
                'Could not retrieve template: template_url is not '
                'supported here; send the template itself.')
        if tmpl is None:
            if self.patch:
                return None
            raise webob.exc.HTTPBadRequest('No template specified')
        if isinstance(tmpl, dict):
            # a template sent as a JSON object is held to the same limit
            # as one sent as text
            template_format.check_size(json.dumps(tmpl))
            return tmpl
        try:
            return template_format.parse(tmpl)
        except ValueError as exc:
            raise webob.exc.HTTPBadRequest(
                'Template not in valid format: %s' % exc) from exc

    def environment(self):
        env = self.data.get('environment')
        if isinstance(env, str):
            from heat.common import environment_format
            try:
                env = environment_format.parse(env)
            except ValueError as exc:
                raise webob.exc.HTTPBadRequest(
                    'Environment not in valid format: %s' % exc) from exc
        env = dict(env or {})
        params = dict(env.get('parameters') or {})
        params.update(self.data.get('parameters') or {})
        env['parameters'] = params
        return env

    def files(self):
        return dict(self.data.get('files') or {})

    def environment_files(self):
        return self.data.get('environment_files')

    def args(self, is_update=False):
        args = {k: v for k, v in self.data.items() if k not in DATA_KEYS}
        if 'timeout_mins' in args:
            args['timeout_mins'] = util.extract_int('timeout_mins',
                                                    args['timeout_mins'])
        if 'disable_rollback' in args and args['disable_rollback'] \
                is not None:
            args['disable_rollback'] = util.extract_bool(
                'disable_rollback', args['disable_rollback'])
        if 'clear_parameters' in args:
            clear = args['clear_parameters']
            if isinstance(clear, str):
                clear = [clear]
            if not isinstance(clear, list) or not all(
                    isinstance(c, str) for c in clear):
                raise webob.exc.HTTPBadRequest(
                    'clear_parameters must be a list of parameter names')
            args['clear_parameters'] = clear
        if not is_update and 'converge' in args:
            raise webob.exc.HTTPBadRequest(
                'converge flag only supported in stack update (or update '
                'preview) request.')
        return args


class StackController:
    POLICY_SCOPE = 'stacks'

    def __init__(self, engine, conf=None):
        self.engine = engine
        self.conf = conf

    # -- collection ---------------------------------------------------------

    def index(self, req):
        params = util.single_params(req, (
            'limit', 'marker', 'sort_dir', 'show_deleted', 'show_nested',
            'show_hidden', 'tags', 'tags_any', 'not_tags', 'not_tags_any'))
        sort_keys = req.params.getall('sort_keys')
        if sort_keys:
            params['sort_keys'] = sort_keys
        for name in ('show_deleted', 'show_nested', 'show_hidden'):
            if name in params:
                params[name] = util.extract_bool(name, params[name])
        if 'limit' in params:
            params['limit'] = util.extract_int('limit', params['limit'])
        for name in ('tags', 'tags_any', 'not_tags', 'not_tags_any'):
            if name in params:
                params[name] = [t for t in params[name].split(',') if t]
        if 'sort_dir' in params and params['sort_dir'] not in ('asc',
                                                               'desc'):
            raise webob.exc.HTTPBadRequest(
                'Invalid sort direction %s' % params['sort_dir'])
        filters = util.mixed_params(req, FILTER_KEYS) or None
        with_count = False
        if 'with_count' in req.params:
            with_count = util.extract_bool('with_count',
                                           req.params['with_count'])
        stacks = self.engine.list_stacks(req.context, filters=filters,
                                         **params)
        result = {'stacks': [format_stack(req, s) for s in stacks]}
        if with_count:
            count_args = {k: v for k, v in params.items()
                          if k not in ('limit', 'marker', 'sort_keys',
                                       'sort_dir')}
            result['count'] = self.engine.count_stacks(
                req.context, filters=filters, **count_args)
        return result

    def detail(self, req):
        stacks = self.engine.list_stacks(req.context)
        return {'stacks': [format_stack(req, s) for s in stacks]}

    def create(self, req):
        data = InstantiationData(util.body_dict(req))
        result = self.engine.create_stack(
            req.context, data.stack_name(), data.template(),
            data.environment(), data.files(), data.args(),
            environment_files=data.environment_files())
        stack = format_stack(req, {'stack_identity': result})
        resp = webob.Response(status=201, content_type='application/json',
                              charset='UTF-8')
        resp.json_body = {'stack': stack}
        resp.headers['Location'] = stack['links'][0]['href']
        return resp

    def preview(self, req):
        data = InstantiationData(util.body_dict(req))
        result = self.engine.preview_stack(
            req.context, data.stack_name(), data.template(),
            data.environment(), data.files(), data.args(),
            environment_files=data.environment_files())
        return {'stack': format_stack(req, result)}

    # -- lookup -------------------------------------------------------------

    def lookup(self, req, stack_name, path=''):
        """302 to the canonical ``/stacks/<name>/<id>[/<path>]``."""
        try:
            identity = dict(identifier.HeatIdentifier.from_arn(stack_name))
        except ValueError:
            identity = self.engine.identify_stack(req.context, stack_name)
        else:
            # an ARN names its project: only the caller's may be found;
            # its sub-path (``.../resources/r``) is kept, as upstream does
            sub_path = identity.get('path') or ''
            identity = dict(self.engine.identify_stack(
                req.context, identity['stack_id']))
            identity['path'] = sub_path
        location = util.make_url(req, identity)
        if path:
            location = '%s/%s' % (location, path)
        raise util.redirect(location, req.GET.items())

    # -- one stack ----------------------------------------------------------

    def show(self, req, stack_name, stack_id):
        resolve = True
        if 'resolve_outputs' in req.params:
            resolve = util.extract_bool('resolve_outputs',
                                        req.params['resolve_outputs'])
        stacks = self.engine.show_stack(
            req.context, util.stack_identity(req, stack_name, stack_id),
            resolve_outputs=resolve)
        if not stacks:
            raise exception.StackNotFound(stack_name=stack_name)
        return {'stack': format_stack(req, stacks[0])}

    def template(self, req, stack_name, stack_id):
        return self.engine.get_template(
            req.context, util.stack_identity(req, stack_name, stack_id))

    def environment(self, req, stack_name, stack_id):
        return self.engine.get_environment(
            req.context, util.stack_identity(req, stack_name, stack_id))

    def files(self, req, stack_name, stack_id):
        return self.engine.get_files(
            req.context, util.stack_identity(req, stack_name, stack_id))

    def _update(self, req, stack_name, stack_id, patch):
        data = InstantiationData(util.body_dict(req), patch=patch)
        self.engine.update_stack(
            req.context, util.stack_identity(req, stack_name, stack_id),
            data.template(), data.environment(), data.files(),
            data.args(is_update=True),
            environment_files=data.environment_files())
        raise webob.exc.HTTPAccepted()

    def update(self, req, stack_name, stack_id):
        return self._update(req, stack_name, stack_id, patch=False)

    def update_patch(self, req, stack_name, stack_id):
        return self._update(req, stack_name, stack_id, patch=True)

    def _preview_update(self, req, stack_name, stack_id, patch):
        data = InstantiationData(util.body_dict(req), patch=patch)
        args = data.args(is_update=True)
        if 'show_nested' in req.params:
            args['show_nested'] = util.extract_bool(
                'show_nested', req.params['show_nested'])
        changes = self.engine.preview_update_stack(
            req.context, util.stack_identity(req, stack_name, stack_id),
            data.template(), data.environment(), data.files(), args,
            environment_files=data.environment_files())
        return {'resource_changes': changes}

    def preview_update(self, req, stack_name, stack_id):
        return self._preview_update(req, stack_name, stack_id, False)

    def preview_update_patch(self, req, stack_name, stack_id):
        return self._preview_update(req, stack_name, stack_id, True)

    def delete(self, req, stack_name, stack_id):
        self.engine.delete_stack(
            req.context, util.stack_identity(req, stack_name, stack_id))
        raise webob.exc.HTTPNoContent()

    def abandon(self, req, stack_name, stack_id):
        return self.engine.abandon_stack(
            req.context, util.stack_identity(req, stack_name, stack_id))

    def export(self, req, stack_name, stack_id):
        return self.engine.export_stack(
            req.context, util.stack_identity(req, stack_name, stack_id))

    # -- snapshots (upstream's answers: the snapshot itself with a 200,
    # 204 for a delete, 202 for a restore, which runs in the engine) -----

    def snapshot(self, req, stack_name, stack_id):
        body = util.body_dict(req, required=False)
        _check_type('name', body.get('name'), str, 'text')
        return self.engine.stack_snapshot(
            req.context, util.stack_identity(req, stack_name, stack_id),
            body.get('name'))

    def list_snapshots(self, req, stack_name, stack_id):
        return {'snapshots': self.engine.stack_list_snapshots(
            req.context, util.stack_identity(req, stack_name, stack_id))}

    def show_snapshot(self, req, stack_name, stack_id, snapshot_id):
        return {'snapshot': self.engine.show_snapshot(
            req.context, util.stack_identity(req, stack_name, stack_id),
            snapshot_id)}

    def delete_snapshot(self, req, stack_name, stack_id, snapshot_id):
        self.engine.delete_snapshot(
            req.context, util.stack_identity(req, stack_name, stack_id),
            snapshot_id)
        raise webob.exc.HTTPNoContent()

    def restore_snapshot(self, req, stack_name, stack_id, snapshot_id):
        self.engine.stack_restore(
            req.context, util.stack_identity(req, stack_name, stack_id),
            snapshot_id)
        raise webob.exc.HTTPAccepted()

    def list_outputs(self, req, stack_name, stack_id):
        return {'outputs': self.engine.list_outputs(
            req.context, util.stack_identity(req, stack_name, stack_id))}

    def show_output(self, req, stack_name, stack_id, output_key):
        return {'output': self.engine.show_output(
            req.context, util.stack_identity(req, stack_name, stack_id),
            output_key)}

    # -- templates ----------------------------------------------------------

    def validate_template(self, req):
        data = InstantiationData(util.body_dict(req))
        show_nested = False
        if 'show_nested' in req.params:
            show_nested = util.extract_bool('show_nested',
                                            req.params['show_nested'])
        ignorable = None
        if req.params.get('ignore_errors'):
            ignorable = req.params['ignore_errors'].split(',')
        result = self.engine.validate_template(
            req.context, data.template(), data.environment(),
            files=data.files(), environment_files=data.environment_files(),
            show_nested=show_nested, ignorable_errors=ignorable)
        if 'Error' in result:
            raise webob.exc.HTTPBadRequest(result['Error'])
        return result

    def _engine_call(self, name, feature):
        fn = getattr(self.engine, name, None)
        if fn is None:
            raise exception.NotSupported(feature=feature)
        return fn

    def list_resource_types(self, req):
        with_description = False
        if req.params.get('with_description') is not None:
            with_description = util.extract_bool(
                'with_description', req.params['with_description'])
        fn = self._engine_call('list_resource_types',
                               'Listing resource types')
        return {'resource_types': fn(
            req.context, support_status=req.params.get('support_status'),
            type_name=req.params.get('name'),
            heat_version=req.params.get('version'),
            with_description=with_description)}

    def resource_schema(self, req, type_name):
        with_description = util.extract_bool(
            'with_description', req.params.get('with_description', 'false'))
        fn = self._engine_call('resource_schema',
                               'Showing a resource type')
        return fn(req.context, type_name, with_description)

    def generate_template(self, req, type_name):
        template_type = req.params.get('template_type', 'cfn')
        if template_type not in ('cfn', 'hot'):
            raise webob.exc.HTTPBadRequest(
                'Template type is not supported: Invalid template type '
                '"%s", valid types are: cfn, hot.' % template_type)
        fn = self._engine_call('generate_template',
                               'Generating a template of a resource type')
        return fn(req.context, type_name, template_type)

    def list_template_versions(self, req):
        fn = self._engine_call('list_template_versions',
                               'Listing template versions')
        return {'template_versions': fn(req.context)}

    def list_template_functions(self, req, template_version):
        with_condition = False
        if req.params.get('with_condition_func') is not None:
            with_condition = util.extract_bool(
                'with_condition_func', req.params['with_condition_func'])
        fn = self._engine_call('list_template_functions',
                               'Listing template functions')
        return {'template_functions': fn(req.context, template_version,
                                         with_condition)}
