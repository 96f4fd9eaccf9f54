"""OS::Heat::InstanceGroup, and the base of every scaling group type.

The group types are thin: the AS engine (``heat/engine/autoscaling``,
reached through the engine RPC API, :func:`heat.engine.autoscaling.client.get`)
owns the scaling group, its members and their convergence. A group
resource only

* turns its properties into a ``create_scaling_group`` /
  ``update_scaling_group`` call (a member definition, sizes, cooldown,
  a rolling-update policy in seconds) and polls ``show_scaling_group``
  until the group has converged;
* deletes, suspends and resumes the scaling group;
* reads its attributes from ``show_scaling_group`` and from the member
  stack (the AS engine makes that stack look like an ordinary nested stack
  with one resource per member, ordered by creation).

Identity: the group id is the member stack's id, and it is the resource's
``resource_id`` (the nested stack link of the API points at it).

Deliberate difference from upstream: a stack update passes the sizes to
the AS engine only when ``min``/``max``/``desired`` (``Size``) themselves
changed, so an update does not reset an auto-scaled group.
"""

import hashlib
import json
import logging

from heat.common import exception
from heat.engine import attributes, properties, resource
from heat.engine.resources import stack_resource
from heat.scaling import rolling_update as ru

LOG = logging.getLogger(__name__)

#: resource data: digest of the member definition the AS engine has
DEFINITION_DIGEST = 'member_definition_digest'
#: resource data: digest of the environment and files the AS engine has
CONTEXT_DIGEST = 'member_context_digest'

#: the AS engine's group status of a failed group
FAILED = 'FAILED'

#: the member type of AWS groups and InstanceGroup
INSTANCE_TYPE = 'AWS::EC2::Instance'

LAUNCH_CONFIG_TYPE = 'AWS::AutoScaling::LaunchConfiguration'

#: errors that say the scaling group (or policy) is gone
_NOT_FOUND = ('EntityNotFound', 'NotFound', 'StackNotFound')

#: keys of a LaunchConfiguration that are not passed to members
_LC_NOT_PASSED = ('InstanceId',)


class ScalingGroupAdoptNotSupported(exception.NotSupported):
    """A stack adopt reached a scaling group."""

    msg_fmt = ('Adopting scaling group %(name)s (%(type)s) is not '
               'supported: its members are created by the auto-scaling '
               'engine, which cannot take over existing resources')


# -- pure helpers -------------------------------------------------------------

def digest(value):
    """A stable digest of JSON-able ``value``."""
    text = json.dumps(value, sort_keys=True, default=str)
    return hashlib.sha256(text.encode('utf-8')).hexdigest()


def is_not_found(exc):
    """Whether an RPC error means the entity does not exist."""
    name = type(exc).__name__
    if name == 'RemoteError':
        name = getattr(exc, 'exc_type', name)
    if name.endswith('_Remote'):
        name = name[:-len('_Remote')]
    return (isinstance(exc, exception.EntityNotFound) or
            name in _NOT_FOUND)


def with_metering_tag(tags, key, value, only_if_none=False):
    """``tags`` (a list of ``{Key, Value}``) plus a ``metering.`` tag.

    ``only_if_none``: add it only when no ``metering.`` tag is there
    (InstanceGroup's rule).
    """
    tags = [dict(t) for t in (tags or [])]
    if only_if_none and any(str(t.get('Key', '')).startswith('metering.')
                            for t in tags):
        return tags
    return tags + [{'Key': key, 'Value': value}]


def instance_definition(lc_props, tags, metadata=None, subnet_id=None):
    """The CFN member snippet of an AWS group / InstanceGroup.

    :param lc_props: the LaunchConfiguration's properties the template
        gave (resolved), as upstream passes them to each instance
    :param tags: the tags of each member
    :param metadata: the LaunchConfiguration's metadata (members get it)
    :param subnet_id: the AWS group's first VPCZoneIdentifier
    """
    props = {k: v for k, v in (lc_props or {}).items()
             if k not in _LC_NOT_PASSED and v is not None}
    props['Tags'] = tags
    if subnet_id:
        props['SubnetId'] = subnet_id
    snippet = {'Type': INSTANCE_TYPE, 'Properties': props}
    if metadata:
        snippet['Metadata'] = metadata
    return snippet


