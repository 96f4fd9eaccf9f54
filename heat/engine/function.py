"""Intrinsic functions: the base class and the walkers over parsed snippets.

A template snippet is parsed once (by the template class of its version)
into plain data in which every intrinsic function call is replaced by a
:class:`Function` object. Nothing is evaluated at parse time: a function is
resolved lazily, when :func:`resolve` walks the snippet, against the
stack-like object it was bound to (see
:class:`heat.engine.stack_like.StackLike`).
That is what lets the offline validator and the stack engine share the same
parsed template.

Walkers:

- :func:`resolve` returns plain data, calling ``Function.result()``.
- :func:`validate` checks every function's arguments, with the path of the
  offending function in the error (``resources.server.properties.name``).
- :func:`dependencies` yields the names of the resources a snippet refers to.
- :func:`dep_attrs` yields the attribute names of one resource a snippet uses.
"""

import collections.abc

from heat.common import exception


class Function:
    """One intrinsic function call: ``{fn_name: args}``.

    Subclasses implement :meth:`result` and, where they have rules about
    their arguments, :meth:`validate` (calling ``super().validate()`` so that
    nested functions are validated too). Argument errors are raised as
    :class:`~heat.common.exception.StackValidationFailed` naming the function
    and the offending value; the walkers add the path.
    """

    def __init__(self, stack, fn_name, args):
        self.stack = stack
        self.fn_name = fn_name
        self.args = args

    def validate(self):
        """Check the arguments. The default validates nested functions."""
        validate(self.args)

    def dependencies(self, path=''):
        """Resource names this call depends on (nested calls included)."""
        return dependencies(self.args, path)

    def dep_attrs(self, resource_name):
        """Attribute names of ``resource_name`` this call needs."""
        return dep_attrs(self.args, resource_name)

    def result(self):
        """The resolved value. Subclasses must implement this."""
        raise NotImplementedError

    def error(self, message, *values):
        """A validation error that names this function."""
        text = message % values if values else message
        return exception.StackValidationFailed(
            message='%s: %s' % (self.fn_name, text))

    def __repr__(self):
        return '{%r: %r}' % (self.fn_name, self.args)

    def __eq__(self, other):
        # Two unresolved calls compare equal when their results would.
        if isinstance(other, Function):
            return (type(self) is type(other) and
                    self.fn_name == other.fn_name and
                    self.args == other.args)
        return NotImplemented

    def __hash__(self):
        return id(self)


def _child_path(path, key):
    if not path:
        return str(key)
    if isinstance(key, int):
        return '%s[%d]' % (path, key)
    return '%s.%s' % (path, key)


def resolve(snippet):
    """Return ``snippet`` with every function replaced by its result."""
    if isinstance(snippet, Function):
        return resolve(snippet.result())
    if isinstance(snippet, collections.abc.Mapping):
        return {k: resolve(v) for k, v in snippet.items()}
    if isinstance(snippet, (list, tuple)):
        return [resolve(v) for v in snippet]
    return snippet


def validate(snippet, path=''):
    """Validate every function in ``snippet``; errors carry the path."""
    if isinstance(snippet, Function):
        try:
            snippet.validate()
        except exception.StackValidationFailed as exc:
            if path and not exc.path:
                raise exception.StackValidationFailed(
                    message=exc.error_message, path=[path]) from exc
            raise
    elif isinstance(snippet, collections.abc.Mapping):
        for key, value in snippet.items():
            validate(value, _child_path(path, key))
    elif isinstance(snippet, (list, tuple)):
        for index, value in enumerate(snippet):
            validate(value, _child_path(path, index))


def dependencies(snippet, path=''):
    """Yield the resource names ``snippet`` depends on."""
    if isinstance(snippet, Function):
        yield from snippet.dependencies(path)
    elif isinstance(snippet, collections.abc.Mapping):
        for key, value in snippet.items():
            yield from dependencies(value, _child_path(path, key))
    elif isinstance(snippet, (list, tuple)):
        for index, value in enumerate(snippet):
            yield from dependencies(value, _child_path(path, index))


def dep_attrs(snippet, resource_name):
    """Yield the attribute names of ``resource_name`` used in ``snippet``."""
    if isinstance(snippet, Function):
        yield from snippet.dep_attrs(resource_name)
    elif isinstance(snippet, collections.abc.Mapping):
        for value in snippet.values():
            yield from dep_attrs(value, resource_name)
    elif isinstance(snippet, (list, tuple)):
        for value in snippet:
            yield from dep_attrs(value, resource_name)


class Invalid(Function):
    """A function name that exists in other versions but not in this one.

    Parsing keeps it so that the error is raised with its path when the
    snippet is validated or resolved, naming the function and the version.
    """

    def __init__(self, stack, fn_name, args, version=None):
        super().__init__(stack, fn_name, args)
        self.version = version

    def _fail(self):
        raise exception.StackValidationFailed(
            message='The template version is invalid: "%s" is not '
                    'supported in template version %s'
                    % (self.fn_name, self.version))

    def validate(self):
        self._fail()

    def result(self):
        self._fail()
