"""A batch of member creates and deletes in O(1) transactions.

The converger acts on a group's members one batch at a time (at most
``[autoscaling] converge_batch_size`` members, see
:mod:`heat.engine.autoscaling.converger`). A member made or removed one
by one costs three transactions of its own (its resource row's insert or
IN_PROGRESS, COMPLETE, the row's delete), each with its lease check;
here the whole batch costs two, whatever its size:

1. :func:`start`: one lease check (the converger's
   :class:`~heat.engine.autoscaling.members.LeaseFence`), then the new
   members' resource rows inserted ``CREATE_IN_PROGRESS`` (with their
   metadata, as ``Resource.state_set`` stores them), the removed
   members' rows set ``DELETE_IN_PROGRESS``, and one event per member,
   each kind in one executemany statement;
2. the members' own handlers (``handle_create`` / ``check_create_complete``,
   ``handle_delete`` / ``check_delete_complete``): see :func:`inline`;
   a handler that fails records its member's ``<ACTION>_FAILED`` on its
   own, fenced like every member row write;
3. :func:`complete`, inside the converger's outcome transaction (the
   same lease check covers it and the member rows): the new rows set
   ``CREATE_COMPLETE``, the removed ones deleted (their data and unused
   property rows with them), one event per member, again one statement
   each.

Events stay one per member and per state, as a member made alone writes
them (``event list`` shows ``CREATE_IN_PROGRESS`` then
``CREATE_COMPLETE`` for each). A converger that lost its lease writes
nothing: the check is the first statement of both transactions.

Only members that need nothing else go this way (:func:`batchable`):
a member to create that has no row yet, a member to delete whose row
exists, with the ``Delete`` deletion policy, no external id, no hook
(breakpoint) set on it, of a type that keeps ``Resource``'s lifecycle
methods. Everything else (a resumed half-made member,
``Retain`` or ``Snapshot``, hooks, updates) takes the member's own
lifecycle methods, as before. A crash anywhere leaves the member rows'
intent (``PENDING``, ``REMOVING``) and resource rows that the converger's
resume knows: an ``IN_PROGRESS`` row is deleted and made again, or
deleted again.
"""

from heat.common import uuids
from heat.db import api as db_api
from heat.engine import event as event_mod
from heat.engine import resource as resource_mod

CREATE, DELETE = 'create', 'delete'

_R = resource_mod.Resource
#: the reason ``Resource.state_set`` records by default
REASON = 'state changed'
_HOOKS = {CREATE: (resource_mod.HOOK_PRE_CREATE,
                   resource_mod.HOOK_POST_CREATE),
          DELETE: (resource_mod.HOOK_PRE_DELETE,
                   resource_mod.HOOK_POST_DELETE)}


#: the lifecycle this module writes in bulk on a member's behalf (a
#: type's own ``_run_handler``, e.g. a cloud type's, is called as such)
_LIFECYCLE = ('create', 'delete', 'destroy', 'state_set', 'store',
              '_store', '_do_action', '_add_event')


def batchable(res, action):
    """Whether ``res`` (a member resource of the batch's stack) can be
    created (``action`` ``create``) or deleted (``delete``) in the
    batch's transactions rather than by its own lifecycle methods."""
    if res.t.external_id is not None or res.store_event_properties:
        return False
    cls = type(res)
    # a type that changes the lifecycle itself keeps it
    if any(getattr(cls, m) is not getattr(_R, m) for m in _LIFECYCLE):
        return False
    registry = res._registry()
    if registry is not None and any(registry.matches_hook(res.name, h)
                                    for h in _HOOKS[action]):
        return False
    if action == CREATE:
        return res.id is None and (res.action, res.status) == (
            _R.INIT, _R.COMPLETE)
    return (res.id is not None and res.action != _R.INIT and
            (res.action, res.status) != (_R.DELETE, _R.COMPLETE) and
            not res.abandon_in_progress and
            res.t.effective_deletion_policy() == res.t.DELETE)


def inline(res, action):
    """Whether the member's handler does no work worth a thread of its
    own: a type with no cloud service behind it, no nested stack and no
    ``check_<action>_complete`` to poll (``OS::Heat::None``): it runs in
    the converger's thread. Others (cloud members, ``TestResource``)
    run concurrently, ``[autoscaling] member_concurrency`` at once."""
    check = 'check_%s_complete' % action
    return (res.required_service is None and not res.has_nested() and
            getattr(type(res), check, None) is getattr(_R, check))