def rolling_update_seconds(min_in_service, max_batch_size, pause_time):
    """The AS engine's rolling-update dict (pause in seconds)."""
    return {'min_in_service': min_in_service,
            'max_batch_size': max_batch_size,
            'pause_time': pause_time}


def size_args(min_size, max_size, desired, old=None):
    """The size arguments of ``update_scaling_group``: only the ones that
    changed from ``old`` (``(min, max, desired)``; None: all)."""
    new = {'min_size': min_size, 'max_size': max_size,
           'desired_capacity': desired}
    if old is None:
        return new
    old = dict(zip(('min_size', 'max_size', 'desired_capacity'), old))
    return {k: v for k, v in new.items() if v != old[k]}


def order_members(members):
    """Member dicts of ``show_scaling_group`` in upstream's order (FAILED
    first, then oldest), as the engine gives them; kept as given."""
    return list(members or [])


def live_member_names(group):
    """Names of a group dict's members that count (not FAILED, not being
    removed, not waiting on a terminate hook), in the engine's order."""
    return [m['name'] for m in order_members(group.get('members'))
            if m.get('status') not in ('FAILED', 'REMOVING',
                                       'TERMINATING_WAIT')]


def group_in_stack(stack, ref, exclude=None):
    """The created scaling group resource of ``stack`` whose reference is
    ``ref`` (upstream's ``stack.resource_by_refid`` for groups), or None;
    ``exclude``: the resource asking."""
    for rsrc in stack.resources.values():
        if rsrc is exclude or not isinstance(rsrc, ScalingGroupBase):
            continue
        if rsrc.action == rsrc.INIT or rsrc.resource_id is None:
            continue
        try:
            if rsrc.FnGetRefId() == ref:
                return rsrc
        except Exception:  # noqa: BLE001 - unresolvable: not it
            continue
    return None


def delete_scaling_policy(rsrc):
    """A policy resource's handle_delete: its AS policy deleted (its
    webhooks go with it); one already gone is not an error."""
    if rsrc.resource_id is None:
        return None
    try:
        rsrc._client().delete_scaling_policy(rsrc.context, rsrc.resource_id)
    except Exception as exc:
        if not is_not_found(exc):
            raise
    return None


class GroupFailed(exception.HeatException):
    """The AS engine reports the scaling group FAILED."""

    msg_fmt = '%(message)s'


# -- the base resource --------------------------------------------------------

