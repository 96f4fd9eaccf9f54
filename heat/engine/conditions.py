"""Named conditions of a template, evaluated lazily.

A template's ``conditions`` section (HOT 2016-10-14 on, CFN
``Conditions``) maps names to condition expressions, parsed with the
version's condition functions. :class:`Conditions` evaluates a name only
when asked, caches the result, and reports a condition that depends on
itself, naming the chain (``a -> b -> a``). Conditions refer to one another
through the stack (``stack.condition(name)``), which calls back into
:meth:`Conditions.is_enabled`.
"""

import collections.abc

from heat.common import exception
from heat.engine import function

_ERROR = 'Condition validation error'


class Conditions:
    """The named conditions of one template bound to one stack.

    ``definitions`` maps names to parsed conditions (booleans or
    ``Function`` objects); ``section`` is the name of the section, for the
    path in errors.
    """

    def __init__(self, definitions=None, section='conditions'):
        definitions = {} if definitions is None else definitions
        if not isinstance(definitions, collections.abc.Mapping):
            raise exception.StackValidationFailed(
                message='Condition definitions must be a map. Found a %s '
                        'instead' % type(definitions).__name__,
                path=[section], error=_ERROR)
        self._definitions = dict(definitions)
        self._section = section
        self._resolved = {}
        self._in_progress = []

    @property
    def names(self):
        return list(self._definitions)

    def __contains__(self, name):
        return name in self._definitions

    def __len__(self):
        return len(self._definitions)

    def _check_type(self, name, value):
        if not isinstance(value, (bool, function.Function)):
            raise exception.StackValidationFailed(
                message='The definition of condition "%s" is invalid: %s'
                        % (name, value),
                path=[self._section, name], error=_ERROR)

    def validate(self):
        """Check every definition's type and its functions' arguments."""
        for name, definition in self._definitions.items():
            self._check_type(name, definition)
            function.validate(definition, [self._section, name])

    def is_enabled(self, condition):
        """Whether ``condition`` (None, a boolean or a name) holds.

        None means unconditional. An unknown name is a ``ValueError``, as
        upstream Heat raises it; the caller adds the path.
        """
        if condition is None:
            return True
        if isinstance(condition, bool):
            return condition
        if not (isinstance(condition, str) and
                condition in self._definitions):
            raise ValueError('Invalid condition "%s"' % (condition,))
        if condition in self._resolved:
            return self._resolved[condition]
        if condition in self._in_progress:
            chain = self._in_progress[self._in_progress.index(condition):]
            raise exception.StackValidationFailed(
                message='Circular definition for condition "%s" (%s)'
                        % (condition, ' -> '.join(chain + [condition])),
                path=[self._section, condition], error=_ERROR)
        self._in_progress.append(condition)
        try:
            value = self._evaluate(condition)
        finally:
            self._in_progress.pop()
        self._resolved[condition] = value
        return value

    # The offline stack looks for one of these names.
    evaluate = is_enabled

    def _evaluate(self, name):
        definition = self._definitions[name]
        self._check_type(name, definition)
        try:
            value = function.resolve(definition)
        except exception.StackValidationFailed as exc:
            if exc.path and exc.path[0] == self._section:
                raise
            raise exception.StackValidationFailed(
                message=exc.error_message,
                path=[self._section, name] + exc.path,
                error=exc.error) from exc
        except (ValueError, TypeError, KeyError) as exc:
            message = exc.args[0] if exc.args else str(exc)
            raise exception.StackValidationFailed(
                message=str(message), path=[self._section, name],
                error=_ERROR) from exc
        if not isinstance(value, bool):
            raise exception.StackValidationFailed(
                message='The definition of condition "%s" is invalid: it '
                        'evaluates to %r, not a boolean' % (name, value),
                path=[self._section, name], error=_ERROR)
        return value

    def __repr__(self):
        return 'Conditions(%r)' % self._definitions
