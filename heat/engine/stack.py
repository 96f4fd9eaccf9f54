"""The stack: its resources, their persistence and the stack actions.

A :class:`Stack` binds a template to parameters, conditions and resource
definitions (it implements ``heat.engine.stack_like.StackLike``, so the
template's functions resolve against it), owns its resources (built
lazily, in template order, through ``heat.engine.resources``) and runs
the stack actions: create, update (including replacement and rollback),
delete, suspend, resume, check, adopt, abandon, cancel, preview,
snapshot (restore is an update with the action RESTORE).

Persistence: :meth:`Stack.store` writes the template (with its
environment and files) once, then the ``stack`` row; :meth:`Stack.load`
rebuilds a stack and, through :meth:`Stack.db_resource_get`, lets each
resource find its row by name (all rows of the stack are read with one
query). Every stack state change updates the row and writes an event
whose resource name is the stack's name.

Threading: an action runs in the calling thread; its resources run
concurrently on a pool of native threads
(:class:`heat.engine.scheduler.DependencyRunner`), under an
:class:`heat.engine.scheduler.ActionControl` holding the action's
deadline (``timeout_mins``) and cancel event. A nested stack's action
runs under a control linked to its parent's, so cancelling or timing out
the parent reaches it.

Update: the new definitions are parsed against this stack (so references
resolve to the resources being updated or their replacements). Each new
resource is created, each kept resource updated in place or, when it
raises ``UpdateReplace``, replaced: the replacement is created first and
the old resource deleted only once everything that referred to it has
been updated (a type with ``replace_before_create = False`` has its old
resource deleted first). Resources gone from the template are deleted in
reverse dependency order. A failed update rolls back (unless rollback is
disabled) by updating to the previous template, swapping replaced
resources back in.
"""

import collections
import copy
import logging
import threading
import uuid

from oslo_db import exception as db_exc

from heat.common import exception, identifier
from heat.db import api as db_api
from heat.engine import (
    dependencies,
    environment,
    function,
    rsrc_defn,
    scheduler,
)
from heat.engine import template as tmpl_mod

LOG = logging.getLogger(__name__)

#: the type recorded on the stack's own events (upstream's)
STACK_EVENT_TYPE = 'OS::Heat::Stack'
#: upstream's ``stack_action_timeout`` default (minutes)
DEFAULT_TIMEOUT_MINS = 60
#: why a cancelled update stopped (upstream's text)
CANCEL_REASON = 'Operation cancelled'
#: why an action a new update preempted stopped
SUPERSEDED_REASON = 'Stack %s ' + scheduler.SUPERSEDED

# Actions running in this process, by stack id: how cancel() finds them.
_running = {}
_running_lock = threading.Lock()

_CURRENT = object()


def resource_limit_message(count, limit):
    """The ``max_resources_per_stack`` refusal, naming both numbers
    (upstream's wording first)."""
    return ('You have reached the maximum resources per stack: %d '
            'resources (nested stacks included), max_resources_per_stack '
            'is %d.' % (count, limit))


def depth_limit_message(depth, limit):
    """The ``max_nested_stack_depth`` refusal (upstream's wording
    first)."""
    return ('Recursion depth exceeds %d. A nested stack would be at depth '
            '%d, max_nested_stack_depth is %d.' % (limit, depth, limit))


def _resource_module():
    # heat.engine.resources imports the plugins, which import this module.
    from heat.engine import resources
    return resources


def _update_replace_class():
    from heat.engine import resource
    return getattr(resource, 'UpdateReplace', None)


def _reset_conditions(tmpl):
    # Conditions are cached per (template, stack); they must be evaluated
    # again when the stack's parameters change.
    if hasattr(tmpl, '_conditions_cache'):
        tmpl._conditions_cache = (None, None)


