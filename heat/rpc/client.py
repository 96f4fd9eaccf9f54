"""EngineClient: the one client of the engine RPC API.

One method per engine RPC, with upstream Heat's names, arguments and
pinned versions (heat/rpc/client.py upstream). Every method is a
``call`` except ``delete_stack(..., cast=True)``, which is a ``cast``.

What goes over the wire, whatever the transport:

- the context as ``RequestContext.to_dict()`` (rebuilt with
  ``from_dict`` by the engine, so project scoping holds remotely);
- the arguments and the result as JSON (``oslo_serialization``);
- the engine's reply envelope: ``{'result': ...}`` or ``{'failure':
  {'type', 'module', 'message', 'attrs'}}``. A failure of a
  :mod:`heat.common.exception` class is raised here again as that class
  with the same message (and its JSON-safe attributes, e.g.
  ``StackValidationFailed.path``); anything else is
  :class:`~heat.common.exception.RemoteError` carrying the type and
  message. Callers therefore see the exceptions a direct
  :class:`~heat.engine.service.EngineService` call raises.

The transport comes from configuration (:func:`heat.rpc.transport.
get_transport`); this module never asks which one it has.
"""

from heat.common import context as context_mod
from heat.common import exception
from heat.rpc import api as rpc_api
from heat.rpc import transport as rpc_transport

#: the API version of the auto-scaling methods
AS_VERSION = '1.37'
#: what the Auto-Scaling REST API added: members and activities one by
#: one, group list filters, If-Match versions (``expected_version``), the
#: stack-ownership guard (``refuse_stack_owned``), idempotency records
AS_API_VERSION = '1.38'
#: ``attributes`` of ``list_scaling_members`` / ``show_scaling_member``:
#: the values of attributes of the members' resources (what
#: OS::Heat::AutoScalingGroup's ``outputs`` attribute gives). Sent, with
#: this version, only when given: without it the call is 1.38's
AS_MEMBER_ATTRIBUTES_VERSION = '1.39'
#: ``health_check`` of ``create_scaling_group``/``update_scaling_group``
#: (self-healing groups); sent, with this version, only when given
AS_HEALTH_VERSION = '1.40'
#: metric-driven scaling: pushed metric samples, the evaluation of a
#: group's metric policies, the comparison of a shadow policy (the
#: ``step`` and ``target_tracking`` policy kinds travel in 1.37's
#: ``create_scaling_policy``)
AS_METRICS_VERSION = '1.41'
#: the engine serves upstream's software config and deployment RPCs. The
#: client methods keep upstream's pins (1.0, 1.5, 1.6, 1.27, 1.33), so
#: that upstream callers reach them; an older engine answers them with
#: ``NotSupported``
SOFTWARE_CONFIG_VERSION = '1.42'
#: the engine serves upstream's stack snapshot RPCs (``stack_snapshot``,
#: ``show_snapshot``, ``delete_snapshot``, ``stack_list_snapshots``,
#: ``stack_restore``); their client methods keep upstream's pin (1.0),
#: and an older engine answers them with ``NotSupported``
SNAPSHOT_VERSION = '1.43'
#: ``signal_event`` of ``execute_scaling_policy``: the SIGNAL event of the
#: scaling policy resource signalled, written in the decision's
#: transaction (one write transaction less per signal); sent, with this
#: version, only when given
AS_SIGNAL_EVENT_VERSION = '1.44'


def context_to_dict(ctxt):
    """The wire form of a request context (a dict passes unchanged)."""
    if ctxt is None:
        return {}
    if isinstance(ctxt, dict):
        return dict(ctxt)
    return ctxt.to_dict()


def context_from_dict(values):
    return context_mod.RequestContext.from_dict(values)


def exception_from_failure(failure):
    """The exception a reply's ``failure`` stands for."""
    name = failure.get('type') or 'Exception'
    message = failure.get('message') or ''
    module = failure.get('module')
    cls = getattr(exception, name, None)
    if (module == exception.__name__ and isinstance(cls, type) and
            issubclass(cls, exception.HeatException)):
        exc = cls.__new__(cls)
        Exception.__init__(exc, message)
        exc.kwargs = {}
        for key, value in (failure.get('attrs') or {}).items():
            try:
                setattr(exc, key, value)
            except AttributeError:  # a read-only property
                pass
        exc.message = message
        return exc
    return exception.RemoteError(exc_type=name, value=message)


def unpack_reply(reply):
    """The result of a reply envelope; raises the failure it carries."""
    if not isinstance(reply, dict) or (
            rpc_api.REPLY_RESULT not in reply and
            rpc_api.REPLY_FAILURE not in reply):
        raise exception.RemoteError(exc_type='InvalidReply',
                                    value=repr(reply)[:200])
    failure = reply.get(rpc_api.REPLY_FAILURE)
    if failure is not None:
        raise exception_from_failure(failure)
    return reply.get(rpc_api.REPLY_RESULT)


