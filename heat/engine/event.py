"""Events: one stored state change of a resource (or of the stack).

A resource writes an event on every ``state_set`` and on signals; the
stack writes its own with the stack's name as the resource name, as
upstream does. Events are listed by the API through ``heat.db.api``.
"""

from heat.common import identifier
from heat.db import api as db_api


class StackRef:
    """What :class:`Event` needs of a stack to store an event: its id."""

    def __init__(self, stack_id):
        self.id = stack_id


class Event:
    """One state change, stored with :meth:`store`."""

    def __init__(self, context, stack, action, status, reason,
                 physical_resource_id, resource_name, resource_type,
                 uuid=None, timestamp=None, id=None,
                 resource_properties=None, rsrc_prop_data_id=None):
        self.context = context
        self.stack = stack
        self.action = action
        self.status = status
        self.reason = reason
        self.physical_resource_id = physical_resource_id
        self.resource_name = resource_name
        self.resource_type = resource_type
        self.uuid = uuid
        self.timestamp = timestamp
        self.id = id
        self._resource_properties = resource_properties
        self.rsrc_prop_data_id = rsrc_prop_data_id

    @classmethod
    def from_db(cls, context, stack, row):
        return cls(context, stack, row.resource_action, row.resource_status,
                   row.resource_status_reason, row.physical_resource_id,
                   row.resource_name, row.resource_type, uuid=row.uuid,
                   timestamp=row.created_at, id=row.id,
                   rsrc_prop_data_id=row.rsrc_prop_data_id)

    @property
    def resource_properties(self):
        """The resource's typed properties when the event happened."""
        if self._resource_properties is None and \
                self.rsrc_prop_data_id is not None:
            row = db_api.resource_prop_data_get(self.context,
                                                self.rsrc_prop_data_id)
            self._resource_properties = row.data or {}
        return self._resource_properties or {}

    def values(self):
        """The event's columns as :meth:`store` writes them (but the
        properties of an event that has no ``rsrc_prop_data_id``, which
        :meth:`store` stores first)."""
        values = {
            'stack_id': self.stack.id,
            'resource_action': self.action,
            'resource_status': self.status,
            'resource_name': self.resource_name,
            'resource_type': self.resource_type,
            'physical_resource_id': _text_or_none(
                self.physical_resource_id),
            'resource_status_reason': _reason(self.reason),
        }
        if self.rsrc_prop_data_id is not None:
            values['rsrc_prop_data_id'] = self.rsrc_prop_data_id
        if self.uuid is not None:
            values['uuid'] = self.uuid
        if self.timestamp is not None:
            values['created_at'] = self.timestamp
        return values

    def store(self):
        """Insert the event; returns its database id."""
        values = self.values()
        if self.rsrc_prop_data_id is None and self._resource_properties:
            self.rsrc_prop_data_id = db_api.resource_prop_data_create(
                self.context, self._resource_properties).id
            values['rsrc_prop_data_id'] = self.rsrc_prop_data_id
        row = db_api.event_create(self.context, values)
        self.id = row.id
        self.uuid = row.uuid
        self.timestamp = row.created_at
        return self.id

    def identifier(self):
        """The event's ``EventIdentifier`` (None until stored)."""
        if self.uuid is None:
            return None
        stack_ident = self.stack.identifier()
        res_ident = identifier.ResourceIdentifier(
            resource_name=self.resource_name, **stack_ident)
        return identifier.EventIdentifier(event_id=str(self.uuid),
                                          **res_ident)

    def as_dict(self):
        return {'uuid': self.uuid, 'resource_name': self.resource_name,
                'resource_action': self.action,
                'resource_status': self.status,
                'resource_status_reason': self.reason,
                'physical_resource_id': self.physical_resource_id,
                'resource_type': self.resource_type,
                'resource_properties': self.resource_properties,
                'timestamp': self.timestamp}

    def __repr__(self):
        return 'Event(%s %s_%s %r)' % (self.resource_name, self.action,
                                       self.status, self.reason)


def _text_or_none(value):
    return None if value is None else str(value)


#: most characters of a stored reason: MySQL's TEXT holds 65535 bytes,
#: 4 per character at worst
MAX_REASON = 16000


def _reason(value):
    """The reason as stored: cut to :data:`MAX_REASON` characters, NUL
    characters shown as U+FFFD. A reason may quote a caller's input (an
    alarm state, a signal's reason, up to the 1 MiB of a request body):
    found by fuzzing, a longer one failed the event's INSERT on MariaDB,
    a NUL on PostgreSQL, a 500 after the signal was applied."""
    text = _text_or_none(value)
    if text is None:
        return None
    if len(text) > MAX_REASON:
        text = text[:MAX_REASON - 15] + '... (truncated)'
    return text.replace('\x00', '\ufffd')