class Stack:
    """A stack of resources (``StackLike``)."""

    ACTIONS = (INIT, CREATE, DELETE, UPDATE, ROLLBACK, SUSPEND, RESUME,
               ADOPT, SNAPSHOT, CHECK, RESTORE) = (
        'INIT', 'CREATE', 'DELETE', 'UPDATE', 'ROLLBACK', 'SUSPEND',
        'RESUME', 'ADOPT', 'SNAPSHOT', 'CHECK', 'RESTORE')
    STATUSES = (IN_PROGRESS, FAILED, COMPLETE) = (
        'IN_PROGRESS', 'FAILED', 'COMPLETE')

    def __init__(self, context, stack_name, tmpl, stack_id=None,
                 action=None, status=None, status_reason='',
                 timeout_mins=None, disable_rollback=True,
                 parent_resource=None, owner_id=None, nested_depth=0,
                 user_creds_id=None, tags=None, strict_validate=True,
                 user_params=None, created_time=None, updated_time=None,
                 deleted_time=None, username=None, tenant_id=None,
                 prev_raw_template_id=None, adopt_stack_data=None,
                 parent_resource_name=None):
        self.context = context
        self.name = stack_name
        # The id is known from the start so that OS::stack_id and the
        # resources' physical names are stable; ``stored`` says whether
        # the row exists.
        self.id = stack_id or str(uuid.uuid4())
        self.stored = stack_id is not None
        self.t = tmpl
        self.action = action or self.INIT
        self.status = status or self.COMPLETE
        self.status_reason = status_reason
        self.timeout_mins = timeout_mins
        self.disable_rollback = disable_rollback
        self.parent_resource = parent_resource
        self._parent_resource_name = parent_resource_name
        self.owner_id = owner_id
        self.nested_depth = nested_depth or 0
        self.user_creds_id = user_creds_id
        self.tags = list(tags or [])
        self.strict_validate = strict_validate
        self.created_time = created_time
        self.updated_time = updated_time
        self.deleted_time = deleted_time
        self.username = username if username is not None else getattr(
            context, 'user_name', None)
        self.tenant_id = tenant_id or getattr(context, 'project_id', None)
        self.region_name = getattr(context, 'region_name', None)
        self.prev_raw_template_id = prev_raw_template_id
        self.adopt_stack_data = adopt_stack_data
        self._user_params = (dict(user_params) if user_params is not None
                             else None)
        self.parameters = self._make_parameters(tmpl)
        self._definitions = None
        self._resources = None
        self._db_rows = None
        #: replaced resources not deleted yet: name -> [Resource]
        self._replaced = collections.defaultdict(list)
        self._lock = threading.RLock()
        self._local = threading.local()
        self._control = None
        self._rollback_refused = False
        self._frozen_before = {}
        self._same_inputs = False
        self._root_id = None
        self.output_errors = {}
        #: read by :meth:`load`: its rows may hold resources a failed
        #: update left, which the template no longer has
        self._from_db = False

    # -- template, parameters, environment -------------------------------

    @property
    def env(self):
        return self.t.env

    @property
    def files(self):
        return self.t.files

    def user_params(self):
        """The parameter values the user gave (the environment's)."""
        if self._user_params is not None:
            return dict(self._user_params)
        return dict(getattr(self.env, 'params', None) or {})

    def _make_parameters(self, tmpl):
        env = tmpl.env
        user = (self._user_params if self._user_params is not None
                else dict(getattr(env, 'params', None) or {}))
        return tmpl.parameters(
            self.name, self.id, self.tenant_id, user_params=user,
            param_defaults=dict(getattr(env, 'param_defaults', None) or {}))

    @property
    def parent_resource_name(self):
        if self.parent_resource is not None:
            return self.parent_resource.name
        return self._parent_resource_name

    # -- StackLike -------------------------------------------------------

    def definitions(self):
        """``{name: ResourceDefinition}`` of the template (cached)."""
        if self._definitions is None:
            with self._lock:
                if self._definitions is None:
                    self._definitions = self.t.resource_definitions(self)
        return self._definitions

    def has_resource(self, name):
        try:
            return name in self.definitions()
        except TypeError:
            return False

    def resource_by_name(self, name):
        return self.resources.get(name)

    def condition(self, name):
        return bool(self.t.conditions(self).is_enabled(name))

    def availability_zones(self):
        return []

    # -- resources -------------------------------------------------------

    @property
    def resources(self):
        """``{name: Resource}`` in template order (built on first use)."""
        if self._resources is None:
            with self._lock:
                if self._resources is None:
                    built = {}
                    for name, defn in self.definitions().items():
                        built[name] = (self._build_kept_type(name, defn) or
                                       self._build_resource(name, defn))
                    built.update(self._build_leftovers(built))
                    self._prev_defns = None
                    self._resources = built
        return self._resources

    def _build_leftovers(self, built):
        """Resources a failed update left that the template no longer
        has (it failed before deleting them): as upstream they are
        still the stack's, listed, and deleted by the next update or the
        stack's delete. Each is built from the previous template (the
        one it came from) where it is there."""
        if not self._from_db:
            return {}
        rows = {name: row for name, row in self._load_db_rows()[0].items()
                if name not in built}
        if not rows:
            return {}
        prev_t, prev_defns = self._previous_definitions()
        left = {}
        for name, row in rows.items():
            defn = prev_defns.get(name)
            if defn is None or defn.resource_type != row.type:
                defn = rsrc_defn.ResourceDefinition(name, row.type)
            left[name] = self._build_leftover(name, defn, prev_t)
        return left

    def _previous_definitions(self):
        """``(template, {name: definition})`` of the template before a
        failed update (``prev_raw_template_id``); (None, {}) without one."""
        cached = getattr(self, '_prev_defns', None)
        if cached is not None:
            return cached
        prev_t, prev_defns = None, {}
        if self.prev_raw_template_id is not None:
            try:
                prev_t = self._load_template(self.context,
                                             self.prev_raw_template_id)
                prev_defns = prev_t.resource_definitions(self)
            except Exception:  # noqa: BLE001 - then each by its type
                prev_t, prev_defns = None, {}
        self._prev_defns = (prev_t, prev_defns)
        return self._prev_defns

    def _build_kept_type(self, name, defn):
        """After a failed update that did not get to change resource
        ``name``'s type, the resource is still what the previous template
        made (its row says so): built from that definition, so that the
        next update replaces it (or refuses to) and a delete deletes what
        exists. None when the row has the template's type."""
        if not self._from_db or self.prev_raw_template_id is None:
            return None
        row = self._load_db_rows()[0].get(name)
        if row is None or row.type == defn.resource_type:
            return None
        prev_t, prev_defns = self._previous_definitions()
        prev = prev_defns.get(name)
        if prev is None or prev.resource_type != row.type:
            return None
        return self._build_leftover(name, prev, prev_t)

    def _build_leftover(self, name, defn, prev_t):
        from heat.engine import resource
        resources = _resource_module()
        for holder in (self, prev_t):
            if holder is None:
                continue
            try:
                cls, info = resources.resolve_type(defn.resource_type,
                                                   holder, name)
                res = cls(name, defn, self)
                res.resource_info = info
                return res
            except Exception:  # noqa: BLE001 - try the next environment
                continue
        return resource.Resource(name, defn, self)

    def __getitem__(self, name):
        return self.resources[name]

    def __contains__(self, name):
        return name in self.resources

    def __iter__(self):
        return iter(self.resources)

    def __len__(self):
        return len(self.resources)

    def _build_resource(self, name, defn):
        try:
            return self._make_resource(name, defn)
        except exception.HeatException:
            if not self.stored:
                raise
            # A stored stack must stay deletable even when a type can no
            # longer be resolved (an update to it failed, a plugin went):
            # a bare resource holds its row; its delete does nothing.
            from heat.engine import resource
            LOG.warning('Stack %s: resource %s of type %s cannot be built',
                        self.name, name, defn.resource_type)
            return resource.Resource(name, defn, self)

    def _make_resource(self, name, defn, row=_CURRENT):
        """A resource object; ``row`` None: a new one (no stored state),
        a row: that stored resource, default: the current row by name."""
        if row is _CURRENT:
            return _resource_module().create_resource(name, defn, self)
        self._local.row = row
        try:
            return _resource_module().create_resource(name, defn, self)
        finally:
            del self._local.row

    def _load_db_rows(self):
        if self._db_rows is None:
            with self._lock:
                if self._db_rows is None:
                    rows = []
                    if self.stored:
                        rows = db_api.resource_get_all_by_stack(
                            self.context, self.id)
                    current = {}
                    for row in rows:
                        if row.replaced_by is None:
                            current[row.name] = row  # newest wins
                    self._db_rows = (current, [r for r in rows
                                               if r.replaced_by is not None])
        return self._db_rows

    def db_resource_get(self, name):
        """The stored row of resource ``name`` (None if it has none).

        Resources call this when they are built; the rows of the whole
        stack are read once.
        """
        override = getattr(self._local, 'row', _CURRENT)
        if override is not _CURRENT:
            return override
        return self._load_db_rows()[0].get(name)

    def _load_replaced(self):
        """Resources replaced by an update that did not finish."""
        if not self.stored:
            return
        old_rows = [r for r in db_api.resource_get_all_by_stack(
            self.context, self.id) if r.replaced_by is not None]
        defns = self.definitions()
        for row in old_rows:
            if any(r.id == row.id for r in self._replaced.get(row.name, ())):
                continue
            defn = defns.get(row.name)
            if defn is None or defn.resource_type != row.type:
                defn = rsrc_defn.ResourceDefinition(row.name, row.type)
            res = self._make_resource(row.name, defn, row=row)
            self._replaced[row.name].append(res)

    def replaced_resources(self):
        """``[Resource]`` replaced by an update but not deleted yet."""
        self._load_replaced()
        return [r for rs in self._replaced.values() for r in rs]

    def dependencies(self):
        """The resources' dependency graph, keyed by resource name."""
        deps = dependencies.Dependencies()
        for name, res in self.resources.items():
            deps += (name, None)
            for req in res.t.dependencies(self):
                if req in self.resources:
                    deps += (name, req)
        return deps

    def total_resources(self):
        """Resources of this stack's whole tree (the root's and every
        nested stack's), for the ``max_resources_per_stack`` limit."""
        root = self.root_stack_id()
        if self.stored:
            return db_api.stack_count_total_resources(self.context, root)
        return len(self.definitions())

    def root_stack_id(self):
        if self._root_id is None:
            if not self.owner_id:
                self._root_id = self.id
            else:
                parent = getattr(self.parent_resource, 'stack', None)
                if parent is not None:
                    self._root_id = parent.root_stack_id()
                else:
                    self._root_id = self._root_from_db()
        return self._root_id

    def _root_from_db(self):
        owner, seen = self.owner_id, 0
        while owner and seen < 100:
            row = db_api.stack_get(self.context, owner, self.tenant_id,
                                   show_deleted=True)
            if row is None or not row.owner_id:
                return owner
            owner, seen = row.owner_id, seen + 1
        return owner

    # -- identity, state -------------------------------------------------

    def identifier(self):
        return identifier.HeatIdentifier(self.tenant_id, self.name, self.id)

    @property
    def state(self):
        return (self.action, self.status)

    def timeout_secs(self):
        mins = self.timeout_mins
        if mins is None:
            mins = DEFAULT_TIMEOUT_MINS
        return mins * 60

    def _event(self, action, status, reason):
        return {'stack_id': self.id, 'resource_action': action,
                'resource_status': status, 'resource_name': self.name,
                'resource_type': STACK_EVENT_TYPE,
                'physical_resource_id': self.id,
                'resource_status_reason': reason}

    def state_set(self, action, status, reason):
        """Set and persist the state; writes the stack's event."""
        if action not in self.ACTIONS:
            raise ValueError('Invalid action %s' % action)
        if status not in self.STATUSES:
            raise ValueError('Invalid status %s' % status)
        self.action, self.status, self.status_reason = action, status, reason
        LOG.info('Stack %s %s (%s): %s', action, status, self.name, reason)
        if not self.stored:
            return
        fence = self.lock_fence()
        # The state and its event in one transaction, retried as a whole
        # when the database connection is lost (a restart, a failover)
        # for db_retry_seconds: a final state must not be lost to a
        # short outage. If it still cannot be written, the error reaches
        # the action's thread, which leaves the lock to the engine's
        # stale-stack check (EngineService.resolve_unwritten_stacks).
        budget = db_api.RetryBudget(what='state write of stack %s'
                                    % self.id)
        while True:
            try:
                with db_api.writer(self.context):
                    written = db_api.stack_update(
                        self.context, self.id, self.tenant_id, {
                            'action': action, 'status': status,
                            'status_reason': reason,
                            'updated_at': self.updated_time}, fence=fence)
                    if not written and fence is not None and \
                            not db_api.stack_lock_fence_held(self.context,
                                                             fence):
                        self._lock_lost(fence, '%s %s' % (action, status))
                    db_api.event_create(self.context,
                                        self._event(action, status, reason))
                return
            except db_exc.DBError as exc:
                if db_api._in_transaction(self.context) or \
                        not budget.pause(exc):
                    raise

    def lock_fence(self):
        """The fence of the lock this stack's action runs under (its
        own, set by the engine that took it, or its parent stack's), or
        None: writes are then unconditional (see heat.engine.stack_lock,
        "Fencing")."""
        stack = self
        for _ in range(64):
            fence = getattr(stack, '_lock_fence', None)
            if fence is not None:
                return fence
            parent = getattr(stack, 'parent_resource', None)
            stack = getattr(parent, 'stack', None)
            if stack is None:
                return None
        return None

    def set_lock_fence(self, fence):
        self._lock_fence = fence

    def _lock_lost(self, fence, what):
        LOG.error('Stack %s (%s): the lock of engine %s (token %s) was '
                  'taken over; the write of %s is refused', self.name,
                  self.id, fence[1], fence[2], what)
        raise exception.StackLockLost(stack_name=self.name, token=fence[2],
                                      engine_id=fence[1])

    # -- persistence -----------------------------------------------------

    def _row_values(self):
        return {
            'name': self.name, 'username': self.username,
            'action': self.action, 'status': self.status,
            'status_reason': self.status_reason,
            'timeout': self.timeout_mins,
            'disable_rollback': bool(self.disable_rollback),
            'owner_id': self.owner_id, 'nested_depth': self.nested_depth,
            'parent_resource_name': self.parent_resource_name,
            'user_creds_id': self.user_creds_id,
            'raw_template_id': self.t.id,
            'prev_raw_template_id': self.prev_raw_template_id,
            'tags': list(self.tags),
        }

    def _store_template(self, tmpl):
        row = db_api.raw_template_create(self.context, {
            'template': tmpl.t,
            'environment': tmpl.env.env_as_dict(),
            'files': dict(tmpl.files) if tmpl.files else None})
        tmpl.id = row.id
        return row.id

    def _new_trust(self):
        """The trust a new top-level stack gets (None: no trusts here),
        made before the stack's transaction: no Keystone call holds the
        database. The user delegates to heat while the token is valid,
        so whatever acts for the stack later needs no token."""
        ctx = self.context
        if self.stored or self.user_creds_id is not None or \
                self.owner_id or getattr(ctx, 'trust_id', None):
            return None
        from heat.engine.clients import trusts
        if not trusts.enabled(ctx):
            return None
        return trusts.create_trust(ctx)

    def _store_creds(self, new_trust=None):
        ctx = self.context
        to_dict = getattr(ctx, 'to_dict', None)
        stored = to_dict() if callable(to_dict) else {}
        stored.pop('auth_token', None)
        trust_id = new_trust or getattr(ctx, 'trust_id', None)
        trustor = getattr(ctx, 'user_id', None) if new_trust else None
        if new_trust:
            stored['trust_id'] = new_trust
        row = db_api.user_creds_create(ctx, {
            'username': getattr(ctx, 'user_name', None),
            'user_id': getattr(ctx, 'user_id', None),
            'tenant': getattr(ctx, 'project_name', None),
            'tenant_id': getattr(ctx, 'project_id', None),
            'trust_id': trust_id,
            'trustor_user_id': trustor,
            'region_name': getattr(ctx, 'region_name', None),
            'auth_url': getattr(ctx, 'auth_url', None),
            'context': stored})
        return row.id

    def store(self):
        """Write the stack (and, the first time, its template); the id."""
        trust = self._new_trust()
        try:
            self._store(trust)
        except BaseException:
            if trust is not None:
                from heat.engine.clients import trusts
                trusts.delete_trust(self.context, trust)
            raise
        return self.id

    def _store(self, trust):
        with db_api.writer(self.context):
            if getattr(self.t, 'id', None) is None:
                self._store_template(self.t)
            if not self.stored:
                if self.user_creds_id is None and not self.owner_id:
                    self.user_creds_id = self._store_creds(trust)
                values = self._row_values()
                values.update(id=self.id, tenant=self.tenant_id)
                row = db_api.stack_create(self.context, values)
                self.created_time = row.created_at
                self.stored = True
            else:
                values = self._row_values()
                values['updated_at'] = self.updated_time
                fence = self.lock_fence()
                written = db_api.stack_update(
                    self.context, self.id, self.tenant_id, values,
                    fence=fence)
                if not written and fence is not None and \
                        not db_api.stack_lock_fence_held(self.context,
                                                         fence):
                    self._lock_lost(fence, 'the stack row')
        return self.id

    @classmethod
    def load(cls, context, stack_id=None, show_deleted=False,
             parent_resource=None, stack=None):
        """The stored stack ``stack_id`` of the context's project.

        ``stack`` may be its row, already read.
        """
        row = stack
        if row is None:
            project = getattr(context, 'project_id', None)
            row = db_api.stack_get(context, stack_id, project,
                                   show_deleted=show_deleted) \
                if project else None
        if row is None:
            raise exception.StackNotFound(stack_id)
        tmpl = cls._load_template(context, row.raw_template_id)
        from heat.engine.autoscaling import members as as_members
        tmpl = as_members.member_template(context, row, tmpl)
        stack = cls(context, row.name, tmpl, stack_id=row.id,
                   action=row.action, status=row.status,
                   status_reason=row.status_reason or '',
                   timeout_mins=row.timeout,
                   disable_rollback=row.disable_rollback,
                   parent_resource=parent_resource, owner_id=row.owner_id,
                   nested_depth=row.nested_depth,
                   user_creds_id=row.user_creds_id, tags=row.tag_names,
                   created_time=row.created_at, updated_time=row.updated_at,
                   deleted_time=row.deleted_at, username=row.username,
                   tenant_id=row.tenant,
                   prev_raw_template_id=row.prev_raw_template_id,
                   parent_resource_name=row.parent_resource_name)
        stack._from_db = True
        return stack

    @staticmethod
    def _load_template(context, template_id):
        t_row = db_api.raw_template_get(context, template_id)
        files = {}
        if t_row.files_id is not None:
            files = db_api.raw_template_files_get(
                context, t_row.files_id).files or {}
        env = environment.Environment(t_row.environment or {})
        tmpl = tmpl_mod.Template.create(t_row.template, files=files, env=env)
        tmpl.id = t_row.id
        return tmpl

    def stored_context(self):
        """The context stored with the stack's credentials (a dict)."""
        if not self.user_creds_id:
            return None
        return db_api.user_creds_get(self.context,
                                     self.user_creds_id).context

    # -- validation ------------------------------------------------------

    def validate(self):
        """Check the template, parameters, resources and outputs."""
        try:
            self.t.validate()
        except exception.StackValidationFailed:
            raise
        except exception.HeatException as exc:
            raise exception.StackValidationFailed(message=str(exc)) from exc
        self.parameters.validate(validate_value=self.strict_validate,
                                 context=self.context)
        defns = self.definitions()
        dup = sorted(set(self.parameters.non_pseudo_param_keys)
                     & set(defns)) if hasattr(
            self.parameters, 'non_pseudo_param_keys') else []
        if dup:
            raise exception.StackValidationFailed(
                message='Duplicate names %s' % dup)
        self._check_resource_limit()
        try:
            list(self.dependencies())  # a cycle raises here
        except exception.InvalidExternalResourceDependency as exc:
            # found by fuzzing: external_id with depends_on was a 500
            raise exception.StackValidationFailed(message=str(exc)) from exc
        for name, res in self.resources.items():
            if name not in defns:
                continue  # left by a failed update, on its way out
            res.t.validate()
            res.validate()
        for out in self.t.outputs(self).values():
            out.validate()

    def _check_resource_limit(self):
        from heat.common import config
        limit = config.CONF.max_resources_per_stack
        if limit is None or limit < 0 or self.owner_id:
            return
        count = len(self.definitions())
        if count <= limit:
            # nested stacks are planned only when they could matter
            count = self.planned_resource_count()
        if count > limit:
            raise exception.RequestLimitExceeded(
                message=resource_limit_message(count, limit))

    def planned_resource_count(self):
        """The resources this stack's tree will hold once created: each
        resource counts 1, except one owning a nested stack, which counts
        what its nested stack will hold (``planned_resource_count`` of a
        StackResource). So ``max_resources_per_stack`` refuses a tree too
        large before anything is created."""
        total = 0
        for res in self.resources.values():
            counter = getattr(res, 'planned_resource_count', None)
            total += counter() if callable(counter) else 1
        return total

    # -- outputs ---------------------------------------------------------

    def outputs(self):
        """``{name: value}``; a value that fails to resolve is None (the
        error is in ``output_errors``)."""
        values = {}
        self.output_errors = {}
        for name, out in self.t.outputs(self).items():
            try:
                values[name] = out.get_value()
            except Exception as exc:
                values[name] = None
                self.output_errors[name] = str(exc)
        return values

    def output(self, name):
        """The value of output ``name`` (errors raise)."""
        outs = self.t.outputs(self)
        if name not in outs:
            raise exception.NotFound(
                message='Specified output key %s not found.' % name)
        return outs[name].get_value()

    def output_definitions(self):
        return self.t.outputs(self)

    # -- running actions -------------------------------------------------

    @property
    def action_control(self):
        """The running action's ``scheduler.ActionControl`` (or None):
        resources wait on its cancel event, up to its deadline."""
        return self._control

    def _parent_control(self):
        parent = getattr(self.parent_resource, 'stack', None)
        return getattr(parent, '_control', None)

    def _begin(self):
        control = scheduler.ActionControl(self.timeout_secs(),
                                          parent=self._parent_control())
        self._control = control
        with _running_lock:
            _running[self.id] = control
        return control

    def _end(self, control):
        if self._control is control:
            self._control = None
        with _running_lock:
            if _running.get(self.id) is control:
                del _running[self.id]

    def cancel(self, rollback=True, let_finish=False, superseded=False):
        """Cancel the action running on this stack in this process.

        Running resources stop waiting; an update then rolls back when
        ``rollback`` is true and ends UPDATE_FAILED otherwise. With
        ``let_finish`` (upstream's cancel without rollback) nothing new
        starts but running resources are let finish, and the action ends
        FAILED, "Stack <action> cancelled", without rollback. With
        ``superseded`` (a new update preempts the action) running
        resources stop waiting and end FAILED, and the action (nested
        actions included) ends FAILED, "Stack <action> superseded by a
        new update", never rolled back. Returns whether an action was
        running.
        """
        with _running_lock:
            control = _running.get(self.id)
        if control is None:
            return False
        if let_finish:
            control.stop('Stack %s cancelled' % self.action)
        elif superseded:
            control.cancel(SUPERSEDED_REASON % self.action, rollback=False,
                           superseded=True)
        else:
            control.cancel(CANCEL_REASON, rollback=rollback)
        return True

    def _failure_reason(self, action, exc, control=None):
        # A nested stack's own failure may be what the deadline caused.
        if scheduler.is_timeout(exc) or (control is not None and
                                         control.expired()):
            return '%s timed out' % action.title()
        if scheduler.is_cancel(exc):
            return str(scheduler.root_cause(exc))
        return 'Resource %s failed: %s' % (action, exc)

    def _run_resources(self, action, fn, reverse=False, aggregate=False,
                       graph=None):
        """Run ``fn(resource)`` over the graph; (status, reason)."""
        self.state_set(action, self.IN_PROGRESS, 'Stack %s started' % action)
        control = self._begin()
        try:
            graph = graph if graph is not None else self.dependencies()
            runner = scheduler.DependencyRunner(
                graph, lambda name: fn(self.resources[name]),
                reverse=reverse, control=control, aggregate=aggregate)
            runner.run()
        except Exception as exc:
            LOG.info('Stack %s %s failed: %s', self.name, action, exc)
            if control.stopping or control.superseded:
                # cancelled without rollback, or a new update takes over:
                # the failure is not rolled back
                self._rollback_refused = True
            return self.FAILED, self._failure_reason(action, exc, control)
        finally:
            self._end(control)
        return self.COMPLETE, 'Stack %s completed successfully' % action

    def _store_new_resources(self):
        """Store every resource not stored yet, in one transaction."""
        with db_api.writer(self.context):
            for res in self.resources.values():
                if getattr(res, 'id', None) is None:
                    res.store()

    # -- create, adopt ---------------------------------------------------

    def create(self):
        """Create every resource; roll back on failure unless disabled."""
        self._create_or_adopt(self.CREATE, lambda r: r.create())

    def adopt(self):
        """Create the stack from existing resources
        (``adopt_stack_data['resources'][name]`` for each)."""
        data = (self.adopt_stack_data or {}).get('resources') or {}
        self._create_or_adopt(self.ADOPT,
                              lambda r: r.adopt(data.get(r.name) or {}))

    def _create_or_adopt(self, action, fn):
        if not self.stored:
            self.store()
        try:
            self._store_new_resources()
        except Exception as exc:
            self.state_set(action, self.FAILED,
                           'Resource %s failed: %s' % (action, exc))
            return
        self._rollback_refused = False
        status, reason = self._run_resources(action, fn)
        self.state_set(action, status, reason)
        if status == self.FAILED and not self.disable_rollback and \
                not self._rollback_refused:
            self.delete(action=self.ROLLBACK, abandon=action == self.ADOPT)

    # -- suspend, resume, check ------------------------------------------

    def suspend(self):
        """Suspend every resource (dependents first)."""
        status, reason = self._run_resources(
            self.SUSPEND, lambda r: r.suspend(), reverse=True)
        self.state_set(self.SUSPEND, status, reason)

    def resume(self):
        """Resume every resource."""
        status, reason = self._run_resources(self.RESUME,
                                             lambda r: r.resume())
        self.state_set(self.RESUME, status, reason)

    def check(self):
        """Check every resource (all of them, even after a failure)."""
        self.updated_time = db_api.utcnow()
        status, reason = self._run_resources(self.CHECK, lambda r: r.check(),
                                             aggregate=True)
        unsupported = [name for name, res in self.resources.items()
                       if not _supports_check(res)]
        if unsupported:
            reason += ". '%s' not fully supported (see resources)" % (
                self.CHECK)
        self.state_set(self.CHECK, status, reason)

    def snapshot(self, save_snapshot):
        """Snapshot every resource (``handle_snapshot`` where a type has
        one), then ``save_snapshot(stack, status, reason)`` before the
        final state is written (as upstream's pre-completion hook): the
        saved data shows each resource SNAPSHOT_COMPLETE."""
        self.updated_time = db_api.utcnow()
        status, reason = self._run_resources(self.SNAPSHOT,
                                             lambda r: r.snapshot())
        save_snapshot(self, status, reason)
        self.state_set(self.SNAPSHOT, status, reason)

    # -- delete, abandon -------------------------------------------------

    def _destroy(self, res, abandon=False, remove_row=True):
        if abandon:
            res.abandon_in_progress = True
        res.delete()
        if remove_row and getattr(res, 'id', None) is not None:
            try:
                db_api.resource_delete(self.context, res.id)
            except exception.EntityNotFound:
                pass

    def delete(self, action=DELETE, abandon=False):
        """Delete every resource (dependents first), then the stack.

        ``action`` ROLLBACK is the rollback of a failed create: the stack
        stays, empty, as ROLLBACK_COMPLETE. ``abandon`` leaves the
        physical resources alone (every resource is retained).
        """
        if action not in (self.DELETE, self.ROLLBACK):
            self.state_set(self.DELETE, self.FAILED,
                           'Invalid action %s' % action)
            return
        if not self.stored:
            self.state_set(action, self.COMPLETE,
                           'Stack %s completed successfully' % action)
            return
        replaced = self.replaced_resources()
        # A full delete drops every row with the stack at the end; a
        # rollback keeps the stack, so its rows go one by one.
        remove_rows = action == self.ROLLBACK

        def destroy(res):
            self._destroy(res, abandon, remove_rows)

        status, reason = self._run_resources(action, destroy, reverse=True)
        if status == self.COMPLETE and replaced:
            try:
                for res in replaced:
                    self._destroy(res, abandon, True)
                self._replaced.clear()
            except Exception as exc:
                status = self.FAILED
                reason = self._failure_reason(action, exc)
        if status == self.COMPLETE and action == self.DELETE:
            self._delete_creds()
        self.state_set(action, status, reason)
        if status == self.COMPLETE and action == self.DELETE:
            db_api.stack_delete(self.context, self.id, self.tenant_id)
            self.deleted_time = db_api.utcnow()
            self._release_templates()
        if status == self.COMPLETE and action == self.ROLLBACK:
            with self._lock:
                self._resources = None
                self._db_rows = None

    def _delete_creds(self):
        if self.owner_id:
            return
        from heat.engine.resources import stack_user
        stack_user.delete_user_project(self)
        if not self.user_creds_id:
            return
        creds_id, self.user_creds_id = self.user_creds_id, None
        try:
            creds = db_api.user_creds_get(self.context, creds_id)
        except exception.EntityNotFound:
            creds = None
        if creds is not None and creds.trustor_user_id and creds.trust_id:
            from heat.engine.clients import trusts
            trusts.delete_trust(self.context, creds.trust_id)
        with db_api.writer(self.context):
            db_api.stack_update(self.context, self.id, self.tenant_id, {
                'user_creds_id': None, 'updated_at': self.updated_time})
            try:
                db_api.user_creds_delete(self.context, creds_id)
            except exception.EntityNotFound:
                pass

    def _release_templates(self):
        """Drop a previous template left by an unfinished update."""
        prev = self.prev_raw_template_id
        if prev is not None and prev != getattr(self.t, 'id', None):
            self._drop_template(prev)

    def _drop_template(self, template_id):
        try:
            db_api.raw_template_delete(self.context, template_id)
        except exception.EntityNotFound:
            pass
        except Exception:  # still referenced: purge_deleted takes it
            LOG.debug('Template %s still in use', template_id)

    def prepare_abandon(self):
        """Upstream's abandon data: the stack and each resource."""
        resources = {}
        for name, res in self.resources.items():
            prepare = getattr(res, 'prepare_abandon', None)
            if callable(prepare):
                resources[name] = prepare()
            else:
                resources[name] = _abandon_data(res)
        return {
            'name': self.name, 'id': self.id, 'action': self.action,
            'status': self.status, 'template': copy.deepcopy(self.t.t),
            'environment': self.env.user_env_as_dict(),
            'files': dict(self.files or {}),
            'resources': resources, 'project_id': self.tenant_id,
            'stack_user_project_id': None, 'tags': list(self.tags),
        }

    def snapshot_data(self):
        """The abandon data, for a snapshot: unlike
        :meth:`prepare_abandon` it leaves no resource (nested ones
        included) marked as being abandoned, so a later delete of the
        same objects still deletes."""
        marks = [(res, res.abandon_in_progress)
                 for res in _all_resources(self)]
        try:
            return self.prepare_abandon()
        finally:
            for res, mark in marks:
                res.abandon_in_progress = mark

    def abandon(self):
        """Forget the stack, leaving its resources; the abandon data."""
        data = self.prepare_abandon()
        self.delete(abandon=True)
        return data

    # -- preview ---------------------------------------------------------

    def preview_resources(self):
        """Each resource's preview (a nested stack's gives a list)."""
        out = []
        for res in self.resources.values():
            preview = getattr(res, 'preview', None)
            out.append(preview() if callable(preview) else res)
        return out

    def preview_update(self, newstack):
        """What updating to ``newstack`` would do, without doing it:
        ``{'unchanged', 'updated', 'replaced', 'added', 'deleted'}``,
        each a list of resource names."""
        result = {k: [] for k in ('unchanged', 'updated', 'replaced',
                                  'added', 'deleted')}
        frozen = {name: _frozen(res) for name, res in self.resources.items()}
        # The new definitions as the update would see them: new
        # parameters, references to this stack's resources.
        view = _UpdateView(self, newstack)
        new_defns = newstack.t.resource_definitions(view)
        for name, defn in new_defns.items():
            if name not in self.resources:
                result['added'].append(name)
                continue
            kind = _preview_change(self.resources[name], frozen[name],
                                   newstack, defn)
            result[kind].append(name)
        result['deleted'] = [n for n in self.resources if n not in new_defns]
        return result

    # -- update ----------------------------------------------------------

    def update(self, newstack, action=UPDATE):
        """Make this stack what ``newstack`` (not stored) describes;
        ``action`` UPDATE, ROLLBACK or RESTORE (to a snapshot's template;
        a failed restore is not rolled back)."""
        if action not in (self.UPDATE, self.ROLLBACK, self.RESTORE):
            self.state_set(self.UPDATE, self.FAILED,
                           'Invalid action %s' % action)
            return
        if self.status == self.IN_PROGRESS and action != self.ROLLBACK:
            self.state_set(action, self.FAILED,
                           'State invalid for %s' % action)
            return
        self.updated_time = db_api.utcnow()
        self.state_set(action, self.IN_PROGRESS, 'Stack %s started' % action)
        old = _Snapshot(self)
        try:
            self._load_replaced()
            self._frozen_before = {name: _frozen(res)
                                   for name, res in self.resources.items()}
            old_deps = self.dependencies()
        except Exception as exc:
            self.state_set(action, self.FAILED, str(exc))
            return
        # With the same files and environment, a definition that resolves
        # to the same values asks nothing of its resource; otherwise (a
        # provider template or a registry mapping may have changed) every
        # resource is asked.
        self._same_inputs = _same_inputs(self.t, newstack.t)
        try:
            self._switch_to(newstack, keep_template=action == self.ROLLBACK)
            new_defns = self.definitions()
            graph, plan = self._update_plan(old_deps, new_defns)
        except Exception as exc:
            self._restore(old)
            self.state_set(action, self.FAILED, str(exc))
            return
        control = self._begin()
        error = None
        try:
            runner = scheduler.DependencyRunner(
                graph, lambda node: plan[node](), control=control)
            runner.run()
        except Exception as exc:
            error = exc
        finally:
            self._end(control)
        if error is None:
            self._finish_update(action, old)
            return
        self._fail_update(action, old, error, control)

    def _switch_to(self, newstack, keep_template=False):
        """Take the new template, parameters and settings."""
        new_t = newstack.t
        if not keep_template and getattr(new_t, 'id', None) is None:
            self._store_template(new_t)
        _reset_conditions(new_t)
        stale = self.prev_raw_template_id
        self.prev_raw_template_id = getattr(self.t, 'id', None)
        if self.prev_raw_template_id == getattr(new_t, 'id', None):
            self.prev_raw_template_id = None
        self.t = new_t
        self._user_params = newstack.user_params()
        self.parameters = self._make_parameters(new_t)
        self.disable_rollback = newstack.disable_rollback
        self.timeout_mins = newstack.timeout_mins
        self.tags = list(newstack.tags)
        self._definitions = None
        self.store()
        if stale is not None and stale not in (
                getattr(new_t, 'id', None), self.prev_raw_template_id):
            # left by an update that failed without rolling back
            self._drop_template(stale)

    def _restore(self, old):
        """Back to the template and settings of ``old`` (a _Snapshot)."""
        failed_t = self.t
        _reset_conditions(old.t)
        self.t = old.t
        self._user_params = old.user_params
        self.parameters = self._make_parameters(old.t)
        self.disable_rollback = old.disable_rollback
        self.timeout_mins = old.timeout_mins
        self.tags = old.tags
        self.prev_raw_template_id = old.prev_raw_template_id
        self._definitions = None
        self.store()
        if failed_t is not old.t and getattr(failed_t, 'id', None) not in (
                None, getattr(old.t, 'id', None)):
            self._drop_template(failed_t.id)

    def _update_plan(self, old_deps, new_defns):
        """The update graph over ('new', name) and ('old', name) nodes and
        what each node does."""
        existing = dict(self.resources)
        graph = dependencies.Dependencies()
        plan = {}
        for name, defn in new_defns.items():
            node = ('new', name)
            graph += (node, None)
            for req in defn.dependencies(self):
                if req in new_defns:
                    graph += (node, ('new', req))
            if name in existing:
                plan[node] = _bind(self._update_resource, name, defn)
            else:
                plan[node] = _bind(self._add_resource, name, defn)
        for name in existing:
            node = ('old', name)
            graph += (node, None)
            # clean up a resource only after those that required it
            for requirer in old_deps.required_by(name):
                graph += (node, ('old', requirer))
            if name in new_defns:
                graph += (node, ('new', name))
                plan[node] = _bind(self._cleanup_replaced, name)
            else:
                plan[node] = _bind(self._remove_resource, name)
        return graph, plan

    def _add_resource(self, name, defn):
        res = self._make_resource(name, defn, row=None)
        with self._lock:
            self.resources[name] = res
        res.store()
        res.create()

    def _remove_resource(self, name):
        res = self.resources[name]
        self._destroy(res)
        with self._lock:
            self.resources.pop(name, None)

    def _cleanup_replaced(self, name):
        with self._lock:
            pending = list(self._replaced.get(name, ()))
        for res in pending:
            self._destroy(res)
            with self._lock:
                self._replaced[name].remove(res)
                if not self._replaced[name]:
                    del self._replaced[name]

    def _update_resource(self, name, defn):
        existing = self.resources[name]
        if self.action == self.ROLLBACK and self._swap_back(name, defn):
            return
        if self.action == self.UPDATE and \
                self._take_back_replaced(name, existing, defn):
            return
        before = self._frozen_before.get(name)
        if (self._same_inputs and _unchanged(existing, before, defn)
                and not self._hooked(name, 'pre-update')):
            existing.t = defn
            return
        replace = _update_replace_class()
        try:
            existing.update(defn, before)
            existing.t = defn
            return
        except Exception as exc:
            if replace is None or not isinstance(exc, replace):
                raise
        self._replace(name, existing, defn)

    def _hooked(self, name, hook):
        """Whether the environment sets ``hook`` on resource ``name``:
        upstream asks every resource of an update, so its pre-update
        hook pauses even one whose definition is unchanged."""
        registry = getattr(self.env, 'registry', None)
        return registry is not None and registry.matches_hook(name, hook)

    def _replace(self, name, existing, defn):
        new = self._make_resource(name, defn, row=None)
        if not getattr(existing, 'replace_before_create',
                       getattr(existing, 'strict_dependency', True)):
            # The type cannot have two at once: the old one goes first.
            self._destroy(existing)
            with self._lock:
                self.resources[name] = new
            new.store()
            new.create()
            return
        new.store()
        self._link_replacement(existing, new)
        with self._lock:
            self.resources[name] = new
            self._replaced[name].append(existing)
        # as upstream: the old one lets go of what the new one takes
        # over (a port's fixed IP addresses) before the new one is made
        existing.prepare_for_replace()
        new.create()

    def _link_replacement(self, old, new):
        with db_api.writer(self.context):
            if getattr(old, 'id', None) is not None:
                db_api.resource_update_and_save(self.context, old.id, {
                    'replaced_by': new.id})
            if getattr(new, 'id', None) is not None:
                db_api.resource_update_and_save(self.context, new.id, {
                    'replaces': getattr(old, 'id', None),
                    'replaced_by': None})

    def _swap_back(self, name, defn):
        """In a rollback, put back the resource an update replaced."""
        with self._lock:
            candidates = [r for r in self._replaced.get(name, ())
                          if r.state not in (('INIT', 'COMPLETE'),
                                             ('DELETE', 'COMPLETE'))
                          and r.t.resource_type == defn.resource_type]
            if not candidates:
                return False
            backup = candidates[-1]
            current = self.resources[name]
            self._replaced[name].remove(backup)
            self._replaced[name].append(current)
            self.resources[name] = backup
        self._link_replacement(current, backup)
        backup.t = defn
        backup.restore_prev_rsrc()
        return True

    def _take_back_replaced(self, name, existing, defn):
        """An update after a failed replacement: when ``defn`` asks for
        exactly what the resource it replaced still is (typed properties
        as stored, same implementation), that one is put back and the
        failed replacement goes, as upstream keeps the original rather
        than replace again."""
        if existing.status != self.FAILED or \
                existing.action not in (self.CREATE, self.INIT):
            return False
        with self._lock:
            backups = [r for r in self._replaced.get(name, ())
                       if r.status == self.COMPLETE
                       and r.action not in (self.INIT, self.DELETE)]
        for backup in reversed(backups):
            if not _asks_what_it_is(backup, defn):
                continue
            with self._lock:
                self._replaced[name].remove(backup)
                self._replaced[name].append(existing)
                self.resources[name] = backup
            self._link_replacement(existing, backup)
            existing.replaced_by = backup.id
            backup.replaces, backup.replaced_by = existing.id, None
            backup.t = defn
            backup.restore_prev_rsrc()
            backup.store()
            return True
        return False

    def _finish_update(self, action, old):
        # Resources replaced before (in an update that failed) go now.
        try:
            for res in self.replaced_resources():
                self._destroy(res)
            self._replaced.clear()
        except Exception as exc:
            LOG.warning('Stack %s: replaced resources left: %s',
                        self.name, exc)
        prev = self.prev_raw_template_id
        self.prev_raw_template_id = None
        self.store()
        if prev is not None and prev != getattr(self.t, 'id', None):
            self._drop_template(prev)
        if action == self.UPDATE:
            reason = 'Stack successfully updated'
        elif action == self.RESTORE:
            reason = 'Stack successfully restored'
        else:
            reason = 'Stack rollback completed'
        self._resources_reordered()
        self.state_set(action, self.COMPLETE, reason)

    def _resources_reordered(self):
        # keep template order in ``resources``
        with self._lock:
            defns = self.definitions()
            ordered = {n: self.resources[n] for n in defns
                       if n in self.resources}
            for n, r in self.resources.items():
                ordered.setdefault(n, r)
            self._resources = ordered

    def _fail_update(self, action, old, error, control):
        if scheduler.is_timeout(error) or control.expired():
            error = exception.Timeout()
            reason = 'Timed out'
        else:
            reason = str(scheduler.root_cause(error)) \
                if scheduler.is_cancel(error) else str(error)
        if scheduler.is_cancel(error):
            rollback = control.rollback
        else:
            rollback = isinstance(error, exception.ResourceFailure) or \
                not scheduler.is_timeout(error)
            rollback = rollback and not self.disable_rollback
        self._resources_reordered()
        self.state_set(action, self.FAILED, reason)
        if action == self.UPDATE and rollback:
            target = Stack(self.context, self.name, old.t,
                           stack_id=self.id, timeout_mins=old.timeout_mins,
                           disable_rollback=old.disable_rollback,
                           tags=old.tags, user_params=old.user_params,
                           owner_id=self.owner_id,
                           nested_depth=self.nested_depth)
            target.stored = False
            self.update(target, action=self.ROLLBACK)

    def rollback(self):
        """Roll back a failed create (delete) or update (to the previous
        template)."""
        if self.action == self.CREATE and self.status == self.FAILED:
            self.delete(action=self.ROLLBACK)
            return
        if self.action == self.UPDATE and self.status == self.FAILED and \
                self.prev_raw_template_id is not None:
            old_t = self._load_template(self.context,
                                        self.prev_raw_template_id)
            target = Stack(self.context, self.name, old_t, stack_id=self.id,
                           timeout_mins=self.timeout_mins,
                           disable_rollback=self.disable_rollback,
                           tags=self.tags, owner_id=self.owner_id,
                           nested_depth=self.nested_depth)
            target.stored = False
            self.update(target, action=self.ROLLBACK)
            return
        self.state_set(self.ROLLBACK, self.FAILED,
                       'Rollback is not possible from %s_%s' % self.state)

    # -- PATCH update ----------------------------------------------------

    def patched(self, template=None, params=None, files=None,
                clear_parameters=(), timeout_mins=None,
                disable_rollback=None, tags=None):
        """The stack an existing-template (PATCH) update aims at.

        The stored template, environment and files are reused; ``template``
        (a dict) replaces the template when given, ``files`` are added,
        ``params`` (an environment dict or plain parameter values) are
        merged over the stored environment after the names in
        ``clear_parameters`` are dropped from it.
        """
        env_dict = self.env.env_as_dict()
        cleared = set(clear_parameters or ())
        for section in ('parameters', 'parameter_defaults'):
            env_dict[section] = {k: v for k, v in
                                 (env_dict.get(section) or {}).items()
                                 if k not in cleared}
        new_env = environment.Environment(env_dict)
        if params:
            from heat.common import environment_format as env_fmt
            if any(key in params for key in env_fmt.SECTIONS):
                new_env.load(params)
            else:
                new_env.load({'parameters': dict(params)})
        new_files = dict(self.files or {})
        new_files.update(files or {})
        raw = copy.deepcopy(template if template is not None else self.t.t)
        new_t = tmpl_mod.Template.create(raw, files=new_files, env=new_env)
        return Stack(
            self.context, self.name, new_t,
            timeout_mins=(timeout_mins if timeout_mins is not None
                          else self.timeout_mins),
            disable_rollback=(disable_rollback if disable_rollback is not None
                              else self.disable_rollback),
            tags=tags if tags is not None else self.tags,
            parent_resource=self.parent_resource, owner_id=self.owner_id,
            nested_depth=self.nested_depth, user_creds_id=self.user_creds_id)

    def __repr__(self):
        return 'Stack(%r, %s_%s)' % (self.name, self.action, self.status)