def _names(attributes):
    """A list of attribute names (a single name: a list of it), None
    for none."""
    if attributes is None:
        return None
    if isinstance(attributes, str):
        return [attributes]
    return list(attributes)


class EngineClient:
    """The engine RPC API (upstream's ``heat.rpc.client.EngineClient``).

    ``transport``: a transport of :mod:`heat.rpc.transport`, a
    configuration (its ``transport_url``) or a URL; None for the process
    configuration's. ``topic`` and ``server`` address the engines
    (tests use a unique topic per run); ``timeout`` (seconds) overrides
    ``rpc_response_timeout`` for calls on a message bus.
    """

    BASE_RPC_API_VERSION = rpc_api.BASE_RPC_API_VERSION

    def __init__(self, transport=None, topic=rpc_api.ENGINE_TOPIC,
                 server=None, timeout=None):
        if transport is None:
            from heat.common import config
            transport = config.CONF
        if not hasattr(transport, 'make_server'):
            transport = rpc_transport.get_transport(transport)
        self.transport = transport
        self.topic = topic
        self.timeout = timeout
        self._target = rpc_transport.Target(topic=topic, server=server)

    # -- plumbing ----------------------------------------------------------

    def call(self, ctxt, method, version=None, **kwargs):
        """Call ``method`` on an engine and return its result."""
        return self._call(ctxt, method, kwargs, version)

    def _call(self, ctxt, method, kwargs, version=None):
        # The arguments travel as a dict: an RPC argument may be called
        # ``timeout`` (check_software_deployment).
        reply = self.transport.call(
            self._target, context_to_dict(ctxt), method, kwargs,
            version=version or self.BASE_RPC_API_VERSION,
            timeout=self.timeout)
        return unpack_reply(reply)

    def cast(self, ctxt, method, version=None, **kwargs):
        """Send ``method`` to an engine without waiting for it."""
        self.transport.cast(
            self._target, context_to_dict(ctxt), method, kwargs,
            version=version or self.BASE_RPC_API_VERSION)

    @staticmethod
    def local_error_name(error):
        """The class name of an error, as upstream's helper gives it."""
        name = type(error).__name__
        if name == 'RemoteError':
            return getattr(error, 'exc_type', name)
        return name[:-len('_Remote')] if name.endswith('_Remote') else name

    def ignore_error_named(self, error, name):
        """Re-raise ``error`` unless its class name is ``name``."""
        if self.local_error_name(error) != name:
            raise error

    # -- stacks: lookup and listing ----------------------------------------

    def identify_stack(self, ctxt, stack_name):
        return self.call(ctxt, 'identify_stack', stack_name=stack_name)

    def list_stacks(self, ctxt, limit=None, marker=None, sort_keys=None,
                    sort_dir=None, filters=None, tenant_safe=True,
                    show_deleted=False, show_nested=False, show_hidden=False,
                    tags=None, tags_any=None, not_tags=None,
                    not_tags_any=None):
        # tenant_safe left the wire in 1.33 (the engine always scopes).
        return self.call(ctxt, 'list_stacks', version='1.33', limit=limit,
                         marker=marker, sort_keys=sort_keys,
                         sort_dir=sort_dir, filters=filters,
                         show_deleted=show_deleted, show_nested=show_nested,
                         show_hidden=show_hidden, tags=tags,
                         tags_any=tags_any, not_tags=not_tags,
                         not_tags_any=not_tags_any)

    def count_stacks(self, ctxt, filters=None, tenant_safe=True,
                     show_deleted=False, show_nested=False, show_hidden=False,
                     tags=None, tags_any=None, not_tags=None,
                     not_tags_any=None):
        return self.call(ctxt, 'count_stacks', version='1.33',
                         filters=filters, show_deleted=show_deleted,
                         show_nested=show_nested, show_hidden=show_hidden,
                         tags=tags, tags_any=tags_any, not_tags=not_tags,
                         not_tags_any=not_tags_any)

    def show_stack(self, ctxt, stack_identity, resolve_outputs=True):
        return self.call(ctxt, 'show_stack', version='1.20',
                         stack_identity=stack_identity,
                         resolve_outputs=resolve_outputs)

    # -- stacks: create, update, delete ------------------------------------

    def preview_stack(self, ctxt, stack_name, template, params, files, args,
                      environment_files=None, files_container=None):
        return self.call(ctxt, 'preview_stack', version='1.36',
                         stack_name=stack_name, template=template,
                         params=params, files=files, args=args,
                         environment_files=environment_files,
                         files_container=files_container)

    def create_stack(self, ctxt, stack_name, template, params, files, args,
                     environment_files=None, files_container=None):
        return self._create_stack(ctxt, stack_name, template, params, files,
                                  args, environment_files=environment_files,
                                  files_container=files_container)

    def _create_stack(self, ctxt, stack_name, template, params, files, args,
                      environment_files=None, files_container=None,
                      owner_id=None, nested_depth=0, user_creds_id=None,
                      stack_user_project_id=None,
                      parent_resource_name=None, template_id=None):
        """create_stack with the engine-internal extras (nested stacks)."""
        return self.call(ctxt, 'create_stack', version='1.36',
                         stack_name=stack_name, template=template,
                         params=params, files=files, args=args,
                         environment_files=environment_files,
                         files_container=files_container,
                         owner_id=owner_id, nested_depth=nested_depth,
                         user_creds_id=user_creds_id,
                         stack_user_project_id=stack_user_project_id,
                         parent_resource_name=parent_resource_name,
                         template_id=template_id)

    def update_stack(self, ctxt, stack_identity, template, params, files,
                     args, environment_files=None, files_container=None):
        return self._update_stack(ctxt, stack_identity, template, params,
                                  files, args,
                                  environment_files=environment_files,
                                  files_container=files_container)

    def _update_stack(self, ctxt, stack_identity, template, params, files,
                      args, environment_files=None, files_container=None,
                      template_id=None):
        return self.call(ctxt, 'update_stack', version='1.36',
                         stack_identity=stack_identity, template=template,
                         params=params, files=files, args=args,
                         environment_files=environment_files,
                         files_container=files_container,
                         template_id=template_id)

    def preview_update_stack(self, ctxt, stack_identity, template, params,
                             files, args, environment_files=None,
                             files_container=None):
        return self.call(ctxt, 'preview_update_stack', version='1.36',
                         stack_identity=stack_identity, template=template,
                         params=params, files=files, args=args,
                         environment_files=environment_files,
                         files_container=files_container)

    def delete_stack(self, ctxt, stack_identity, cast=False):
        """Delete a stack; ``cast=True`` sends it without waiting (errors
        such as StackNotFound are then only logged by the engine)."""
        if cast:
            return self.cast(ctxt, 'delete_stack',
                             stack_identity=stack_identity)
        return self.call(ctxt, 'delete_stack',
                         stack_identity=stack_identity)

    def abandon_stack(self, ctxt, stack_identity):
        return self.call(ctxt, 'abandon_stack',
                         stack_identity=stack_identity)

    def export_stack(self, ctxt, stack_identity):
        return self.call(ctxt, 'export_stack', version='1.22',
                         stack_identity=stack_identity)

    # -- stacks: other actions ---------------------------------------------

    def stack_suspend(self, ctxt, stack_identity):
        return self.call(ctxt, 'stack_suspend',
                         stack_identity=stack_identity)

    def stack_resume(self, ctxt, stack_identity):
        return self.call(ctxt, 'stack_resume',
                         stack_identity=stack_identity)

    def stack_check(self, ctxt, stack_identity):
        return self.call(ctxt, 'stack_check', stack_identity=stack_identity)

    def stack_cancel_update(self, ctxt, stack_identity,
                            cancel_with_rollback=True):
        return self.call(ctxt, 'stack_cancel_update', version='1.14',
                         stack_identity=stack_identity,
                         cancel_with_rollback=cancel_with_rollback)

    def migrate_convergence_1(self, ctxt, stack_id):
        return self.call(ctxt, 'migrate_convergence_1', version='1.34',
                         stack_id=stack_id)

    # -- templates, environments, files, outputs ---------------------------

    def get_template(self, ctxt, stack_identity):
        return self.call(ctxt, 'get_template', stack_identity=stack_identity)

    def get_environment(self, ctxt, stack_identity):
        return self.call(ctxt, 'get_environment', version='1.28',
                         stack_identity=stack_identity)

    def get_files(self, ctxt, stack_identity):
        return self.call(ctxt, 'get_files', version='1.32',
                         stack_identity=stack_identity)

    def list_outputs(self, ctxt, stack_identity):
        return self.call(ctxt, 'list_outputs', version='1.19',
                         stack_identity=stack_identity)

    def show_output(self, ctxt, stack_identity, output_key):
        return self.call(ctxt, 'show_output', version='1.19',
                         stack_identity=stack_identity,
                         output_key=output_key)

    # -- templates and validation ------------------------------------------

    def validate_template(self, ctxt, template, params=None, files=None,
                          environment_files=None, files_container=None,
                          show_nested=False, ignorable_errors=None):
        return self.call(ctxt, 'validate_template', version='1.36',
                         template=template, params=params, files=files,
                         environment_files=environment_files,
                         files_container=files_container,
                         show_nested=show_nested,
                         ignorable_errors=ignorable_errors)

    def list_template_versions(self, ctxt):
        return self.call(ctxt, 'list_template_versions', version='1.11')

    def list_template_functions(self, ctxt, template_version,
                                with_condition=False):
        return self.call(ctxt, 'list_template_functions', version='1.35',
                         template_version=template_version,
                         with_condition=with_condition)

    def list_resource_types(self, ctxt, support_status=None, type_name=None,
                            heat_version=None, with_description=False):
        return self.call(ctxt, 'list_resource_types', version='1.30',
                         support_status=support_status, type_name=type_name,
                         heat_version=heat_version,
                         with_description=with_description)

    def resource_schema(self, ctxt, type_name, with_description=False):
        return self.call(ctxt, 'resource_schema', version='1.30',
                         type_name=type_name,
                         with_description=with_description)

    def generate_template(self, ctxt, type_name, template_type='cfn'):
        return self.call(ctxt, 'generate_template', version='1.9',
                         type_name=type_name, template_type=template_type)

    # -- resources -----------------------------------------------------------

    def list_stack_resources(self, ctxt, stack_identity, nested_depth=0,
                             with_detail=False, filters=None):
        return self.call(ctxt, 'list_stack_resources', version='1.25',
                         stack_identity=stack_identity,
                         nested_depth=nested_depth, with_detail=with_detail,
                         filters=filters)

    def describe_stack_resource(self, ctxt, stack_identity, resource_name,
                                with_attr=None):
        # None (the engine's default): the resource's attributes; False:
        # none; a list: those too.
        return self.call(ctxt, 'describe_stack_resource', version='1.2',
                         stack_identity=stack_identity,
                         resource_name=resource_name, with_attr=with_attr)

    def describe_stack_resources(self, ctxt, stack_identity, resource_name):
        return self.call(ctxt, 'describe_stack_resources',
                         stack_identity=stack_identity,
                         resource_name=resource_name)

    def find_physical_resource(self, ctxt, physical_resource_id):
        return self.call(ctxt, 'find_physical_resource',
                         physical_resource_id=physical_resource_id)

    def resource_signal(self, ctxt, stack_identity, resource_name, details,
                        sync_call=False, idempotency_key=None):
        if idempotency_key is None:
            return self.call(ctxt, 'resource_signal', version='1.3',
                             stack_identity=stack_identity,
                             resource_name=resource_name, details=details,
                             sync_call=sync_call)
        return self.call(ctxt, 'resource_signal', version=AS_VERSION,
                         stack_identity=stack_identity,
                         resource_name=resource_name, details=details,
                         sync_call=sync_call,
                         idempotency_key=idempotency_key)

    def resource_mark_unhealthy(self, ctxt, stack_identity, resource_name,
                                mark_unhealthy, resource_status_reason=None):
        return self.call(ctxt, 'resource_mark_unhealthy', version='1.26',
                         stack_identity=stack_identity,
                         resource_name=resource_name,
                         mark_unhealthy=mark_unhealthy,
                         resource_status_reason=resource_status_reason)

    # -- events --------------------------------------------------------------

    def list_events(self, ctxt, stack_identity, filters=None, limit=None,
                    marker=None, sort_keys=None, sort_dir=None,
                    nested_depth=None):
        return self.call(ctxt, 'list_events', version='1.31',
                         stack_identity=stack_identity, filters=filters,
                         limit=limit, marker=marker, sort_keys=sort_keys,
                         sort_dir=sort_dir, nested_depth=nested_depth)

    # -- snapshots (served since 1.43) ---------------------------------------

    def stack_snapshot(self, ctxt, stack_identity, name):
        return self.call(ctxt, 'stack_snapshot',
                         stack_identity=stack_identity, name=name)

    def show_snapshot(self, ctxt, stack_identity, snapshot_id):
        return self.call(ctxt, 'show_snapshot',
                         stack_identity=stack_identity,
                         snapshot_id=snapshot_id)

    def delete_snapshot(self, ctxt, stack_identity, snapshot_id):
        return self.call(ctxt, 'delete_snapshot',
                         stack_identity=stack_identity,
                         snapshot_id=snapshot_id)

    def stack_list_snapshots(self, ctxt, stack_identity):
        return self.call(ctxt, 'stack_list_snapshots',
                         stack_identity=stack_identity)

    def stack_restore(self, ctxt, stack_identity, snapshot_id):
        return self.call(ctxt, 'stack_restore',
                         stack_identity=stack_identity,
                         snapshot_id=snapshot_id)

    # -- software configs and deployments (served since 1.42) ---------------

    def list_software_configs(self, ctxt, limit=None, marker=None,
                              tenant_safe=True):
        return self.call(ctxt, 'list_software_configs', version='1.33',
                         limit=limit, marker=marker)

    def show_software_config(self, ctxt, config_id):
        return self.call(ctxt, 'show_software_config', config_id=config_id)

    def create_software_config(self, ctxt, group, name, config, inputs=None,
                               outputs=None, options=None):
        return self.call(ctxt, 'create_software_config', group=group,
                         name=name, config=config, inputs=inputs or [],
                         outputs=outputs or [], options=options or {})

    def delete_software_config(self, ctxt, config_id):
        return self.call(ctxt, 'delete_software_config',
                         config_id=config_id)

    def list_software_deployments(self, ctxt, server_id=None):
        return self.call(ctxt, 'list_software_deployments',
                         server_id=server_id)

    def metadata_software_deployments(self, ctxt, server_id):
        return self.call(ctxt, 'metadata_software_deployments',
                         server_id=server_id)

    def show_software_deployment(self, ctxt, deployment_id):
        return self.call(ctxt, 'show_software_deployment',
                         deployment_id=deployment_id)

    def check_software_deployment(self, ctxt, deployment_id, timeout):
        return self._call(ctxt, 'check_software_deployment',
                          {'deployment_id': deployment_id,
                           'timeout': timeout}, version='1.27')

    def create_software_deployment(self, ctxt, server_id, config_id=None,
                                   input_values=None, action='INIT',
                                   status='COMPLETE', status_reason='',
                                   stack_user_project_id=None,
                                   deployment_id=None):
        return self.call(ctxt, 'create_software_deployment',
                         server_id=server_id, config_id=config_id,
                         deployment_id=deployment_id,
                         input_values=input_values, action=action,
                         status=status, status_reason=status_reason,
                         stack_user_project_id=stack_user_project_id)

    def update_software_deployment(self, ctxt, deployment_id,
                                   config_id=None, input_values=None,
                                   output_values=None, action=None,
                                   status=None, status_reason=None,
                                   updated_at=None):
        return self.call(ctxt, 'update_software_deployment', version='1.5',
                         deployment_id=deployment_id, config_id=config_id,
                         input_values=input_values,
                         output_values=output_values, action=action,
                         status=status, status_reason=status_reason,
                         updated_at=updated_at)

    def delete_software_deployment(self, ctxt, deployment_id):
        return self.call(ctxt, 'delete_software_deployment',
                         deployment_id=deployment_id)

    def signal_software_deployment(self, ctxt, deployment_id, details,
                                   updated_at=None):
        return self.call(ctxt, 'signal_software_deployment', version='1.6',
                         deployment_id=deployment_id, details=details,
                         updated_at=updated_at)

    # -- auto-scaling (heat.engine.autoscaling; API 1.37) --------------------

    def _as(self, ctxt, method, _since_138=None, _since_140=None,
            **kwargs):
        """An AS call; the arguments in ``_since_138`` that are set (not
        None, not False) go too, and then the call needs 1.38; those in
        ``_since_140`` that are not None, 1.40."""
        version = AS_VERSION
        extra = {k: v for k, v in (_since_138 or {}).items()
                 if v is not None and v is not False}
        if extra:
            kwargs.update(extra)
            version = AS_API_VERSION
        extra = {k: v for k, v in (_since_140 or {}).items()
                 if v is not None}
        if extra:
            kwargs.update(extra)
            version = AS_HEALTH_VERSION
        return self.call(ctxt, method, version=version, **kwargs)

    def _as138(self, ctxt, method, _since_139=None, **kwargs):
        """A 1.38 call; the arguments in ``_since_139`` that are set (not
        None, not empty) go too, and then the call needs 1.39."""
        version = AS_API_VERSION
        extra = {k: v for k, v in (_since_139 or {}).items()
                 if v is not None and v != [] and v != ()}
        if extra:
            kwargs.update(extra)
            version = AS_MEMBER_ATTRIBUTES_VERSION
        return self.call(ctxt, method, version=version, **kwargs)

    def create_scaling_group(self, ctxt, name, min_size, max_size,
                             member_definition, desired_capacity=None,
                             cooldown=None, template_format='hot',
                             removal_policy='default', rolling_update=None,
                             stack_identity=None, resource_name=None,
                             environment=None, files=None, group_id=None,
                             health_check=None, lifecycle_hooks=None):
        return self._as(ctxt, 'create_scaling_group', name=name,
                        _since_140={'health_check': health_check,
                                    'lifecycle_hooks': lifecycle_hooks},
                        min_size=min_size, max_size=max_size,
                        member_definition=member_definition,
                        desired_capacity=desired_capacity,
                        cooldown=cooldown, template_format=template_format,
                        removal_policy=removal_policy,
                        rolling_update=rolling_update,
                        stack_identity=stack_identity,
                        resource_name=resource_name,
                        environment=environment, files=files,
                        group_id=group_id)

    def update_scaling_group(self, ctxt, group, min_size=None,
                             max_size=None, desired_capacity=None,
                             cooldown=None, member_definition=None,
                             rolling_update=None, replace_members=None,
                             removal_policy=None, environment=None,
                             files=None, expected_version=None,
                             refuse_stack_owned=False, name=None,
                             health_check=None, lifecycle_hooks=None):
        """``health_check``: None unchanged, ``{}`` removed;
        ``lifecycle_hooks``: None unchanged, ``[]`` removed."""
        return self._as(ctxt, 'update_scaling_group', group=group,
                        _since_138={
                            'name': name,
                            'expected_version': expected_version,
                            'refuse_stack_owned': refuse_stack_owned},
                        _since_140={'health_check': health_check,
                                    'lifecycle_hooks': lifecycle_hooks},
                        min_size=min_size, max_size=max_size,
                        desired_capacity=desired_capacity,
                        cooldown=cooldown,
                        member_definition=member_definition,
                        rolling_update=rolling_update,
                        replace_members=replace_members,
                        removal_policy=removal_policy,
                        environment=environment, files=files)

    def delete_scaling_group(self, ctxt, group, expected_version=None,
                             refuse_stack_owned=False):
        return self._as(ctxt, 'delete_scaling_group', group=group,
                        _since_138={
                            'expected_version': expected_version,
                            'refuse_stack_owned': refuse_stack_owned})

    def request_scaling_group_converge(self, ctxt, group,
                                       expected_version=None):
        return self._as138(ctxt, 'request_scaling_group_converge',
                           group=group, expected_version=expected_version)

    def show_scaling_group(self, ctxt, group, with_members=False):
        return self._as(ctxt, 'show_scaling_group', group=group,
                        with_members=with_members)

    def list_scaling_groups(self, ctxt, limit=None, marker=None,
                            stack_identity=None, sort_key=None,
                            sort_dir=None, filters=None):
        return self._as(ctxt, 'list_scaling_groups', limit=limit,
                        marker=marker, stack_identity=stack_identity,
                        _since_138={'sort_key': sort_key,
                                    'sort_dir': sort_dir,
                                    'filters': filters or None})

    def suspend_scaling_group(self, ctxt, group, expected_version=None):
        return self._as(ctxt, 'suspend_scaling_group', group=group,
                        _since_138={'expected_version': expected_version})

    def resume_scaling_group(self, ctxt, group, expected_version=None):
        return self._as(ctxt, 'resume_scaling_group', group=group,
                        _since_138={'expected_version': expected_version})

    def create_scaling_policy(self, ctxt, group, name, adjustment_type,
                              scaling_adjustment, min_adjustment_step=None,
                              cooldown=None, kind='simple', params=None,
                              stack_identity=None, resource_name=None,
                              refuse_stack_owned=False):
        return self._as(ctxt, 'create_scaling_policy', group=group,
                        _since_138={
                            'refuse_stack_owned': refuse_stack_owned},
                        name=name, adjustment_type=adjustment_type,
                        scaling_adjustment=scaling_adjustment,
                        min_adjustment_step=min_adjustment_step,
                        cooldown=cooldown, kind=kind, params=params,
                        stack_identity=stack_identity,
                        resource_name=resource_name)

    def update_scaling_policy(self, ctxt, policy, refuse_stack_owned=False,
                              **changes):
        return self._as(ctxt, 'update_scaling_policy', policy=policy,
                        _since_138={
                            'refuse_stack_owned': refuse_stack_owned},
                        **changes)

    def delete_scaling_policy(self, ctxt, policy, refuse_stack_owned=False):
        return self._as(ctxt, 'delete_scaling_policy', policy=policy,
                        _since_138={
                            'refuse_stack_owned': refuse_stack_owned})

    def show_scaling_policy(self, ctxt, policy):
        return self._as(ctxt, 'show_scaling_policy', policy=policy)

    def list_scaling_policies(self, ctxt, group):
        return self._as(ctxt, 'list_scaling_policies', group=group)

    def execute_scaling_policy(self, ctxt, policy, idempotency_key=None,
                               details=None, trigger='rpc',
                               signal_event=None):
        if signal_event is not None:
            return self.call(ctxt, 'execute_scaling_policy',
                             version=AS_SIGNAL_EVENT_VERSION, policy=policy,
                             idempotency_key=idempotency_key,
                             details=details, trigger=trigger,
                             signal_event=signal_event)
        return self._as(ctxt, 'execute_scaling_policy', policy=policy,
                        idempotency_key=idempotency_key, details=details,
                        trigger=trigger)

    def resize_scaling_group(self, ctxt, group, capacity=None,
                             adjustment=None,
                             adjustment_type='change_in_capacity',
                             honor_cooldown=False, idempotency_key=None,
                             min_adjustment_step=None,
                             expected_version=None):
        return self._as(ctxt, 'resize_scaling_group', group=group,
                        _since_138={
                            'min_adjustment_step': min_adjustment_step,
                            'expected_version': expected_version},
                        capacity=capacity, adjustment=adjustment,
                        adjustment_type=adjustment_type,
                        honor_cooldown=honor_cooldown,
                        idempotency_key=idempotency_key)

    def create_webhook(self, ctxt, policy, name=None):
        return self._as(ctxt, 'create_webhook', policy=policy, name=name)

    def delete_webhook(self, ctxt, webhook):
        return self._as(ctxt, 'delete_webhook', webhook=webhook)

    def list_webhooks(self, ctxt, policy):
        return self._as(ctxt, 'list_webhooks', policy=policy)

    def execute_webhook(self, ctxt, token, idempotency_key=None,
                        details=None):
        return self._as(ctxt, 'execute_webhook', token=token,
                        idempotency_key=idempotency_key, details=details)

    def list_scaling_activities(self, ctxt, group, limit=None, marker=None):
        return self._as(ctxt, 'list_scaling_activities', group=group,
                        limit=limit, marker=marker)

    def show_scaling_activity(self, ctxt, group, activity):
        return self._as138(ctxt, 'show_scaling_activity', group=group,
                           activity=activity)

    def list_scaling_members(self, ctxt, group, attributes=None):
        """``attributes`` (1.39): names of attributes of the members'
        resources; each member then has ``attributes`` {name: value}."""
        return self._as138(ctxt, 'list_scaling_members', group=group,
                           _since_139={'attributes': _names(attributes)})

    def show_scaling_member(self, ctxt, group, member, attributes=None):
        return self._as138(ctxt, 'show_scaling_member', group=group,
                           member=member,
                           _since_139={'attributes': _names(attributes)})

    def update_scaling_member(self, ctxt, group, member, protected=None):
        return self._as138(ctxt, 'update_scaling_member', group=group,
                           member=member, protected=protected)

    def claim_idempotency_key(self, ctxt, key, fingerprint):
        return self._as138(ctxt, 'claim_idempotency_key', key=key,
                           fingerprint=fingerprint)

    def finish_idempotency_key(self, ctxt, key, status, body=None,
                               headers=None):
        return self._as138(ctxt, 'finish_idempotency_key', key=key,
                           status=status, body=body, headers=headers)

    def remove_scaling_members(self, ctxt, group, members, replace=False):
        return self._as(ctxt, 'remove_scaling_members', group=group,
                        members=members, replace=replace)

    def complete_lifecycle_action(self, ctxt, group, member, result):
        return self.call(ctxt, 'complete_lifecycle_action',
                         version=AS_HEALTH_VERSION, group=group,
                         member=member, result=result)

    def record_lifecycle_heartbeat(self, ctxt, group, member):
        return self.call(ctxt, 'record_lifecycle_heartbeat',
                         version=AS_HEALTH_VERSION, group=group,
                         member=member)

    def lifecycle_action_by_token(self, ctxt, token, result=None,
                                  heartbeat=False):
        return self.call(ctxt, 'lifecycle_action_by_token',
                         version=AS_HEALTH_VERSION, token=token,
                         result=result, heartbeat=heartbeat)

    def push_metric_samples(self, ctxt, group, samples):
        return self.call(ctxt, 'push_metric_samples',
                         version=AS_METRICS_VERSION, group=group,
                         samples=samples)

    def list_metric_samples(self, ctxt, group, name=None, since=None,
                            limit=1000):
        return self.call(ctxt, 'list_metric_samples',
                         version=AS_METRICS_VERSION, group=group, name=name,
                         since=since, limit=limit)

    def compare_scaling_policy(self, ctxt, group, policy, start=None,
                               end=None):
        return self.call(ctxt, 'compare_scaling_policy',
                         version=AS_METRICS_VERSION, group=group,
                         policy=policy, start=start, end=end)

    def evaluate_scaling_group(self, ctxt, group):
        return self.call(ctxt, 'evaluate_scaling_group',
                         version=AS_METRICS_VERSION, group=group)

    def mark_member_unhealthy(self, ctxt, group, member, reason=None):
        return self._as(ctxt, 'mark_member_unhealthy', group=group,
                        member=member, reason=reason)

    def signed_resource_signal(self, ctxt, arn, method, path, params,
                               details, idempotency_key=None):
        """A signal through a pre-signed URL: the engine checks the
        signature (heat/engine/signed_signal.py)."""
        # ``method`` travels as ``http_method``: oslo.messaging's
        # ``call(ctxt, method, **kwargs)`` takes ``method`` itself
        return self._as(ctxt, 'signed_resource_signal', arn=arn,
                        http_method=method, path=path, params=params,
                        details=details, idempotency_key=idempotency_key)

    def converge_scaling_group(self, ctxt, group_id):
        """A cast: any engine converges the group."""
        return self.cast(ctxt, 'converge_scaling_group', version=AS_VERSION,
                         group_id=group_id)

    # -- the service ---------------------------------------------------------

    def get_revision(self, ctxt):
        return self.call(ctxt, 'get_revision')

    def authenticated_to_backend(self, ctxt):
        return self.call(ctxt, 'authenticated_to_backend')

    def list_services(self, ctxt):
        return self.call(ctxt, 'list_services', version='1.4')


