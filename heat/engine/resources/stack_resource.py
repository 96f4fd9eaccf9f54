"""StackResource: a resource that owns a nested stack.

Subclasses say what the nested stack is (:meth:`StackResource.child_template`
and :meth:`StackResource.child_params`); this class creates, updates,
suspends, resumes, checks and deletes it along with the resource.

The nested stack:

* is named after the resource's physical name,
  ``<stack>-<resource>-<12-char short id>``, and that id of the nested
  stack is the resource's physical id;
* has ``owner_id`` = the parent stack's id, ``nested_depth`` = the parent's
  + 1 (at most ``[DEFAULT] max_nested_stack_depth``: deeper is
  "Recursion depth exceeds N."), the parent's ``timeout_mins`` and rollback
  disabled (the parent rolls back);
* gets the parent's environment (registry and defaults; the per-resource
  registry settings under this resource's name) and ``files``, with the
  child's own parameters.

Actions on the nested stack run in the resource's worker thread: a stack
action has its own thread pool, so the nested stack never waits for a slot
of its parent's pool.
"""

import re

from oslo_config import cfg

from heat.common import exception
from heat.engine import environment, resource
from heat.engine import template as tmpl_mod


def _load_stack_module():
    # Imported when first needed: heat.engine.stack imports the resource
    # registry, which imports the resource plugins (this module among them).
    from heat.engine import stack as stack_mod
    return stack_mod


class NestedStackFailed(exception.HeatException):
    """The nested stack could not be deleted; the message is its status
    reason."""

    msg_fmt = '%(message)s'


# A nested stack's failure reason: "Resource CREATE failed: ValueError:
# resources.0: ..." (the stack's wording, then the resource's).
_FAILED_PREFIX = re.compile(r'^Resource [A-Z]+ failed: ')
_NESTED_PATH = re.compile(r'^(\w+: )resources\.')


class OpenAttributeSchema(dict):
    """An attributes schema that accepts any attribute name.

    Groups and chains expose their members' attributes (``get_attr:
    [group, value]``), whose names depend on the member type; template
    validation asks ``name in resource.attributes_schema``. Iteration and
    lookups see only the declared attributes.
    """

    def __contains__(self, key):
        return isinstance(key, str)