class _UpdateView:
    """``newstack`` whose references resolve to ``stack``'s resources
    (StackLike), for previewing an update without making it."""

    def __init__(self, stack, newstack):
        self._stack = stack
        self._new = newstack
        self.name = stack.name
        self.id = stack.id
        self.tenant_id = stack.tenant_id
        self.region_name = stack.region_name
        self.parameters = newstack.parameters
        self.t = newstack.t
        self.files = newstack.files
        self.parent_resource = stack.parent_resource

    def resource_by_name(self, name):
        found = self._stack.resources.get(name)
        if found is None:
            found = self._new.resource_by_name(name)
        return found

    def has_resource(self, name):
        return self._new.has_resource(name)

    def condition(self, name):
        return bool(self.t.conditions(self).is_enabled(name))

    def availability_zones(self):
        return []


class _Snapshot:
    """What an update changes on the stack, to go back to."""

    def __init__(self, stack):
        self.t = stack.t
        self.user_params = stack.user_params()
        self.disable_rollback = stack.disable_rollback
        self.timeout_mins = stack.timeout_mins
        self.tags = list(stack.tags)
        self.prev_raw_template_id = stack.prev_raw_template_id


def _bind(fn, *args):
    return lambda: fn(*args)


def _frozen(res):
    """``res``'s definition with its values resolved now (the "before"
    of an update).

    As upstream's frozen definition, the properties are those the
    resource was last created or updated with when they are not what its
    definition gives now: an update that failed without rollback leaves
    the stack's template ahead of the resources it did not reach."""
    frozen = _frozen_defn(res.t)
    stored = getattr(res, '_stored_properties_data', None)
    if not isinstance(stored, dict) or frozen is res.t or \
            res.status == 'IN_PROGRESS' or \
            res.action in ('INIT', 'DELETE'):
        return frozen
    resolved = getattr(res, '_resolved_properties_data', None)
    current = resolved() if callable(resolved) else None
    if current is None or current == stored or \
            not isinstance(frozen.properties, dict):
        return frozen
    # the properties given now, and those whose value differs, as the
    # resource has them (typed values stand for what was given)
    props = {k: stored.get(k) for k in set(frozen.properties) |
             {k for k in set(stored) | set(current)
              if stored.get(k) != current.get(k)}}
    return rsrc_defn.ResourceDefinition(
        frozen.name, frozen.resource_type, properties=props,
        metadata=frozen.metadata, depends_on=frozen.depends_on,
        deletion_policy=frozen.deletion_policy,
        update_policy=frozen.update_policy,
        description=frozen.description, external_id=frozen.external_id,
        keys=frozen.keys, section=frozen.section)


