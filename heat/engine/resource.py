"""The Resource base class: what every resource type shares.

A resource type is a subclass that declares ``properties_schema`` and
``attributes_schema`` and implements some of the handlers
(``handle_create`` / ``check_create_complete``, ``handle_update``,
``handle_delete``, ``handle_suspend``, ``handle_resume``,
``handle_check``, ``handle_signal``, ``handle_adopt``,
``_resolve_attribute``). This module owns everything around them:

- the state machine (``<ACTION>_<STATUS>``, upstream's names) and its
  persistence (one ``resource`` row through ``heat.db.api``), with an
  :class:`~heat.engine.event.Event` for every change of state;
- the lifecycle methods the stack calls in a worker thread (``create``,
  ``update``, ``delete``, ...): ``handle_<action>()``, then polling
  ``check_<action>_complete(token)`` with
  :func:`heat.engine.scheduler.wait_until` on the stack action's cancel
  event and deadline; a failure sets ``<ACTION>_FAILED`` with upstream's
  reason and raises :class:`~heat.common.exception.ResourceFailure`;
- data, metadata, references, attributes, physical names, signals,
  hooks (breakpoints) and mark-unhealthy.
"""

import contextlib
import json
import logging
import time
import weakref

from heat.common import exception, identifier, short_id, uuids
from heat.db import api as db_api
from heat.db import models as db_models
from heat.engine import (
    attributes,
    event,
    function,
    hook_waits,
    properties,
    scheduler,
)

LOG = logging.getLogger(__name__)

HOOK_TYPES = (HOOK_PRE_CREATE, HOOK_PRE_UPDATE, HOOK_PRE_DELETE,
              HOOK_POST_CREATE, HOOK_POST_UPDATE, HOOK_POST_DELETE) = (
    'pre-create', 'pre-update', 'pre-delete', 'post-create',
    'post-update', 'post-delete')

#: the reason mark-unhealthy uses when the caller gives none (upstream's)
MARK_UNHEALTHY_REASON = 'state changed by resource_mark_unhealthy api'


def valid_hook_type(hook):
    return hook in HOOK_TYPES


class UpdateReplace(Exception):
    """The resource cannot be updated in place: it must be replaced."""

    def __init__(self, resource_name='Unknown'):
        name = getattr(resource_name, 'name', resource_name)
        self.resource_name = name
        super().__init__('The Resource %s requires replacement.' % name)


class UpdateInProgress(Exception):
    def __init__(self, resource_name='Unknown'):
        super().__init__('The resource %s is already being updated.'
                         % resource_name)


class NoActionRequired(Exception):
    """A signal needed no action (no event is written, as upstream)."""

    def __init__(self, res_name='Unknown', reason=''):
        super().__init__('The resource %s does not need action: %s'
                         % (res_name, reason))


class Error(Exception):
    """A lifecycle method was called in a state that does not allow it
    (upstream's ``exception.Error``: its class name shows in reasons)."""


class _StackControl:
    """The stack action's cancel event and deadline, as
    :func:`scheduler.wait_until` expects them."""

    def __init__(self, stack):
        control = getattr(stack, 'action_control', None)
        self._control = control
        self.cancel_event = (control.cancel_event if control is not None
                             else getattr(stack, 'cancel_event', None))
        self._deadline = getattr(stack, 'deadline', None)

    @property
    def cancel_reason(self):
        if self._control is not None:
            return self._control.cancel_reason
        return None

    def cancelled_error(self):
        if self._control is not None:
            return self._control.cancelled_error()
        return scheduler.Cancelled()

    def remaining(self):
        if self._control is not None:
            return self._control.remaining()
        if self._deadline is None:
            return None
        return self._deadline - time.monotonic()