class ScalingGroupBase(stack_resource.StackResource):
    """A scaling group owned by the AS engine (see the module docstring).

    Subclasses say what the group is: :meth:`_sizes`,
    :meth:`_member_definition`, :meth:`_rolling_update`,
    :meth:`_cooldown` and :meth:`_replace_members_on_change`.
    """

    #: the member definition format: ``'hot'`` or ``'cfn'``
    template_format = 'cfn'
    #: the update policy schema (``{}``: any update_policy is refused)
    update_policy_schema = {}
    #: the AS engine owns the member stack: a stack update need not reach
    #: it unless this resource's definition changed
    always_update = False
    #: members run on their own; the group waits for the AS engine
    signal_needs_metadata_updates = True

    # -- subclass hooks -------------------------------------------------

    def _sizes(self, props):
        """``(min_size, max_size, desired_capacity)`` of ``props``."""
        raise NotImplementedError()

    def _member_definition(self, props):
        """The member snippet (HOT or CFN, see ``template_format``)."""
        raise NotImplementedError()

    def _rolling_update(self, props, policy):
        """The rolling-update dict (seconds) or None."""
        return None

    def _cooldown(self, props):
        return None

    def _replace_members_on_change(self, props, policy):
        """Whether a changed member definition replaces existing members
        (a rolling update) rather than only new ones getting it."""
        return False

    # -- helpers --------------------------------------------------------

    @staticmethod
    def _client():
        from heat.engine.autoscaling import client as as_client
        return as_client.get()

    def _update_policy(self, definition=None):
        definition = definition if definition is not None else self.t
        data = definition.resolved_update_policy() or {}
        return properties.Properties(
            self.update_policy_schema, data, parent_name=self.name,
            path=['resources', self.name, 'update_policy'],
            context=self.context)

    def _environment(self):
        """The member stack's environment: the parent's registry (provider
        templates included) and defaults, per-resource settings of this
        resource only, no parameters."""
        env = self.child_environment({})
        return env.user_env_as_dict()

    def _files(self):
        files = getattr(self.stack.t, 'files', None) or {}
        return dict(files)

    def _stack_identity(self):
        return dict(self.stack.identifier())

    def child_template(self):
        """Not used: the AS engine builds the member stack."""
        raise NotImplementedError()

    def child_params(self):
        return {}

    def planned_resource_count(self):
        """The members the group starts with (desired capacity, else
        min size), for ``max_resources_per_stack`` at create and update;
        growth by scaling is bounded by ``max_size``."""
        try:
            min_size, _, desired = self._sizes(self.properties)
        except Exception:  # noqa: BLE001 - validate() reports it
            return 1
        size = desired if desired is not None else min_size
        return size if isinstance(size, int) and size >= 0 else 1

    # -- validation -----------------------------------------------------

    def validate(self):
        result = resource.Resource.validate(self)
        self._update_policy().validate()
        self.validate_group()
        self.validate_nested_stack()
        return result

    def validate_group(self):
        """Type-specific checks (sizes...)."""

    def _check_sizes(self, min_size, max_size, desired):
        """Upstream's size checks and messages."""
        if None in (min_size, max_size):
            return
        if max_size < min_size:
            raise exception.StackValidationFailed(
                message='MinSize can not be greater than MaxSize')
        if min_size < 0:
            raise exception.StackValidationFailed(
                message='The size of AutoScalingGroup can not be less '
                        'than zero')
        if desired is not None and not min_size <= desired <= max_size:
            raise exception.StackValidationFailed(
                message='DesiredCapacity must be between MinSize and '
                        'MaxSize')

    def _member_test_template(self, snippet):
        if self.template_format == 'hot':
            return {'heat_template_version': '2015-04-30',
                    'resources': {'0': snippet}}
        return {'HeatTemplateFormatVersion': '2012-12-12',
                'Resources': {'0': snippet}}

    def validate_nested_stack(self):
        """Validate one member (as upstream validates its nested stack);
        a group whose size is 0 or whose values are not known yet is not
        checked."""
        try:
            props = self.properties
            min_size, max_size, desired = self._sizes(props)
            size = desired if desired is not None else min_size
            if not size:
                return
            snippet = self._member_definition(props)
        except Exception:  # noqa: BLE001 - the values are only known at
            return         # create time (a parameter, a missing resource)
        if snippet is None:
            return
        self.validate_member_template(self._member_test_template(snippet))

    # -- update decisions -----------------------------------------------

    def _needs_update(self, after, before, after_props, before_props):
        # An ordinary resource's rule (StackResource always updates), plus
        # a change of the environment or files the members use.
        if resource.Resource._needs_update(self, after, before, after_props,
                                           before_props):
            return True
        if self.resource_id is None:
            return False
        try:
            current = digest([self._environment(), self._files()])
        except Exception:  # noqa: BLE001 - then let the update decide
            return True
        return current != self.data().get(CONTEXT_DIGEST)

    # -- lifecycle ------------------------------------------------------

    def _wait_converged(self, token):
        """Poll step: True once the AS engine reached what it was asked
        (``converged``); a FAILED group fails the action."""
        if token is None or self.resource_id is None:
            return True
        group = self._client().show_scaling_group(self.context,
                                                  self.resource_id)
        if group.get('status') == FAILED:
            raise GroupFailed(message=group.get('status_reason') or
                              'Scaling group %s failed' % self.resource_id)
        return bool(group.get('converged'))

    def _prepare_create(self):
        """Checks made before the group is created (subclasses)."""

    #: what a removed extension argument is sent as (None: unchanged)
    EXTENSION_REMOVED = {'health_check': {}, 'lifecycle_hooks': []}

    def _extension_args(self, props):
        """This engine's own arguments of ``create_scaling_group`` /
        ``update_scaling_group`` from ``props`` (subclasses: e.g.
        ``health_check``): ``{argument: value, None when not set}``."""
        return {}

    def handle_create(self):
        self._prepare_create()
        props = self.properties
        min_size, max_size, desired = self._sizes(props)
        member = self._member_definition(props)
        env, files = self._environment(), self._files()
        group = self._client().create_scaling_group(
            self.context, name=self.physical_resource_name(),
            min_size=min_size, max_size=max_size,
            member_definition=member, desired_capacity=desired,
            cooldown=self._cooldown(props),
            template_format=self.template_format,
            rolling_update=self._rolling_update(props,
                                                self._update_policy()),
            stack_identity=self._stack_identity(), resource_name=self.name,
            environment=env, files=files,
            **{k: v for k, v in self._extension_args(props).items()
               if v is not None})
        self.resource_id_set(group['id'])
        self._nested = None
        self.data_set(DEFINITION_DIGEST, digest(member))
        self.data_set(CONTEXT_DIGEST, digest([env, files]))
        return group['id']

    def check_create_complete(self, token):
        return self._wait_converged(token)

    #: ``{update_scaling_group argument: property}`` of the sizes
    size_properties = {}
    #: the property holding the cooldown (None: no cooldown)
    cooldown_property = None
    #: the property holding the rolling-update policy (None: it is the
    #: update policy)
    rolling_property = None

    def _size_changes(self, props, prop_diff):
        """The size arguments whose property changed (a removed
        ``desired_capacity`` keeps the group's current size)."""
        out = {}
        for field, prop in self.size_properties.items():
            if prop in prop_diff:
                value = props[prop]
                if value is None and field == 'desired_capacity':
                    continue
                out[field] = value
        return out

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        if self.resource_id is None:
            raise resource.UpdateReplace(self.name)
        new_props = self.make_properties(json_snippet)
        policy = self._update_policy(json_snippet)
        # Only what changed: a stack update does not reset the size of an
        # auto-scaled group unless its size properties changed.
        kwargs = self._size_changes(new_props, prop_diff or {})
        if self.cooldown_property and self.cooldown_property in prop_diff:
            kwargs['cooldown'] = self._cooldown(new_props)
        new_rolling = self._rolling_update(new_props, policy)
        new_ext = self._extension_args(new_props)
        try:
            old_ext = self._extension_args(self.properties)
        except Exception:  # noqa: BLE001 - the old values cannot resolve
            old_ext = {}
        for arg, value in new_ext.items():
            if arg not in old_ext or value != old_ext[arg]:
                kwargs[arg] = (value if value is not None else
                               self.EXTENSION_REMOVED[arg])
        if ((self.rolling_property and self.rolling_property in prop_diff) or
                (not self.rolling_property and
                 'update_policy' in (tmpl_diff or {}))):
            kwargs['rolling_update'] = new_rolling
        self.properties = new_props
        member = self._member_definition(new_props)
        member_digest = digest(member)
        data = self.data()
        replace = bool(self._replace_members_on_change(new_props, policy))
        if member_digest != data.get(DEFINITION_DIGEST):
            kwargs['member_definition'] = member
            kwargs['replace_members'] = replace
        env, files = self._environment(), self._files()
        context_digest = digest([env, files])
        if context_digest != data.get(CONTEXT_DIGEST):
            # New provider templates or files reach existing members too
            # (upstream updates the whole nested stack).
            kwargs['environment'] = env
            kwargs['files'] = files
            kwargs['member_definition'] = member
            kwargs['replace_members'] = True
        if kwargs.get('replace_members') and 'rolling_update' not in kwargs:
            kwargs['rolling_update'] = new_rolling
        if not kwargs:
            return None
        self._client().update_scaling_group(self.context, self.resource_id,
                                            **kwargs)
        self._nested = None
        if 'member_definition' in kwargs:
            self.data_set(DEFINITION_DIGEST, member_digest)
        if 'environment' in kwargs:
            self.data_set(CONTEXT_DIGEST, context_digest)
        return self.resource_id

    def check_update_complete(self, token):
        return self._wait_converged(token)

    def handle_delete(self):
        if self.resource_id is None:
            return None
        try:
            self._client().delete_scaling_group(self.context,
                                                self.resource_id)
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise
        self._nested = None
        return self.resource_id

    def check_delete_complete(self, token):
        if token is None:
            return True
        try:
            group = self._client().show_scaling_group(self.context, token)
        except Exception as exc:
            if is_not_found(exc):
                return True
            raise
        if group.get('status') == FAILED:
            raise GroupFailed(message=group.get('status_reason') or
                              'Scaling group %s failed' % token)
        return False

    def handle_suspend(self):
        if self.resource_id is None:
            raise exception.ResourceNotAvailable(resource_name=self.name)
        self._client().suspend_scaling_group(self.context, self.resource_id)

    def handle_resume(self):
        if self.resource_id is None:
            raise exception.ResourceNotAvailable(resource_name=self.name)
        self._client().resume_scaling_group(self.context, self.resource_id)

    def handle_check(self):
        if self.resource_id is None:
            raise exception.ResourceNotAvailable(resource_name=self.name)
        group = self._client().show_scaling_group(self.context,
                                                  self.resource_id)
        if group.get('status') == FAILED:
            raise GroupFailed(message=group.get('status_reason') or
                              'Scaling group %s failed' % self.resource_id)

    def handle_adopt(self, resource_data=None):
        # Upstream adopts a group's members as the resources of its nested
        # stack. Here the members belong to the AS engine, whose API
        # creates every member itself (create_scaling_group converges to
        # the desired capacity) and has no call that takes over existing
        # physical resources: adopt data for a group is refused, naming it.
        raise ScalingGroupAdoptNotSupported(name=self.name,
                                            type=self.type())

    # -- the member stack and members -----------------------------------

    def nested(self):
        """The member stack, freshly loaded (members change as the group
        scales), or None."""
        self._nested = None
        return super().nested()

    def _group(self, with_members=False):
        if self.resource_id is None:
            return None
        try:
            return self._client().show_scaling_group(
                self.context, self.resource_id, with_members=with_members)
        except Exception as exc:
            if is_not_found(exc):
                return None
            raise

    def get_members(self):
        """The member resources that count (not FAILED, not being
        removed), oldest first, as upstream's ``get_members``."""
        group = self._group(with_members=True)
        if group is None:
            return []
        names = live_member_names(group)
        nested = self.nested()
        if nested is None:
            return []
        resources = nested.resources
        return [resources[n] for n in names if n in resources]

    def current_size(self):
        group = self._group()
        if group is None:
            return 0
        return group.get('current_size', 0)

    def _member_by_index(self, index_text):
        members = self.get_members()
        try:
            index = int(index_text)
        except (TypeError, ValueError):
            index = None
        if index is None or not 0 <= index < len(members):
            if self.resource_id is None:
                return None
            raise exception.NotFound(
                message="Member '%s' not found in group resource '%s'."
                % (index_text, self.name))
        return members[index]

    def _resource_attr(self, key, *path):
        """``resource.N[.attr][, path...]``."""
        parts = key.split('.', 2)
        if len(parts) < 2 or parts[0] != 'resource':
            raise exception.InvalidTemplateAttribute(resource=self.name,
                                                     key=key)
        member = self._member_by_index(parts[1])
        if member is None:
            return None
        attr_path = parts[2:] + list(path)
        if not attr_path:
            return member.FnGetRefId()
        return member.FnGetAtt(*attr_path)

    def _instance_list(self):
        """Comma-separated ``PublicIp`` of the members (None: none)."""
        ips = [member.FnGetAtt('PublicIp') for member in self.get_members()]
        return ','.join(str(ip) for ip in ips if ip is not None) or None