def _frozen_defn(defn, strict=False):
    """``defn`` with properties, metadata, update policy and external id
    resolved now; the parsed one if they do not resolve (None when
    ``strict``)."""
    try:
        return rsrc_defn.ResourceDefinition(
            defn.name, defn.resource_type,
            properties=function.resolve(defn.properties),
            metadata=function.resolve(defn.metadata),
            depends_on=defn.depends_on,
            deletion_policy=defn.deletion_policy,
            update_policy=function.resolve(defn.update_policy),
            description=defn.description,
            external_id=function.resolve(defn.external_id),
            keys=defn.keys, section=defn.section)
    except Exception:
        return None if strict else defn


def _same_inputs(old_t, new_t):
    try:
        old_env, new_env = old_t.env.env_as_dict(), new_t.env.env_as_dict()
        # parameter values reach resources through their properties,
        # which are compared resolved
        old_env.pop('parameters', None)
        new_env.pop('parameters', None)
        return (dict(old_t.files or {}) == dict(new_t.files or {}) and
                old_env == new_env)
    except Exception:
        return False


def _unchanged(res, before, after):
    """Whether ``after`` asks nothing of a healthy resource: then the
    update leaves it alone (no handler, no events)."""
    if res.status != 'COMPLETE' or res.action in ('INIT', 'DELETE'):
        return False
    if getattr(res, 'always_update', False):
        return False  # the type decides (e.g. a nested stack)
    if before is None:
        return False
    resolved = _frozen_defn(after, strict=True)
    if resolved is None:
        return False
    try:
        return resolved.render_hot() == before.render_hot()
    except Exception:
        return False