def _event(res, now, status, reason=REASON):
    """The event row of ``res``'s state change (``Event.store``'s)."""
    return {
        'uuid': uuids.random_uuid(),
        'created_at': now,
        'stack_id': res.stack.id,
        'resource_action': res.action,
        'resource_status': status,
        'resource_name': res.name,
        'resource_type': res.type(),
        'physical_resource_id': event_mod._text_or_none(res.resource_id),
        'resource_status_reason': event_mod._reason(reason),
        'rsrc_prop_data_id': res._rsrc_prop_data_id,
    }


def start(context, guard, creates, deletes):
    """Transaction 1 of a batch (see the module docstring): ``creates``
    (resources with no row) inserted ``CREATE_IN_PROGRESS``, ``deletes``
    set ``DELETE_IN_PROGRESS``, an event each, after one ``guard``
    check. Raises LeaseLost (nothing written) when the lease moved."""
    if not creates and not deletes:
        return
    now = db_api.utcnow()
    rows, events, updates = [], [], []
    for res in creates:
        res.attributes.reset_resolved_values()
        res._update_stored_properties()
        metadata = res._template_metadata()
        res.action, res.status, res.status_reason = (
            _R.CREATE, _R.IN_PROGRESS, REASON)
        values = res._db_values()
        values.pop('updated_at', None)
        values.update(uuid=res.uuid, rsrc_metadata=metadata,
                      created_at=now)
        rows.append(values)
        res._rsrc_metadata = metadata
        events.append(_event(res, now, _R.IN_PROGRESS))
    for res in deletes:
        res.attributes.reset_resolved_values()
        res.action, res.status, res.status_reason = (
            _R.DELETE, _R.IN_PROGRESS, REASON)
        updates.append({'id': res.id, 'action': res.action,
                        'status': res.status, 'status_reason': REASON,
                        'updated_at': now})
        events.append(_event(res, now, _R.IN_PROGRESS))
    with db_api.writer(context):
        guard(context)
        ids = db_api.resource_create_many(context, rows)
        db_api.resource_update_many(context, updates)
        db_api.event_create_many(context, events)
    for res in creates:
        res.id = ids[res.uuid]
        res.created_time = now
        res._atomic_key = 0
    for res in deletes:
        res.updated_time = now
        res._atomic_key = None  # re-read by a later write of its own


def run(res, action):
    """The member's own handler (and its polling), as
    ``Resource._do_action`` runs it; a failure records the member's
    ``<ACTION>_FAILED`` (its own fenced write) and raises
    ResourceFailure."""
    name = _R.CREATE if action == CREATE else _R.DELETE
    try:
        if action == CREATE:
            res.properties.validate()
        res._run_handler(name)
    except Exception as exc:
        raise res._fail(name, exc) from exc
    if action == CREATE:
        res._update_stored_properties()


def complete(context, created, deleted):
    """Transaction 3 of a batch, run inside the caller's transaction
    (which has checked the lease): ``created`` set ``CREATE_COMPLETE``,
    ``deleted`` deleted with their data, an event each."""
    if not created and not deleted:
        return
    now = db_api.utcnow()
    updates, events = [], []
    for res in created:
        updates.append({'id': res.id, 'action': _R.CREATE,
                        'status': _R.COMPLETE, 'status_reason': REASON,
                        'nova_instance': (None if res.resource_id is None
                                          else str(res.resource_id)),
                        'properties_data': res._stored_properties_data,
                        'updated_at': now})
        events.append(_event(res, now, _R.COMPLETE))
    for res in deleted:
        events.append(_event(res, now, _R.COMPLETE))
    with db_api.writer(context):
        db_api.resource_update_many(context, updates)
        db_api.event_create_many(context, events)
        db_api.resource_delete_many(context, [r.id for r in deleted])
    for res in created:
        res.status, res.status_reason = _R.COMPLETE, REASON
        res.updated_time = now
        if res._atomic_key is not None:
            res._atomic_key += 1
    for res in deleted:
        res.status, res.status_reason = _R.COMPLETE, REASON
        res.id = None