class Resource:
    """Base class of every resource type (see the module docstring)."""

    ACTIONS = (INIT, CREATE, DELETE, UPDATE, ROLLBACK, SUSPEND, RESUME,
               ADOPT, SNAPSHOT, CHECK) = (
        'INIT', 'CREATE', 'DELETE', 'UPDATE', 'ROLLBACK', 'SUSPEND',
        'RESUME', 'ADOPT', 'SNAPSHOT', 'CHECK')
    STATUSES = (IN_PROGRESS, FAILED, COMPLETE) = (
        'IN_PROGRESS', 'FAILED', 'COMPLETE')
    #: the pseudo action of signal events
    SIGNAL = 'SIGNAL'
    SHOW = attributes.SHOW

    properties_schema = {}
    attributes_schema = {}
    base_attributes_schema = attributes.BASE_ATTRIBUTES
    #: client name of the cloud service the type needs (None: none)
    required_service = None
    #: persist the physical id at once even without a cloud service (a
    #: stack resource's nested stack: a takeover must find it by id)
    persist_resource_id = False
    #: seconds between the first two polls of a ``check_*_complete``,
    #: doubling up to ``poll_max`` (cloud types poll a remote API)
    poll_start = scheduler.POLL_START
    poll_max = scheduler.POLL_MAX
    #: signals are refused while the resource is in one of these actions
    no_signal_actions = (SUSPEND, DELETE)
    #: a signal makes the stack re-resolve the others' metadata
    signal_needs_metadata_updates = True
    #: upstream's maximum length of physical resource names
    physical_resource_name_limit = 255
    #: a replacement is created before the old resource is deleted
    strict_dependency = True
    #: set by the registry: the type name the class was registered under
    resource_type_name = None
    #: keep typed properties in ``resource_properties_data`` rows shared
    #: with the events (upstream's ``event show`` resource_properties);
    #: off until the stack layer counts those rows in its cleanup
    store_event_properties = False
    #: keys of the data items this type keeps secret (signing secrets,
    #: passwords, tokens): :meth:`data_set` always stores them redacted,
    #: whoever writes them. Adopt restores data from the abandon data's
    #: plain ``{key: value}``, which says nothing about redaction; this
    #: declaration is what keeps an adopted secret as protected as the
    #: original
    secret_data_keys = frozenset()

    def __init__(self, name, definition, stack):
        self.name = name
        self.t = definition
        self.stack = stack
        self.context = getattr(stack, 'context', None)
        self.resource_info = None
        self.action = self.INIT
        self.status = self.COMPLETE
        self.status_reason = ''
        self.id = None
        self.uuid = uuids.random_uuid()
        self.resource_id = None
        self.created_time = None
        self.updated_time = None
        self.requires = []
        self.needed_by = []
        self.replaces = None
        self.replaced_by = None
        self.current_template_id = None
        self.root_stack_id = None
        self.engine_id = None
        self.abandon_in_progress = False
        self._data = None
        self._rsrc_metadata = None
        self._atomic_key = None
        self._stored_properties_data = None
        self._rsrc_prop_data_id = None
        self._properties = None
        self._properties_defn = None
        schema = dict(self.base_attributes_schema)
        schema.update(self.attributes_schema)
        self.attributes = attributes.Attributes(
            name, schema, self._make_resolver(weakref.ref(self)))
        loader = getattr(stack, 'db_resource_get', None)
        if callable(loader):
            row = loader(name)
            if row is not None:
                self.load_from_db(row)

    # -- identity --------------------------------------------------------

    def type(self):
        """The type as written in the template."""
        return self.t.resource_type

    def has_interface(self, resource_type):
        return resource_type in (self.type(), self.resource_type_name)

    @property
    def state(self):
        """``(action, status)``; also callable (``state()``)."""
        return _State(self.action, self.status)

    @property
    def external_id(self):
        return self.t.resolved_external_id() \
            if self.t.external_id is not None else None

    @property
    def deletion_policy(self):
        return self.t.effective_deletion_policy()

    @property
    def update_policy(self):
        return self.t.resolved_update_policy()

    def identifier(self):
        """The resource's ``ResourceIdentifier``."""
        return identifier.ResourceIdentifier(resource_name=self.name,
                                             **self.stack.identifier())

    def __str__(self):
        out = '%s "%s"' % (type(self).__name__, self.name)
        if self.resource_id is not None:
            out += ' [%s]' % self.resource_id
        stack_id = getattr(self.stack, 'id', None)
        stack_name = getattr(self.stack, 'name', None)
        out += ' Stack "%s"' % stack_name
        if stack_id is not None:
            out += ' [%s]' % stack_id
        return out

    __repr__ = __str__

    def has_nested(self):
        """Whether the resource owns a nested stack (StackResource)."""
        return False

    def nested(self):
        return None

    def preview(self):
        """What stack preview shows for this resource (itself)."""
        return self

    def frozen_definition(self):
        return self.t

    def reparse(self):
        """Forget typed properties (the definition's functions changed)."""
        self._properties = None

    def prepare_for_replace(self):
        """Called on the old resource before its replacement is made."""

    def restore_prev_rsrc(self, convergence=False):
        """Called on rollback when a replaced resource is restored."""

    # -- properties ------------------------------------------------------

    @property
    def properties(self):
        """The properties of the current definition (typed on access)."""
        if self._properties is None or self._properties_defn is not self.t:
            self._properties = self.make_properties(self.t)
            self._properties_defn = self.t
        return self._properties

    @properties.setter
    def properties(self, value):
        self._properties = value
        self._properties_defn = self.t

    def make_properties(self, definition):
        """``Properties`` of ``definition`` against this type's schema."""
        return properties.Properties(
            self.properties_schema, definition.properties or {},
            resolver=function.resolve, parent_name=self.name,
            context=self.context, path=definition.path('properties'))

    def _resolved_properties_data(self):
        """The typed values, for storage (None when they cannot be had)."""
        try:
            return _jsonable(dict(self.properties.typed()))
        except Exception:
            return None

    def _update_stored_properties(self):
        """Keep the current typed properties with the resource (and its
        next events: ``event show`` gives them, as upstream)."""
        data = self._resolved_properties_data()
        if data is None or (data == self._stored_properties_data and
                            self._rsrc_prop_data_id is not None):
            return
        self._stored_properties_data = data
        if self.store_event_properties and self._stack_id() is not None:
            self._rsrc_prop_data_id = db_api.resource_prop_data_create(
                self.context, data).id

    # -- persistence -----------------------------------------------------

    def _stack_id(self):
        return getattr(self.stack, 'id', None)

    def _root_stack_id(self):
        root = getattr(self.stack, 'root_stack_id', None)
        if callable(root):
            root = root()
        return root or self._stack_id()

    def _stack_lineage(self):
        """The ids of this resource's stack, the stacks above it that are
        in memory, and its root stack."""
        ids = []
        stack = self.stack
        while stack is not None and len(ids) < 100:
            ids.append(getattr(stack, 'id', None))
            parent = getattr(stack, 'parent_resource', None)
            stack = getattr(parent, 'stack', None)
        try:
            ids.append(self._root_stack_id())
        except Exception:  # noqa: BLE001 - the ids in memory are enough
            LOG.debug('No root stack id for %s', self)
        return ids

    def _db_values(self):
        values = {
            'action': self.action,
            'status': self.status,
            'status_reason': str(self.status_reason or ''),
            'stack_id': self._stack_id(),
            'nova_instance': (None if self.resource_id is None
                              else str(self.resource_id)),
            'name': self.name,
            'type': self.type(),
            'root_stack_id': self._root_stack_id(),
            'requires': list(self.requires or []),
            'needed_by': list(self.needed_by or []),
            'replaces': self.replaces,
            'replaced_by': self.replaced_by,
            'current_template_id': self.current_template_id,
            'properties_data': self._stored_properties_data,
            'rsrc_prop_data_id': self._rsrc_prop_data_id,
        }
        if self.updated_time is not None:
            values['updated_at'] = self.updated_time
        return values

    def store(self, set_metadata=False):
        """Insert or update this resource's row; returns the id.

        Updates are compare-and-swap on ``atomic_key``: a writer that
        lost (someone else wrote the row meanwhile) re-reads the key and
        writes again, since these fields are this object's to own.
        """
        with self._guarded_write():
            return self._store(set_metadata)

    @contextlib.contextmanager
    def _guarded_write(self):
        """Around every write of this resource's row: when the stack has
        a ``resource_write_guard(context)``, one transaction that calls it
        first, so that it can refuse the write by raising (a scaling
        group's converger fences its members' writes with its lease, see
        :mod:`heat.engine.autoscaling.members`); and when the stack's
        action runs under a fenced lock (``Stack.lock_fence``), a check
        in that transaction that the lock is still held as it was taken
        (``StackLockLost`` otherwise: a takeover's state stands, see
        heat.engine.stack_lock "Fencing"). Without either, nothing: the
        write keeps its own transaction (and its retries)."""
        guard = getattr(self.stack, 'resource_write_guard', None)
        fence = None
        lock_fence = getattr(self.stack, 'lock_fence', None)
        if callable(lock_fence):
            fence = lock_fence()
            if not isinstance(fence, tuple):
                fence = None
        if guard is None and fence is None:
            yield
            return
        with db_api.writer(self.context):
            if guard is not None:
                guard(self.context)
            if fence is not None and not db_api.stack_lock_fence_held(
                    self.context, fence, lock=True):
                # the stack's action lost its lock (heat.engine.stack_lock,
                # "Fencing"): the takeover's state of this resource stands
                LOG.error('Resource %s of stack %s: the lock of engine %s '
                          '(token %s) was taken over; the write of %s %s is '
                          'refused', self.name, self.stack.id, fence[1],
                          fence[2], self.action, self.status)
                raise exception.StackLockLost(stack_name=self.stack.name,
                                              token=fence[2],
                                              engine_id=fence[1])
            yield

    def _store(self, set_metadata):
        values = self._db_values()
        if set_metadata:
            metadata = self._template_metadata()
            values['rsrc_metadata'] = metadata
            self._rsrc_metadata = metadata
        if self.id is None:
            values['uuid'] = self.uuid
            values.pop('updated_at', None)
            if self.created_time is not None:
                values['created_at'] = self.created_time
            row = db_api.resource_create(self.context, values)
            self.id = row.id
            self.uuid = row.uuid
            self.created_time = row.created_at
            self._atomic_key = row.atomic_key
            return self.id
        for _attempt in range(5):
            key = self._atomic_key
            if key is None:
                key = db_api.resource_get(self.context, self.id).atomic_key
            if db_api.resource_update(self.context, self.id, values, key,
                                      expected_engine_id=self.engine_id):
                self._atomic_key = key + 1
                return self.id
            self._atomic_key = None
        # The row keeps changing hands (or is held by an engine):
        # the state still has to be recorded.
        row = db_api.resource_update_and_save(self.context, self.id, values)
        self._atomic_key = row.atomic_key
        return self.id

    def load_from_db(self, row):
        """Take the state of a stored row (``heat.db.models.Resource``)."""
        self.id = row.id
        self.uuid = row.uuid
        self.action = row.action or self.INIT
        self.status = row.status or self.COMPLETE
        self.status_reason = row.status_reason or ''
        self.resource_id = row.nova_instance
        self.created_time = row.created_at
        self.updated_time = row.updated_at
        self.requires = list(row.requires or [])
        self.needed_by = list(row.needed_by or [])
        self.replaces = row.replaces
        self.replaced_by = row.replaced_by
        self.current_template_id = row.current_template_id
        self.root_stack_id = row.root_stack_id
        self.engine_id = row.engine_id
        self._rsrc_metadata = row.rsrc_metadata
        self._atomic_key = row.atomic_key
        self._stored_properties_data = row.properties_data
        self._rsrc_prop_data_id = row.rsrc_prop_data_id
        self._data = None
        self.attributes.reset_resolved_values()

    _load_data = load_from_db

    def refresh(self):
        """Re-read the row (another thread or engine may have written)."""
        if self.id is not None:
            self.load_from_db(db_api.resource_get(self.context, self.id))

    def destroy(self):
        """Delete the row (and its data)."""
        if self.id is None:
            return
        try:
            with self._guarded_write():
                db_api.resource_delete(self.context, self.id)
        except exception.EntityNotFound:
            pass
        self.id = None

    def _ensure_stored(self):
        if self.id is None:
            self.store()

    # -- state -----------------------------------------------------------

    def state_set(self, action, status, reason='state changed'):
        """Set, persist and (on a change of state) record an Event."""
        if action not in self.ACTIONS:
            raise ValueError('Invalid action %s' % action)
        if status not in self.STATUSES:
            raise ValueError('Invalid status %s' % status)
        old_state = (self.action, self.status)
        set_metadata = self.action == self.INIT and action != self.INIT
        self.action = action
        self.status = status
        self.status_reason = reason
        # The row and its event in one transaction: a state change is
        # never stored without its event (nor the reverse), and it costs
        # one commit instead of two.
        with db_api.writer(self.context):
            self.store(set_metadata=set_metadata)
            if (action, status) != old_state:
                self._add_event(action, status, reason)
        if status != self.COMPLETE:
            self.attributes.reset_resolved_values()

    def _add_event(self, action, status, reason):
        """Store an event of this resource (its type as written)."""
        ev = event.Event(self.context, self.stack, action, status, reason,
                         self.resource_id, self.name, self.type(),
                         rsrc_prop_data_id=self._rsrc_prop_data_id)
        if self._stack_id() is None:
            return ev
        ev.store()
        return ev

    def resource_id_set(self, value):
        """Set the physical id.

        A cloud resource's id is persisted at once, so that an engine that
        dies mid-action leaves a row naming what it must clean up. An
        engine-internal resource (no ``required_service``) names nothing
        outside the database: during an action its id rides on the
        action's final state write, one transaction fewer per resource;
        except a resource that owns a nested stack
        (``persist_resource_id``): its id is written when the nested
        stack is, so a takeover never has to guess it.
        """
        self.resource_id = value
        if (self.required_service is None and
                not self.persist_resource_id and
                self.status == self.IN_PROGRESS):
            return
        if self.id is not None:
            with self._guarded_write():
                db_api.resource_update_and_save(
                    self.context, self.id,
                    {'nova_instance': None if value is None
                     else str(value)})

    def clear_stored_attributes(self):
        self.attributes.reset_resolved_values()

    # -- data and metadata -----------------------------------------------

    def data(self):
        """``{key: value}`` of the resource's data (redacted values
        in clear: engine use)."""
        if self._data is None and self.id is not None:
            self._data = db_api.resource_data_get_all(
                self.context, self.id, reveal_redacted=True)
        return dict(self._data or {})

    def data_set(self, key, value, redact=False):
        """Store one data item; redacted if ``redact`` or if the type
        declares ``key`` in :attr:`secret_data_keys`."""
        self._ensure_stored()
        redact = bool(redact) or key in self.secret_data_keys
        db_api.resource_data_set(self.context, self.id, key, value,
                                 redact=redact)
        self._data = None

    def data_delete(self, key):
        """Remove one item; True if it existed."""
        if self.id is None:
            return False
        try:
            db_api.resource_data_delete(self.context, self.id, key)
        except exception.EntityNotFound:
            return False
        finally:
            self._data = None
        return True

    def _template_metadata(self):
        try:
            return _jsonable(self.t.resolved_metadata())
        except Exception:
            return {}

    def metadata_get(self, refresh=False):
        """The template's metadata until created, then the stored one."""
        if refresh:
            self._rsrc_metadata = None
        if self.id is None or self.action == self.INIT:
            return self._template_metadata()
        if self._rsrc_metadata is None:
            row = db_api.resource_get(self.context, self.id)
            self._rsrc_metadata = row.rsrc_metadata
        return self._rsrc_metadata if self._rsrc_metadata is not None \
            else {}

    def metadata_set(self, metadata, merge_metadata=None):
        """Store ``metadata``; ``merge_metadata(new, stored)`` (if
        given) combines it with what is stored now."""
        if self.id is None or self.action == self.INIT:
            raise exception.ResourceNotAvailable(resource_name=self.name)
        if merge_metadata is not None:
            stored = db_api.resource_get(self.context, self.id).rsrc_metadata
            metadata = merge_metadata(metadata, stored)
        db_api.resource_update_and_save(self.context, self.id,
                                        {'rsrc_metadata': metadata})
        self._rsrc_metadata = metadata

    @property
    def metadata(self):
        return self.metadata_get()

    @metadata.setter
    def metadata(self, value):
        self.metadata_set(value)

    def metadata_update(self, new_metadata=None):
        """Resources whose metadata follows others override this."""

    # -- names and references --------------------------------------------

    def physical_resource_name(self):
        """``<stack>-<name>-<short id>`` once stored, else None."""
        if self.id is None or self.action == self.INIT:
            return None
        name = '%s-%s-%s' % (str(self.stack.name).rstrip('*'), self.name,
                             short_id.get_id(self.uuid))
        if self.physical_resource_name_limit:
            name = self.reduce_physical_resource_name(
                name, self.physical_resource_name_limit)
        return name

    @staticmethod
    def reduce_physical_resource_name(name, limit):
        """Keep the first 2 characters and the end (where the short id
        is), joined by a hyphen, within ``limit``."""
        if len(name) <= limit:
            return name
        if limit < 4:
            raise ValueError('limit cannot be less than 4')
        return name[:2] + '-' + name[-(limit - 3):]

    def physical_resource_name_or_FnGetRefId(self):
        return self.physical_resource_name() or self.FnGetRefId()

    def get_reference_id(self):
        if self.resource_id is not None:
            return str(self.resource_id)
        return str(self.name)

    def FnGetRefId(self):
        """``get_resource`` / ``Ref``: the physical id, or the name."""
        return self.get_reference_id()

    # -- attributes ------------------------------------------------------

    @staticmethod
    def _make_resolver(ref):
        # A weak reference: the attributes must not keep the resource.
        def resolve(name):
            rsrc = ref()
            if rsrc is None:
                raise RuntimeError('Resource collected')
            return rsrc._resolve_any_attribute(name)
        return resolve

    def _resolve_any_attribute(self, name):
        if name in self.base_attributes_schema and \
                name not in self.attributes_schema:
            if not self.resource_id:
                return None
            try:
                return getattr(self, '_%s_resource' % name)()
            except (exception.EntityNotFound,
                    exception.PhysicalResourceNotFound):
                return None
        try:
            return self._resolve_attribute(name)
        except (exception.EntityNotFound,
                exception.PhysicalResourceNotFound):
            return None

    def _resolve_attribute(self, name):
        """The value of attribute ``name`` (subclasses)."""
        return None

    def _show_resource(self):
        """The ``show`` attribute: the physical resource's details
        (None: types with no cloud resource behind them)."""
        return None

    def get_attribute(self, key, *path):
        """The value of attribute ``key`` at ``path`` (types with
        dynamic attribute names override this)."""
        try:
            value = self.attributes[key]
        except KeyError:
            raise exception.InvalidTemplateAttribute(
                resource=self.name, key=key) from None
        return attributes.select_from_attribute(value, path)

    def FnGetAtt(self, key, *path):
        """``get_attr`` / ``Fn::GetAtt``."""
        return self.get_attribute(key, *path)

    def FnGetAtts(self):
        """``get_attr: [name]``: every attribute but ``show``."""
        return {k: self.FnGetAtt(k) for k in self.attributes
                if k != self.SHOW}

    # -- validation ------------------------------------------------------

    @classmethod
    def is_service_available(cls, context):
        """Whether the cloud service the type needs can be reached."""
        if cls.required_service is None:
            return True
        services = getattr(context, 'available_services', None) or ()
        return cls.required_service in set(services)

    def validate(self):
        """Check the definition: functions, deletion policy, properties
        (errors at ``resources.<name>.properties...``)."""
        if not self.is_service_available(self.context):
            from heat.engine import clients
            raise exception.ResourceTypeUnavailable(
                service_name=self.required_service,
                resource_type=self.type(),
                reason=clients.unavailable_reason(self.context))
        self.t.validate()
        self.validate_deletion_policy(self.t.deletion_policy)
        strict = getattr(self.stack, 'strict_validate', True)
        return self.properties.validate(with_value=strict)

    def validate_template(self):
        """Upstream's name for :meth:`validate`."""
        return self.validate()

    def validate_deletion_policy(self, policy):
        if policy is None:
            return
        path = self.t.path('deletion_policy')
        if policy not in self.t.DELETION_POLICIES:
            raise exception.StackValidationFailed(
                message='Invalid deletion policy "%s"' % policy, path=path)
        if policy == self.t.SNAPSHOT and not callable(
                getattr(self, 'handle_snapshot_delete', None)):
            raise exception.StackValidationFailed(
                message='"%s" deletion policy not supported' % policy,
                path=path)

    # -- the action machinery --------------------------------------------

    def _control(self):
        return _StackControl(self.stack)

    def _wait(self, done):
        """Poll ``done()`` until true (cancel event, deadline)."""
        control = self._control()
        pace = {'start': self.poll_start, 'limit': self.poll_max}
        if control.cancel_event is None and control.remaining() is None:
            return scheduler.wait_until(done, **pace)
        if control.cancel_event is None:
            control.cancel_event = _NeverSet()
        return scheduler.wait_until(done, control, **pace)

    def _run_handler(self, action, args=()):
        """``handle_<action>(*args)`` then poll its check, if both exist
        (a type without the handler completes at once)."""
        handler = getattr(self, 'handle_%s' % action.lower(), None)
        check = getattr(self, 'check_%s_complete' % action.lower(), None)
        if not callable(handler):
            return None
        token = handler(*args)
        if callable(check):
            self._wait(lambda: check(token))
        return token

    def _fail(self, action, exc):
        """Record ``<ACTION>_FAILED`` for ``exc``; the error to raise."""
        if isinstance(exc, scheduler.Superseded):
            # a new update of the stack preempted this one
            self.state_set(action, self.FAILED, '%s aborted: %s'
                           % (action, scheduler.SUPERSEDED))
            return exception.ResourceFailure(exc, self, action)
        if isinstance(exc, scheduler.Cancelled):
            self.state_set(action, self.FAILED, '%s aborted' % action)
            return exception.ResourceFailure(exc, self, action)
        if isinstance(exc, exception.Timeout):
            self.state_set(action, self.FAILED,
                           '%s aborted (%s)' % (action, exc))
            return exception.ResourceFailure(exc, self, action)
        failure = (exc if isinstance(exc, exception.ResourceFailure)
                   else exception.ResourceFailure(exc, self, action))
        self.state_set(action, self.FAILED, str(failure))
        return failure

    def _do_action(self, action, pre_func=None, handler_args=(),
                   run_handler=True):
        """Run one action: IN_PROGRESS, handler and wait, COMPLETE."""
        self.attributes.reset_resolved_values()
        if action != self.DELETE:
            self._update_stored_properties()
        self.state_set(action, self.IN_PROGRESS)
        try:
            if pre_func is not None:
                pre_func()
            if run_handler:
                self._run_handler(action, handler_args)
        except Exception as exc:
            LOG.info('%s %s failed: %s', action, self, exc)
            raise self._fail(action, exc) from exc
        if action != self.DELETE:
            self._update_stored_properties()
        self.state_set(action, self.COMPLETE)

    def _invalid_state(self, action, what):
        exc = Error('State %s invalid for %s' % (str(tuple(self.state)),
                                                 what))
        return exception.ResourceFailure(exc, self, action)

    # -- hooks -----------------------------------------------------------

    def _registry(self):
        env = getattr(self.stack, 'env', None)
        if env is None:
            env = getattr(getattr(self.stack, 't', None), 'env', None)
        return getattr(env, 'registry', None)

    def has_hook(self, hook):
        self._data = None
        return self.data().get(hook) == 'True'

    def trigger_hook(self, hook):
        self.data_set(hook, 'True')

    def clear_hook(self, hook):
        self.data_delete(hook)

    def _stack_action(self):
        return getattr(self.stack, 'action', None)

    def _break_if_required(self, action, hook):
        """Pause until ``hook`` is cleared, if the environment sets it."""
        registry = self._registry()
        if registry is None or not registry.matches_hook(self.name, hook):
            return
        self.trigger_hook(hook)
        self._add_event(self.action, self.status,
                        '%s paused until Hook %s is cleared'
                        % (action, hook))
        LOG.info('Reached hook %s on %s', hook, self)
        try:
            with hook_waits.paused(*self._stack_lineage()):
                self._wait(lambda: not self.has_hook(hook))
        except BaseException:
            self.clear_hook(hook)
            self._add_event(self.action, self.status,
                            'Failure occurred while waiting.')
            raise

    # -- lifecycle: create -----------------------------------------------

    def create(self):
        """Create the physical resource (blocking)."""
        action = self.CREATE
        if (self.action, self.status) != (self.INIT, self.COMPLETE):
            raise self._invalid_state(action, 'create')
        if self.t.external_id is not None:
            self.adopt({'resource_id': self.external_id})
            return
        self._ensure_stored()
        # A replacement made during an update had its hook in update().
        if self._stack_action() == self.CREATE:
            self._hook_or_fail(action, HOOK_PRE_CREATE)
        LOG.info('creating %s', self)
        self._do_action(action, pre_func=self.properties.validate)
        if self._stack_action() == self.CREATE:
            self._hook_or_fail(action, HOOK_POST_CREATE)

    def _hook_or_fail(self, action, hook):
        try:
            self._break_if_required(action, hook)
        except Exception as exc:
            raise self._fail(action, exc) from exc

    def handle_create(self):
        return None

    def check_create_complete(self, token):
        return True

    # -- lifecycle: adopt ------------------------------------------------

    def adopt(self, resource_data):
        """Take over an existing physical resource (abandon data)."""
        self._ensure_stored()
        self._do_action(self.ADOPT, handler_args=(resource_data,))

    def handle_adopt(self, resource_data=None):
        """Take the physical id, data and metadata of the abandon data;
        data items under :attr:`secret_data_keys` are stored redacted
        (``data_set``)."""
        data = resource_data or {}
        resource_id = data.get('resource_id')
        if not resource_id:
            raise Exception('Resource ID was not provided.')
        self.resource_id_set(resource_id)
        items = data.get('resource_data')
        if isinstance(items, dict):
            for key, value in items.items():
                self.data_set(key, value)
        self.metadata_set(data.get('metadata'))

    # -- lifecycle: update -----------------------------------------------

    def update_template_diff(self, after, before):
        """Fields other than properties that changed: ``{field: new}``."""
        diff = {}
        for field in ('metadata', 'update_policy', 'deletion_policy'):
            old = _safe_resolve(getattr(before, field, None))
            new = _safe_resolve(getattr(after, field, None))
            if old != new:
                diff[field] = new
        return diff

    def update_template_diff_properties(self, after_props, before_props):
        """Changed properties ``{name: new value}``; raises UpdateReplace
        when one of them is not ``update_allowed``, NotSupported for an
        immutable one."""
        changed = _changed_properties(after_props, before_props)
        immutable = sorted(changed & after_props.immutable_set())
        if immutable:
            raise exception.NotSupported(
                feature='Update to properties %s of %s (%s)' % (
                    ', '.join(immutable), self.name, self.type()))
        if not changed <= after_props.update_allowed_set():
            raise UpdateReplace(self.name)
        return {k: after_props[k] for k in changed}

    def needs_replace(self, after_props):
        """Types that must be replaced on any update override this."""
        return False

    def needs_replace_with_prop_diff(self, changed_properties_set,
                                     after_props, before_props):
        return False

    def needs_replace_with_tmpl_diff(self, tmpl_diff):
        return False

    def needs_replace_failed(self):
        return True

    def implementation_changed(self, after, stack=None):
        """Whether ``after``'s type, resolved in ``stack``'s environment
        (this resource's stack, which an update has switched to the new
        one), is implemented otherwise than this resource is: another
        class or another provider template. As upstream, the type's name
        does not decide: an alias renamed to one resolving to the same
        class keeps its resource, the same name mapped elsewhere
        replaces it."""
        from heat.engine import resources
        stack = self.stack if stack is None else stack
        try:
            cls, info = resources.resolve_type(
                after.resource_type, stack, resource_name=self.name)
        except Exception:  # noqa: BLE001 - unresolvable: compare names
            return after.resource_type != self.type()
        if cls is not type(self):
            return True
        mine = getattr(self, 'template_name', None)
        if mine is None:
            mine = getattr(self.resource_info, 'template_name', None)
        return getattr(info, 'template_name', None) != mine

    def _needs_update(self, after, before, after_props, before_props):
        if self.status == self.FAILED:
            if self.action == self.CHECK or self.needs_replace_failed():
                raise UpdateReplace(self.name)
        if (self.action, self.status) in ((self.DELETE, self.COMPLETE),
                                          (self.INIT, self.COMPLETE)):
            raise UpdateReplace(self.name)
        if self.implementation_changed(after):
            raise UpdateReplace(self.name)
        if self.needs_replace(after_props):
            raise UpdateReplace(self.name)
        return _definitions_differ(after, before, after_props, before_props)

    def update(self, after, before=None, prev_resource=None):
        """Update to definition ``after`` (blocking).

        Raises :class:`UpdateReplace` when the change cannot be made in
        place; the stack then replaces the resource.
        """
        action = self.UPDATE
        if before is None:
            before = self.t
        # as upstream: adding, changing or removing external_id is not
        # an update (adopting a resource is a create, releasing one a
        # delete)
        if before.external_id != after.external_id:
            exc = exception.NotSupported(
                feature='Update to property external_id of %s (%s)' % (
                    self.name, self.type()))
            raise exception.ResourceFailure(exc, self, action)
        if after.external_id is not None:
            self.t = after
            return
        after_props = self.make_properties(after)
        before_props = self.make_properties(before)
        # as upstream: until the update is done the resource's properties
        # are the values it had (``before`` as the stack resolved them);
        # its parsed definition would resolve against the new template,
        # whose conditions and resources may not be the old ones
        self.properties = before_props
        if self._stack_action() in (self.UPDATE, self.ROLLBACK, None):
            self._hook_or_fail(action, HOOK_PRE_UPDATE)
        restricted = self._restricted_actions()
        if self.implementation_changed(after):
            # decided before the type's own rules (a type never replaced,
            # such as OS::Heat::None, is still replaced by another type)
            if 'replace' in restricted:
                exc = exception.ResourceActionRestricted(action='replace')
                self._add_event(action, self.FAILED, str(exc))
                raise exception.ResourceFailure(exc, self, action)
            raise UpdateReplace(self.name)
        if restricted:
            try:
                needs_update = self._check_restricted_actions(
                    restricted, after, before, after_props, before_props)
            except exception.ResourceActionRestricted as exc:
                # as upstream: the resource keeps its state; only an
                # event says why the update stopped here
                self._add_event(action, self.FAILED, str(exc))
                raise exception.ResourceFailure(exc, self, action) from exc
        else:
            needs_update = self._needs_update(after, before, after_props,
                                              before_props)
        if not needs_update:
            self.t = after
            if self.current_template_id is not None and self.id:
                self.store()
            return
        if (self.action, self.status) in ((self.CREATE, self.IN_PROGRESS),
                                          (self.UPDATE, self.IN_PROGRESS),
                                          (self.ADOPT, self.IN_PROGRESS)):
            raise exception.ResourceFailure(
                Exception('Resource update already requested'), self,
                action)
        LOG.info('updating %s', self)
        self.updated_time = _utcnow()

        def run():
            after_props.validate()
            tmpl_diff = self.update_template_diff(after, before)
            if tmpl_diff and self.needs_replace_with_tmpl_diff(tmpl_diff):
                raise UpdateReplace(self.name)
            prop_diff = self._prop_diff(after_props, before_props)
            self._run_handler(action, (after, tmpl_diff, prop_diff))

        self._update_action(action, run, after)
        if self._stack_action() in (self.UPDATE, self.ROLLBACK):
            self._hook_or_fail(action, HOOK_POST_UPDATE)

    def _restricted_actions(self):
        registry = self._registry()
        if registry is None:
            return set()
        return set(registry.restricted_actions(self.name))

    def preview_update(self, after, before=None, after_props=None,
                       before_props=None, check_init_complete=False):
        """What an update would do, without doing it: raises
        UpdateReplace for a replacement, else whether an in-place update
        is needed. A resource never created is compared by definition
        unless ``check_init_complete`` (then it is a replacement)."""
        if before is None:
            before = self.t
        if after_props is None:
            after_props = self.make_properties(after)
        if before_props is None:
            before_props = self.make_properties(before)
        if not check_init_complete and \
                (self.action, self.status) == (self.INIT, self.COMPLETE):
            if self.implementation_changed(after):
                raise UpdateReplace(self.name)
            return _definitions_differ(after, before, after_props,
                                       before_props)
        if not self._needs_update(after, before, after_props, before_props):
            return False
        tmpl_diff = self.update_template_diff(after, before)
        if tmpl_diff and self.needs_replace_with_tmpl_diff(tmpl_diff):
            raise UpdateReplace(self.name)
        self._prop_diff(after_props, before_props)
        return True

    def _check_restricted_actions(self, actions, after, before,
                                  after_props, before_props):
        """``restricted_actions`` of the environment: an update or a
        replacement they forbid raises ResourceActionRestricted."""
        try:
            needed = self.preview_update(after, before, after_props,
                                         before_props,
                                         check_init_complete=True)
        except UpdateReplace:
            if 'replace' in actions:
                raise exception.ResourceActionRestricted(
                    action='replace') from None
            raise
        if needed and 'update' in actions:
            raise exception.ResourceActionRestricted(action='update')
        return needed

    def _prop_diff(self, after_props, before_props):
        changed = _changed_properties(after_props, before_props)
        if changed and self.needs_replace_with_prop_diff(
                changed, after_props, before_props):
            raise UpdateReplace(self.name)
        return self.update_template_diff_properties(after_props,
                                                    before_props)

    def _update_action(self, action, run, after):
        """UPDATE_IN_PROGRESS, ``run()``, UPDATE_COMPLETE with ``after``
        as the definition; an UpdateReplace is re-raised after
        UPDATE_COMPLETE with its text as the reason."""
        self.attributes.reset_resolved_values()
        self.state_set(action, self.IN_PROGRESS)
        try:
            run()
        except UpdateReplace as exc:
            # Nothing was changed; the stack replaces the resource
            # (upstream records the update as complete, with the reason).
            self.state_set(action, self.COMPLETE, str(exc))
            raise
        except Exception as exc:
            LOG.info('%s %s failed: %s', action, self, exc)
            self.t = after
            raise self._fail(action, exc) from exc
        self.t = after
        self._update_stored_properties()
        self.state_set(action, self.COMPLETE)

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        """Default: a changed property means a replacement (upstream)."""
        if prop_diff:
            raise UpdateReplace(self.name)
        return None

    def check_update_complete(self, token):
        return True

    # -- lifecycle: delete -----------------------------------------------

    def delete(self):
        """Delete the physical resource (blocking); a resource never
        created is left alone, ``Retain`` keeps the physical one."""
        action = self.DELETE
        if (self.action, self.status) == (self.DELETE, self.COMPLETE):
            return
        if self.action == self.INIT:
            return
        if self._stack_action() == self.DELETE:
            self._hook_or_fail(action, HOOK_PRE_DELETE)
        LOG.info('deleting %s', self)
        policy = (self.t.RETAIN if self.abandon_in_progress
                  else self.t.effective_deletion_policy())
        if policy == self.t.RETAIN:
            self._do_action(action, run_handler=False)
        elif policy == self.t.SNAPSHOT and callable(
                getattr(self, 'handle_snapshot_delete', None)):
            self._snapshot_delete()
        else:
            self._do_action(action)
        if self._stack_action() == self.DELETE:
            self._hook_or_fail(action, HOOK_POST_DELETE)

    def _snapshot_delete(self):
        action = self.DELETE
        self.state_set(action, self.IN_PROGRESS)
        try:
            token = self.handle_snapshot_delete(
                (self.action, self.status))
            check = getattr(self, 'check_delete_complete', None)
            if callable(check):
                self._wait(lambda: check(token))
        except Exception as exc:
            raise self._fail(action, exc) from exc
        self.state_set(action, self.COMPLETE)

    def handle_delete(self):
        return None

    def check_delete_complete(self, token):
        return True

    # -- lifecycle: suspend, resume, check, snapshot ---------------------

    def suspend(self):
        action = self.SUSPEND
        if self.action == self.DELETE or (
                self.action != self.SUSPEND and
                self.status != self.COMPLETE):
            raise self._invalid_state(action, 'suspend')
        LOG.info('suspending %s', self)
        self._do_action(action)

    def resume(self):
        action = self.RESUME
        if (self.action, self.status) not in (
                (self.SUSPEND, self.COMPLETE), (self.RESUME, self.FAILED),
                (self.RESUME, self.COMPLETE)):
            raise self._invalid_state(action, 'resume')
        LOG.info('resuming %s', self)
        self._do_action(action)

    def check(self):
        """Check the physical resource; a type without ``handle_check``
        completes with upstream's "not supported" reason."""
        action = self.CHECK
        LOG.info('checking %s', self)
        if not callable(getattr(self, 'handle_check', None)):
            if (self.action, self.status) == (self.INIT, self.COMPLETE):
                # as upstream: a resource never created is left as it is
                # (CHECK_COMPLETE would say it was checked and exists)
                return
            self.state_set(action, self.COMPLETE,
                           '%s not supported for %s' % (action,
                                                        self.type()))
            return
        if (self.action, self.status) == (self.INIT, self.COMPLETE):
            self.state_set(action, self.FAILED,
                           'Can not check %s, resource not created yet.'
                           % self.name)
            raise exception.ResourceFailure(
                Exception('Resource %s not created yet.' % self.name),
                self, action)
        self._do_action(action)

    def snapshot(self):
        self._do_action(self.SNAPSHOT)

    # -- signals -----------------------------------------------------------

    def _signal_check_hook(self, details):
        if not isinstance(details, dict) or 'unset_hook' not in details:
            return
        hook = details['unset_hook']
        if not valid_hook_type(hook):
            raise exception.InvalidBreakPointHook(
                message='Invalid hook type "%s" for %s' % (hook, self))
        if not self.has_hook(hook):
            raise exception.InvalidBreakPointHook(
                message='The "%s" hook is not defined on %s' % (hook, self))

    def _signal_check_action(self):
        if self.action in self.no_signal_actions:
            self._add_event(self.action, self.status,
                            'Cannot signal resource during %s' % self.action)
            raise exception.NotSupported(
                feature='Signal resource during %s' % self.action)

    @staticmethod
    def _signal_reason(details):
        if details is None:
            return 'No signal details provided'
        if isinstance(details, str):
            return details
        if isinstance(details, dict) and all(
                k in details for k in ('previous', 'current', 'reason')):
            return 'alarm state changed from %s to %s (%s)' % (
                details['previous'], details['current'], details['reason'])
        return 'Unknown'

    def signal(self, details=None, need_check=True):
        """Deliver a signal (blocking).

        ``{"unset_hook": hook}`` clears a hook; otherwise
        ``handle_signal(details)`` runs and a ``SIGNAL`` event records
        it. Returns whether the stack should refresh the metadata of its
        other resources.
        """
        if need_check:
            self._signal_check_hook(details)
        if isinstance(details, dict) and 'unset_hook' in details:
            hook = details['unset_hook']
            self.clear_hook(hook)
            LOG.info('Clearing %s hook on %s', hook, self)
            self._add_event(self.action, self.status,
                            'Hook %s is cleared' % hook)
            return False
        if need_check:
            self._signal_check_action()
        handler = getattr(self, 'handle_signal', None)
        if not callable(handler):
            raise exception.ResourceActionNotSupported(action='signal')
        kwargs = {}
        key = getattr(self, 'signal_idempotency_key', None)
        if key is not None and _accepts(handler, 'idempotency_key'):
            kwargs['idempotency_key'] = key
        try:
            result = handler(details, **kwargs)
            self.signal_result = result
        except NoActionRequired:
            return False
        except Exception as exc:
            LOG.info('signal %s: %s', self, exc)
            raise exception.ResourceFailure(exc, self) from exc
        if isinstance(result, dict) and 'reason' in result:
            reason = 'Signal: %s' % result['reason']
        else:
            reason = ('Signal: %s' % result if result
                      else self._signal_reason(details))
        self._add_event(self.SIGNAL, self.status, reason)
        return self.signal_needs_metadata_updates

    # -- health ------------------------------------------------------------

    def mark_unhealthy(self, mark, reason=None):
        """Mark the resource ``CHECK_FAILED`` (``mark`` true) or, from
        ``CHECK_FAILED``, healthy again (``CHECK_COMPLETE``)."""
        reason = reason or MARK_UNHEALTHY_REASON
        if mark:
            if self.action != self.DELETE:
                self.state_set(self.CHECK, self.FAILED, reason)
        elif (self.action, self.status) == (self.CHECK, self.FAILED):
            self.handle_metadata_reset()
            self.state_set(self.CHECK, self.COMPLETE, reason)

    def handle_metadata_reset(self):
        """Types whose metadata can hang (scaling) reset it here."""

    # -- abandon -----------------------------------------------------------

    def prepare_abandon(self):
        self.abandon_in_progress = True
        return {
            'name': self.name,
            'resource_id': self.resource_id,
            'type': self.type(),
            'action': self.action,
            'status': self.status,
            'metadata': self.metadata_get(),
            'resource_data': self.data(),
        }