def _asks_what_it_is(res, defn):
    """Whether ``defn`` is what ``res`` already is: the same
    implementation, the typed properties it stored."""
    stored = getattr(res, '_stored_properties_data', None)
    if stored is None or res.implementation_changed(defn):
        return False
    try:
        from heat.engine import resource
        wanted = resource._jsonable(dict(res.make_properties(defn).typed()))
    except Exception:  # noqa: BLE001 - unresolvable: not the same
        return False
    return wanted == stored


def _preview_change(res, before, newstack, after):
    if _unchanged(res, before, after):
        return 'unchanged'
    impl_changed = getattr(res, 'implementation_changed', None)
    if callable(impl_changed) and impl_changed(after, newstack):
        return 'replaced'  # resolved in the new environment
    preview = getattr(res, 'preview_update', None)
    if callable(preview):
        replace = _update_replace_class()
        try:
            changed = preview(after, before)
        except Exception as exc:
            if replace is not None and isinstance(exc, replace):
                return 'replaced'
            raise
        return 'updated' if changed else 'unchanged'
    if after.resource_type != before.resource_type:
        return 'replaced'
    try:
        new_props = function.resolve(after.properties) or {}
    except Exception:
        return 'updated'
    old_props = before.properties or {}
    if not isinstance(old_props, dict):
        return 'updated'
    changed = [k for k in set(new_props) | set(old_props)
               if new_props.get(k) != old_props.get(k)]
    if not changed:
        same_meta = True
        try:
            same_meta = (function.resolve(after.metadata) ==
                         before.metadata)
        except Exception:
            same_meta = False
        return 'unchanged' if same_meta else 'updated'
    schema = getattr(res, 'properties_schema', {}) or {}
    for key in changed:
        if not getattr(schema.get(key), 'update_allowed', False):
            return 'replaced'
    return 'updated'


def _supports_check(res):
    from heat.engine import resource
    base = getattr(resource, 'Resource', None)
    handler = getattr(type(res), 'handle_check', None)
    if handler is None:
        return False
    return base is None or handler is not getattr(base, 'handle_check',
                                                  None)


def _all_resources(stack, depth=0):
    """The resources of ``stack`` and of the nested stacks it has loaded
    (those :meth:`Stack.prepare_abandon` reaches)."""
    for res in list(stack.resources.values()):
        yield res
        nested = None
        if depth < 64 and callable(getattr(res, 'has_nested', None)) and \
                res.has_nested():
            nested = res.nested()
        if nested is not None:
            yield from _all_resources(nested, depth + 1)


def _abandon_data(res):
    data = {}
    getter = getattr(res, 'data', None)
    if callable(getter):
        data = getter()
    meta = getattr(res, 'metadata_get', None)
    return {'name': res.name, 'resource_id': res.resource_id,
            'type': res.type(), 'action': res.action,
            'status': res.status,
            'metadata': meta() if callable(meta) else {},
            'resource_data': data}