class StackResource(resource.Resource):
    """A resource whose physical counterpart is a nested stack."""

    #: the nested stack's id is written with the nested stack, not with
    #: this resource's final state (heat.engine.resource.resource_id_set)
    persist_resource_id = True

    #: A stack update must reach the nested stack even when this
    #: resource's definition is unchanged (its resources decide; a
    #: ``files`` change alone must reach provider-template members), as
    #: upstream's ``StackResource._needs_update`` always says True.
    always_update = True

    def __init__(self, name, definition, stack):
        super().__init__(name, definition, stack)
        self._nested = None
        #: the registry key to leave out of the child's environment (a
        #: provider template mapping for the type this resource implements)
        self.env_key_to_remove = None

    # -- what the nested stack is (subclasses) ----------------------------

    def child_template(self):
        """The nested stack's template (a dict or a ``Template``)."""
        raise NotImplementedError()

    def child_params(self):
        """The nested stack's parameters (a dict)."""
        raise NotImplementedError()

    # -- the nested stack --------------------------------------------------

    def has_nested(self):
        return self.resource_id is not None or self._nested is not None

    def nested(self):
        """The nested ``Stack``, or None when it does not exist (yet)."""
        if self._nested is None and self.resource_id is not None:
            stack_mod = _load_stack_module()
            try:
                self._nested = stack_mod.Stack.load(
                    self.context, self.resource_id, parent_resource=self)
            except exception.EntityNotFound:
                return None
        return self._nested

    def nested_identifier(self):
        nested = self.nested()
        return nested.identifier() if nested is not None else None

    def _child_nested_depth(self):
        limit = cfg.CONF.max_nested_stack_depth
        depth = getattr(self.stack, 'nested_depth', 0) or 0
        if depth >= limit:
            raise exception.RequestLimitExceeded(
                message=_load_stack_module().depth_limit_message(
                    depth + 1, limit))
        return depth + 1

    def child_environment(self, child_params):
        return environment.get_child_environment(
            self.stack.env, child_params,
            item_to_remove=self.env_key_to_remove,
            child_resource_name=self.name)

    def _parse_child_template(self, child_template, child_env):
        if isinstance(child_template, tmpl_mod.Template):
            child_template = child_template.t
        return tmpl_mod.Template.create(child_template,
                                        files=self.stack.t.files,
                                        env=child_env)

    def _validate_nested_resources(self, parsed):
        """``[DEFAULT] max_resources_per_stack`` over the whole tree.

        Upstream counts this resource too, so a group of exactly the limit
        could never be made; we count the members instead of their
        container (the resource owning the nested stack).
        """
        limit = cfg.CONF.max_resources_per_stack
        if limit is None or limit < 0:
            return
        total = len(parsed.t.get(parsed.get_section_name('resources'))
                    or {})
        counter = getattr(self.stack, 'total_resources', None)
        if callable(counter):
            total += max(counter() - 1, 0)
        nested = self.nested() if self.resource_id is not None else None
        if nested is not None:
            # An update: the nested stack's current members are replaced.
            total -= len(nested.resources)
        if total > limit:
            raise exception.RequestLimitExceeded(
                message=_load_stack_module().resource_limit_message(
                    total, limit))

    def _parse_nested_stack(self, stack_name, child_template, child_params,
                            timeout_mins=None, check_limits=True):
        """A nested ``Stack`` object (not stored)."""
        stack_mod = _load_stack_module()
        depth = self._child_nested_depth()
        if timeout_mins is None:
            timeout_mins = self.stack.timeout_mins
        child_env = self.child_environment(child_params)
        parsed = self._parse_child_template(child_template, child_env)
        if check_limits:
            self._validate_nested_resources(parsed)
        return stack_mod.Stack(
            self.context, stack_name, parsed, timeout_mins=timeout_mins,
            disable_rollback=True, parent_resource=self,
            owner_id=self.stack.id, nested_depth=depth)

    # -- update decisions ------------------------------------------------

    def _needs_update(self, after, before, after_props, before_props):
        """Always pass an update on to the nested stack, whose resources
        decide for themselves (a ``files`` change alone must reach
        provider-template members). A failed check, a type change or a
        resource never created still means a replacement."""
        if (self.action, self.status) == (self.CHECK, self.FAILED):
            raise resource.UpdateReplace(self.name)
        if self.resource_id is None:
            super()._needs_update(after, before, after_props, before_props)
        elif self.implementation_changed(after):
            raise resource.UpdateReplace(self.name)
        return True

    # -- preview -----------------------------------------------------------

    def preview(self):
        """The nested stack's resources' previews (a list), as
        ``Stack.preview_resources`` gives them; nothing is stored."""
        try:
            child_template = self.child_template()
            params = self.child_params()
        except NotImplementedError:
            return self
        nested = self._parse_nested_stack(
            '%s-%s' % (self.stack.name, self.name), child_template, params,
            check_limits=False)
        return nested.preview_resources()

    # -- validation --------------------------------------------------------

    def planned_resource_count(self):
        """The resources the nested stack will hold, its own nested
        stacks included (:meth:`heat.engine.stack.Stack.
        planned_resource_count`), for ``max_resources_per_stack`` before
        anything is created. What cannot be known yet (a parameter without
        a value) counts this resource as one."""
        try:
            nested = self._parse_nested_stack(
                '%s-%s' % (self.stack.name, self.name),
                self.child_template(), self.child_params(),
                check_limits=False)
            return nested.planned_resource_count()
        except exception.RequestLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - validate() reports it
            return 1

    def validate(self):
        result = super().validate()
        self.validate_nested_stack()
        return result

    @property
    def template_url(self):
        """Where the nested template comes from, in error paths
        (``resources.<name><<template_url>>``): a provider template's
        name; for a template built here (a group's), upstream's
        placeholder ``nested_stack``."""
        return 'nested_stack'

    def _nested_path(self):
        """This resource in the path of an error of its nested stack, as
        upstream: ``['resources', '<name><<template_url>>']``."""
        return [self.stack.t.get_section_name('resources'),
                '%s<%s>' % (self.name, self.template_url)]

    def validate_nested_stack(self):
        try:
            name = '%s-%s' % (self.stack.name, self.name)
            nested = self._parse_nested_stack(name, self.child_template(),
                                              self.child_params(),
                                              check_limits=False)
        except exception.RequestLimitExceeded:
            raise
        except Exception as exc:
            raise exception.StackValidationFailed(
                error=type(exc).__name__,
                path=[self.stack.t.get_section_name('resources'), self.name],
                message=str(exc)) from exc
        self._validate_nested(nested)

    def _validate_nested(self, nested):
        """Validate ``nested`` (not strictly: parameters may have no value
        yet); its errors keep their path, under this resource's
        :meth:`_nested_path` (upstream's
        ``resources.group<nested_stack>.resources.0<member.yaml>...``)."""
        try:
            nested.strict_validate = False
            nested.validate()
        except exception.RequestLimitExceeded:
            raise
        except exception.StackValidationFailed as exc:
            error, path = exc.error, list(exc.path)
            if getattr(exc, '_read_value', False) and path[:1] == [
                    nested.t.get_section_name('resources')]:
                # Not strictly validated, a nested resource's property
                # values are only met when its validate() reads them:
                # upstream's Properties raise a ValueError there, which
                # its stack reports at the resource.
                error, path = 'ValueError', path[:2]
            raise exception.StackValidationFailed(
                message=exc.error_message,
                path=self._nested_path() + path,
                error=error) from exc
        except Exception as exc:
            raise exception.StackValidationFailed(
                message=str(exc), path=self._nested_path(),
                error=type(exc).__name__) from exc

    def validate_member_template(self, template):
        """Validate a stack of ``template`` (a group's one-member test
        template) as this resource's nested stack; its errors keep their
        path, under ``resources.<this resource><nested_stack>``."""
        try:
            nested = self._parse_nested_stack(
                '%s-%s' % (self.stack.name, self.name), template, {},
                check_limits=False)
        except exception.RequestLimitExceeded:
            raise
        except exception.StackValidationFailed as exc:
            raise exception.StackValidationFailed(
                message=exc.error_message,
                path=['resources', self.name] + list(exc.path),
                error=exc.error) from exc
        except Exception as exc:
            raise exception.StackValidationFailed(
                message=str(exc), path=['resources', self.name],
                error=type(exc).__name__) from exc
        self._validate_nested(nested)

    # -- running nested actions --------------------------------------------

    def _raise_if_failed(self, nested, action):
        """A failed nested action fails this resource with the nested
        reason, its path extended through this resource
        (``ValueError: resources.group.resources.0: ...``)."""
        if nested.status == 'COMPLETE' and nested.action == action:
            return
        reason = nested.status_reason or '%s of nested stack %s ended %s_%s' \
            % (action, nested.name, nested.action, nested.status)
        reason = _FAILED_PREFIX.sub('', reason, count=1)
        reason = _NESTED_PATH.sub(r'\1resources.%s.resources.' % self.name,
                                  reason, count=1)
        raise exception.ResourceFailure(reason, self, action)

    def create_with_template(self, child_template, user_params=None,
                             timeout_mins=None, adopt_data=None):
        """Create and store the nested stack, then create its resources
        (blocking)."""
        if user_params is None:
            user_params = self.child_params()
        nested = self._parse_nested_stack(self.physical_resource_name(),
                                          child_template, user_params,
                                          timeout_mins)
        if adopt_data is not None:
            nested.adopt_stack_data = adopt_data
        nested.store()
        self._nested = nested
        self.resource_id_set(nested.id)
        if adopt_data is not None:
            nested.adopt()
            self._raise_if_failed(nested, 'ADOPT')
        else:
            nested.create()
            self._raise_if_failed(nested, 'CREATE')

    def update_with_template(self, child_template, user_params=None,
                             timeout_mins=None):
        """Update the nested stack to ``child_template`` (blocking)."""
        nested = self.nested()
        if nested is None:
            return self.create_with_template(child_template, user_params,
                                             timeout_mins)
        if user_params is None:
            user_params = self.child_params()
        new = self._parse_nested_stack(nested.name, child_template,
                                       user_params, timeout_mins)
        nested.update(new)
        self._raise_if_failed(nested, 'UPDATE')
        return None

    def delete_nested(self):
        nested = self.nested()
        if nested is None:
            return
        nested.delete()
        if nested.status != 'COMPLETE':
            raise NestedStackFailed(message=nested.status_reason or
                                    'Nested stack delete failed')
        self._nested = None

    # -- lifecycle hooks ---------------------------------------------------

    def handle_create(self):
        self.create_with_template(self.child_template(), self.child_params())

    def handle_adopt(self, resource_data):
        self.create_with_template(self.child_template(), self.child_params(),
                                  adopt_data=resource_data)

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        # The resource still holds the old definition until the update
        # completes: the nested stack must get the new properties.
        self.properties = self.make_properties(json_snippet)
        self.update_with_template(self.child_template(), self.child_params())

    def handle_delete(self):
        self.delete_nested()

    def _nested_action(self, name, action):
        nested = self.nested()
        if nested is None:
            raise exception.ResourceNotAvailable(resource_name=self.name)
        getattr(nested, name)()
        self._raise_if_failed(nested, action)

    def handle_suspend(self):
        self._nested_action('suspend', 'SUSPEND')

    def handle_resume(self):
        self._nested_action('resume', 'RESUME')

    def handle_check(self):
        self._nested_action('check', 'CHECK')

    # -- outputs and attributes --------------------------------------------

    def get_output(self, name):
        """The value of the nested stack's output ``name``.

        :raises exception.NotFound: no such output (or no nested stack)
        """
        nested = self.nested()
        if nested is None:
            raise exception.NotFound(
                message='Nested stack of %s not found' % self.name)
        section = nested.t.get_section_name('outputs')
        if name not in (nested.t.t.get(section) or {}):
            raise exception.NotFound(
                message='Specified output key %s not found.' % name)
        return nested.output(name)

    def prepare_abandon(self):
        data = super().prepare_abandon() if hasattr(
            super(), 'prepare_abandon') else {}
        nested = self.nested()
        if nested is not None:
            # as upstream: a nested stack's resource carries its stack's
            # template beside its resources
            inner = nested.prepare_abandon()
            data['resources'] = inner.get('resources', {})
            data['template'] = inner.get('template', {})
        return data