# -- OS::Heat::InstanceGroup --------------------------------------------------

class InstanceGroupBase(ScalingGroupBase):
    """What InstanceGroup and the AWS group share: members from a
    LaunchConfiguration, tags, ``InstanceList``, a CFN rolling-update
    policy."""

    template_format = 'cfn'

    _TAG_KEYS = (TAG_KEY, TAG_VALUE) = ('Key', 'Value')
    _ROLLING_UPDATE_SCHEMA_KEYS = (
        MIN_INSTANCES_IN_SERVICE, MAX_BATCH_SIZE, PAUSE_TIME,
    ) = ('MinInstancesInService', 'MaxBatchSize', 'PauseTime')
    LAUNCH_CONFIGURATION_NAME = 'LaunchConfigurationName'
    TAGS = 'Tags'
    ROLLING_UPDATE = 'RollingUpdate'
    INSTANCE_LIST = 'InstanceList'

    rolling_update_schema = {
        MIN_INSTANCES_IN_SERVICE: properties.Schema(
            properties.Schema.INTEGER, default=0),
        MAX_BATCH_SIZE: properties.Schema(
            properties.Schema.INTEGER, default=1),
        PAUSE_TIME: properties.Schema(
            properties.Schema.STRING, default='PT0S'),
    }

    _tags_schema = properties.Schema(
        properties.Schema.LIST,
        'Tags to attach to this group.',
        schema=properties.Schema(
            properties.Schema.MAP,
            schema={
                TAG_KEY: properties.Schema(properties.Schema.STRING,
                                           required=True),
                TAG_VALUE: properties.Schema(properties.Schema.STRING,
                                             required=True),
            }))

    # -- validation -----------------------------------------------------

    def validate(self):
        result = super().validate()
        rolling = self._update_policy()[self.ROLLING_UPDATE]
        if rolling:
            try:
                ru.aws_pause_time(rolling[self.PAUSE_TIME], self.PAUSE_TIME)
            except ValueError as exc:
                raise exception.StackValidationFailed(
                    message=str(exc),
                    path=['resources', self.name, 'update_policy',
                          self.ROLLING_UPDATE, self.PAUSE_TIME]) from exc
        return result

    # -- the launch configuration ---------------------------------------

    def _launch_config(self, ref):
        """The LaunchConfiguration resource whose reference is ``ref``."""
        if not ref:
            return None
        for rsrc in self.stack.resources.values():
            try:
                if rsrc.FnGetRefId() == ref:
                    return rsrc
            except Exception:  # noqa: BLE001 - not resolvable now
                continue
        # Not created yet (validation): the resource named so
        rsrc = self.stack.resources.get(ref)
        return rsrc

    def validate_launchconfig(self, props=None):
        """Upstream's checks of the LaunchConfigurationName reference."""
        props = props if props is not None else self.properties
        ref = props[self.LAUNCH_CONFIGURATION_NAME]
        if not ref:
            return
        conf = self._launch_config(ref)
        if conf is None:
            raise ValueError('%s (%s) reference can not be found.'
                             % (self.LAUNCH_CONFIGURATION_NAME, ref))
        if conf.name not in self.t.required_resource_names():
            raise ValueError('%s (%s) requires a reference to the '
                             'configuration not just the name of the '
                             'resource.'
                             % (self.LAUNCH_CONFIGURATION_NAME, ref))

    def _prepare_create(self):
        self.validate_launchconfig()

    def _tags(self, props):
        """Upstream's member tags: the group's, plus
        ``metering.groupname`` unless a ``metering.`` tag is given."""
        return with_metering_tag(props[self.TAGS], 'metering.groupname',
                                 self.FnGetRefId(), only_if_none=True)

    def _subnet_id(self, props):
        return None

    def _launch_config_properties(self, props):
        """``(lc_resource, given properties resolved)``."""
        ref = props[self.LAUNCH_CONFIGURATION_NAME]
        conf = self._launch_config(ref)
        if conf is None:
            raise ValueError('%s (%s) reference can not be found.'
                             % (self.LAUNCH_CONFIGURATION_NAME, ref))
        lc_props = conf.properties
        given = lc_props.data if isinstance(lc_props.data, dict) else {}
        values = {}
        for key in given:
            if key in lc_props:
                values[key] = lc_props[key]
        return conf, values

    def _member_definition(self, props):
        conf, lc_values = self._launch_config_properties(props)
        try:
            metadata = conf.t.resolved_metadata()
        except Exception:  # noqa: BLE001 - metadata not resolvable yet
            metadata = None
        return instance_definition(lc_values, self._tags(props),
                                   metadata=metadata or None,
                                   subnet_id=self._subnet_id(props))

    def _rolling_update(self, props, policy):
        rolling = policy[self.ROLLING_UPDATE] if policy is not None \
            else None
        if not rolling:
            return None
        return rolling_update_seconds(
            rolling[self.MIN_INSTANCES_IN_SERVICE],
            rolling[self.MAX_BATCH_SIZE],
            ru.aws_pause_time(rolling[self.PAUSE_TIME], self.PAUSE_TIME))

    def _replace_members_on_change(self, props, policy):
        # Upstream: existing members get a new launch configuration only
        # with an update policy; otherwise only new members get it.
        return bool(policy[self.ROLLING_UPDATE])

    # -- references and attributes --------------------------------------

    def get_reference_id(self):
        # the physical name once created, else the name (upstream)
        return (self.physical_resource_name() or
                resource.Resource.get_reference_id(self))

    def get_attribute(self, key, *path):
        if key == self.INSTANCE_LIST:
            return attributes.select_from_attribute(self._instance_list(),
                                                    path)
        return super().get_attribute(key, *path)

    def _resolve_attribute(self, name):
        if name == self.INSTANCE_LIST:
            return self._instance_list()
        return None