#: every engine RPC method name with the version its client pins; the
#: server exposes exactly these (plus the ones added with new versions).
ENGINE_METHODS = {
    'identify_stack': '1.0', 'list_stacks': '1.33', 'count_stacks': '1.33',
    'show_stack': '1.20', 'preview_stack': '1.36', 'create_stack': '1.36',
    'update_stack': '1.36', 'preview_update_stack': '1.36',
    'delete_stack': '1.0', 'abandon_stack': '1.0', 'export_stack': '1.22',
    'stack_suspend': '1.0', 'stack_resume': '1.0', 'stack_check': '1.0',
    'stack_cancel_update': '1.14', 'migrate_convergence_1': '1.34',
    'get_template': '1.0', 'get_environment': '1.28', 'get_files': '1.32',
    'list_outputs': '1.19', 'show_output': '1.19',
    'validate_template': '1.36', 'list_template_versions': '1.11',
    'list_template_functions': '1.35', 'list_resource_types': '1.30',
    'resource_schema': '1.30', 'generate_template': '1.9',
    'list_stack_resources': '1.25', 'describe_stack_resource': '1.2',
    'describe_stack_resources': '1.0', 'find_physical_resource': '1.0',
    'resource_signal': '1.3', 'resource_mark_unhealthy': '1.26',
    'list_events': '1.31',
    'stack_snapshot': '1.0', 'show_snapshot': '1.0',
    'delete_snapshot': '1.0', 'stack_list_snapshots': '1.0',
    'stack_restore': '1.0',
    'list_software_configs': '1.33', 'show_software_config': '1.0',
    'create_software_config': '1.0', 'delete_software_config': '1.0',
    'list_software_deployments': '1.0',
    'metadata_software_deployments': '1.0',
    'show_software_deployment': '1.0', 'check_software_deployment': '1.27',
    'create_software_deployment': '1.0',
    'update_software_deployment': '1.5',
    'delete_software_deployment': '1.0',
    'signal_software_deployment': '1.6',
    'get_revision': '1.0', 'authenticated_to_backend': '1.0',
    'list_services': '1.4',
}