class _State(tuple):
    """``(action, status)`` that can also be called (``rsrc.state()``)."""

    def __new__(cls, action, status):
        return super().__new__(cls, (action, status))

    def __call__(self):
        return tuple(self)


class _NeverSet:
    """A cancel event that is never set (a stack without one)."""

    def is_set(self):
        return False

    def wait(self, timeout=None):
        if timeout:
            time.sleep(timeout)
        return False


class _UnknownType:
    def __repr__(self):
        return '<unknown>'


_Unknown = _UnknownType()


def _changed_properties(after_props, before_props):
    """Names whose value differs between two Properties (a property the
    old side cannot resolve counts as changed)."""
    changed = set()
    for key in after_props:
        try:
            old = before_props[key]
        except Exception:  # noqa: BLE001 - unresolvable: changed
            old = _Unknown
        if after_props[key] != old:
            changed.add(key)
    return changed


def _definitions_differ(after, before, after_props, before_props):
    if before.render_hot() != after.render_hot():
        return True
    try:
        return dict(before_props.typed()) != dict(after_props.typed())
    except Exception:
        return True


def _accepts(fn, name):
    import inspect
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(
        p.kind == p.VAR_KEYWORD for p in params.values())


def _safe_resolve(snippet):
    try:
        return function.resolve(snippet)
    except Exception:
        return snippet


def _utcnow():
    return db_models.utcnow()


def _jsonable(value):
    """``value`` if it can be stored as JSON, else its text form."""
    try:
        json.dumps(value)
        return value
    except (TypeError, ValueError):
        return json.loads(json.dumps(value, default=str))