class InstanceGroup(InstanceGroupBase):
    """OS::Heat::InstanceGroup: ``Size`` instances of a
    LaunchConfiguration; no cooldown, no signals."""

    PROPERTIES = (
        AVAILABILITY_ZONES, LAUNCH_CONFIGURATION_NAME, SIZE,
        LOAD_BALANCER_NAMES, TAGS,
    ) = (
        'AvailabilityZones', 'LaunchConfigurationName', 'Size',
        'LoadBalancerNames', 'Tags',
    )
    ATTRIBUTES = (INSTANCE_LIST,) = ('InstanceList',)
    _UPDATE_POLICY_SCHEMA_KEYS = (ROLLING_UPDATE,) = ('RollingUpdate',)

    properties_schema = {
        AVAILABILITY_ZONES: properties.Schema(
            properties.Schema.LIST,
            'Not Implemented.',
            required=True),
        LAUNCH_CONFIGURATION_NAME: properties.Schema(
            properties.Schema.STRING,
            'The reference to a LaunchConfiguration resource.',
            required=True, update_allowed=True),
        SIZE: properties.Schema(
            properties.Schema.INTEGER,
            'Desired number of instances.',
            required=True, update_allowed=True),
        LOAD_BALANCER_NAMES: properties.Schema(
            properties.Schema.LIST,
            'List of LoadBalancer resources.'),
        TAGS: InstanceGroupBase._tags_schema,
    }

    attributes_schema = {
        INSTANCE_LIST: attributes.Schema(
            'A comma-delimited list of server ip addresses. '
            '(Heat extension).',
            type=attributes.Schema.STRING),
    }

    update_policy_schema = {
        ROLLING_UPDATE: properties.Schema(
            properties.Schema.MAP,
            schema=InstanceGroupBase.rolling_update_schema),
    }

    size_properties = {'min_size': SIZE, 'max_size': SIZE,
                       'desired_capacity': SIZE}

    def _sizes(self, props):
        size = props[self.SIZE]
        # An InstanceGroup is exactly Size: both bounds follow it.
        return size, size, size


def resource_mapping():
    return {'OS::Heat::InstanceGroup': InstanceGroup}