#: the auto-scaling methods (API 1.37)
AS_METHODS = (
    'create_scaling_group', 'update_scaling_group', 'delete_scaling_group',
    'show_scaling_group', 'list_scaling_groups', 'suspend_scaling_group',
    'resume_scaling_group', 'create_scaling_policy',
    'update_scaling_policy', 'delete_scaling_policy',
    'show_scaling_policy', 'list_scaling_policies',
    'execute_scaling_policy', 'resize_scaling_group', 'create_webhook',
    'delete_webhook', 'list_webhooks', 'execute_webhook',
    'list_scaling_activities', 'remove_scaling_members',
    'mark_member_unhealthy', 'converge_scaling_group',
    'signed_resource_signal',
)
ENGINE_METHODS.update((name, AS_VERSION) for name in AS_METHODS)

#: the methods the Auto-Scaling REST API added (API 1.38)
AS_API_METHODS = (
    'request_scaling_group_converge', 'show_scaling_activity',
    'list_scaling_members', 'show_scaling_member', 'update_scaling_member',
    'claim_idempotency_key', 'finish_idempotency_key',
)
ENGINE_METHODS.update((name, AS_API_VERSION) for name in AS_API_METHODS)

#: the arguments API 1.39 added to methods of earlier versions (the
#: methods stay pinned to their version: a call that gives none of these
#: arguments is sent with it, one that gives one with 1.39)
AS_MEMBER_ATTRIBUTES_ARGUMENTS = {
    'list_scaling_members': ('attributes',),
    'show_scaling_member': ('attributes',),
}
#: the arguments API 1.40 added (the same way)
AS_HEALTH_ARGUMENTS = {
    'create_scaling_group': ('health_check', 'lifecycle_hooks'),
    'update_scaling_group': ('health_check', 'lifecycle_hooks'),
}
#: the methods API 1.40 added (self-healing groups: lifecycle hooks)
AS_HEALTH_METHODS = (
    'complete_lifecycle_action', 'record_lifecycle_heartbeat',
    'lifecycle_action_by_token',
)
ENGINE_METHODS.update((name, AS_HEALTH_VERSION)
                      for name in AS_HEALTH_METHODS)

#: the methods API 1.41 added (metric-driven scaling)
AS_METRICS_METHODS = (
    'push_metric_samples', 'list_metric_samples', 'compare_scaling_policy',
    'evaluate_scaling_group',
)
ENGINE_METHODS.update((name, AS_METRICS_VERSION)
                      for name in AS_METRICS_METHODS)
