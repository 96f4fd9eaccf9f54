"""``OS::Heat::TestResource``: a resource with knobs, for testing.

It stores ``value`` (resource data, attribute ``output``) and lets a
template make its actions slow (``wait_secs``, ``action_wait_secs``; -1
waits until the action is cancelled), fail (``fail``: create and update
fail once their wait is over with ``Test Resource failed <name>``; delete
never fails), be replaced (``update_replace`` when ``value`` changes,
``update_replace_value`` on any change), slow to resolve attributes
(``attr_wait_secs``) or to validate (``constraint_prop_secs``, through the
``test_constr`` custom constraint).

Its reference is its physical name, ``<stack>-<name>-<short id>``, not the
value. ``client_name``/``entity_name`` poll a cloud client upstream; with
no cloud they do nothing.
"""

import time

from heat.engine import attributes, constraints, properties, resource


class TestConstraintDelay(constraints.BaseCustomConstraint):
    """``test_constr``: accepts any number after sleeping that long."""

    def validate(self, value, context=None):
        try:
            delay = float(value)
        except (TypeError, ValueError):
            return True
        if delay > 0:
            time.sleep(delay)
        return True


constraints.register_constraint('test_constr', TestConstraintDelay)


def _number(description, default=None):
    return properties.Schema(properties.Schema.NUMBER, description,
                             default=default, update_allowed=True)


class TestResource(resource.Resource):
    """Stores a string; its actions wait, fail or replace on demand."""

    ACTION_TIMES = ('create', 'update', 'delete')
    PROPERTIES = (
        VALUE, UPDATE_REPLACE, FAIL, CLIENT_NAME, ENTITY_NAME, WAIT_SECS,
        ACTION_WAIT_SECS, ATTR_WAIT_SECS, CONSTRAINT_PROP_SECS,
        UPDATE_REPLACE_VALUE,
    ) = (
        'value', 'update_replace', 'fail', 'client_name', 'entity_name',
        'wait_secs', 'action_wait_secs', 'attr_wait_secs',
        'constraint_prop_secs', 'update_replace_value',
    )
    ATTRIBUTES = (OUTPUT,) = ('output',)

    properties_schema = {
        CONSTRAINT_PROP_SECS: properties.Schema(
            properties.Schema.NUMBER,
            'Number value for delay during resolve constraint.',
            default=0, update_allowed=True,
            constraints=[constraints.CustomConstraint('test_constr')]),
        ATTR_WAIT_SECS: _number(
            'Number value for timeout during resolving output value.', 0),
        VALUE: properties.Schema(
            properties.Schema.STRING, 'The input string to be stored.',
            default='test_string', update_allowed=True),
        UPDATE_REPLACE_VALUE: properties.Schema(
            properties.Schema.STRING,
            'Some value that can be stored but can not be updated.'),
        FAIL: properties.Schema(
            properties.Schema.BOOLEAN,
            'Value which can be set to fail the resource operation to test '
            'failure scenarios.',
            default=False, update_allowed=True),
        UPDATE_REPLACE: properties.Schema(
            properties.Schema.BOOLEAN,
            'Value which can be set to trigger update replace for the '
            'particular resource.',
            default=False, update_allowed=True),
        WAIT_SECS: _number(
            'Seconds to wait after an action (-1 is infinite).', 0),
        ACTION_WAIT_SECS: properties.Schema(
            properties.Schema.MAP, 'Options for simulating waiting.',
            update_allowed=True,
            schema={
                action: _number(
                    'Seconds to wait after a %s. Defaults to the global '
                    'wait_secs.' % action)
                for action in ACTION_TIMES}),
        CLIENT_NAME: properties.Schema(
            properties.Schema.STRING, 'Client to poll.', default='',
            update_allowed=True),
        ENTITY_NAME: properties.Schema(
            properties.Schema.STRING, 'Client entity to poll.', default='',
            update_allowed=True),
    }

    attributes_schema = {
        OUTPUT: attributes.Schema(
            'The string that was stored. This value is also available by '
            'referencing the resource.',
            cache_mode=attributes.Schema.CACHE_NONE),
    }

    @staticmethod
    def _wait_secs(props, action):
        """Seconds ``action`` takes with ``props`` (a property mapping)."""
        secs = (props.get('action_wait_secs') or {}).get(action.lower())
        if secs is None:
            secs = props.get('wait_secs') or 0
        return secs

    def _cookie(self, props, action, wait=True):
        fail = bool(props.get(self.FAIL)) and action != self.DELETE
        secs = self._wait_secs(props, action) if wait else 0
        return time.monotonic(), secs, fail

    def handle_create(self):
        if not self.properties[self.FAIL]:
            self.data_set('value', self.properties[self.VALUE], redact=False)
            self.resource_id_set(self.physical_resource_name())
        return self._cookie(self.properties, self.CREATE)

    def needs_replace_with_prop_diff(self, changed_properties_set,
                                     after_props, before_props):
        if self.VALUE in changed_properties_set:
            return bool(after_props[self.UPDATE_REPLACE])
        return False

    def handle_update(self, json_snippet, tmpl_diff, prop_diff):
        new = {k: self.properties[k] for k in self.properties_schema}
        new.update(prop_diff or {})
        value = (prop_diff or {}).get(self.VALUE)
        if not value:
            # Nothing to store: done at once (a failing one fails now).
            return self._cookie(new, self.UPDATE, wait=False)
        if not new.get(self.FAIL):
            self.data_set('value', value, redact=False)
        return self._cookie(new, self.UPDATE)

    def handle_delete(self):
        return self._cookie(self.properties, self.DELETE)

    def _check_status_complete(self, cookie):
        started_at, wait_secs, fail = cookie
        if wait_secs < 0:
            # Forever: only a cancel (or the stack timeout) ends it.
            return False
        if time.monotonic() - started_at < wait_secs:
            return False
        if fail:
            raise ValueError('Test Resource failed %s' % self.name)
        return True

    check_create_complete = _check_status_complete
    check_update_complete = _check_status_complete
    check_delete_complete = _check_status_complete

    def handle_check(self):
        if not self.resource_id:
            raise resource.Error('Resource not created')

    def _resolve_attribute(self, name):
        delay = self.properties[self.ATTR_WAIT_SECS]
        if delay and delay > 0:
            time.sleep(delay)
        if name == self.OUTPUT:
            return self.data().get('value')
        return None


def resource_mapping():
    return {'OS::Heat::TestResource': TestResource}
