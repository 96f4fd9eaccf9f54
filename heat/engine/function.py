"""Intrinsic functions: the base class, the parser and the walkers.

A template snippet is parsed once (by the template class of its version)
into plain data in which every intrinsic function call is replaced by a
:class:`Function` object. Nothing is evaluated at parse time: a function is
resolved lazily, when :func:`resolve` walks the snippet, against the
stack-like object it was bound to (see
:class:`heat.engine.stack_like.StackLike`).
That is what lets the offline validator and the stack engine share the same
parsed template.

Walkers:

- :func:`resolve` returns plain data, calling ``Function.result()``. A value
  that resolves to :data:`REMOVED` (the two-argument ``if`` of 2021-04-16
  whose condition is false) removes the enclosing list item or map entry.
- :func:`validate` checks every function's arguments, with the path of the
  offending function in the error
  (``resources.server.properties.name.get_param``).
- :func:`dependencies` yields the names of the resources a snippet refers to.
- :func:`dep_attrs` yields the attribute names of one resource a snippet uses.

:func:`parse` is a generic parser (``{name: args}`` -> ``Function``) that
template classes may use; the function modules use it themselves to parse a
condition inside ``if``.
"""

import collections.abc

from heat.common import exception


class _Sentinel:
    def __init__(self, name):
        self._name = name

    def __repr__(self):
        return self._name

    def __reduce__(self):
        return self._name


#: What a function returns to remove the enclosing list item or map entry.
REMOVED = _Sentinel('REMOVED')

#: ``dep_attrs`` value of ``get_attr: [name]`` (every attribute is used).
ALL_ATTRIBUTES = _Sentinel('ALL_ATTRIBUTES')

# Argument errors raised by Python itself while a function works on its
# arguments become StackValidationFailed in the walkers.
_ARG_ERRORS = (TypeError, ValueError, KeyError, IndexError)


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
        return dependencies(self.args, _join(path, self.fn_name))

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

    def invalid(self, message, *values):
        """A validation error whose message already names the function."""
        text = message % values if values else message
        return exception.StackValidationFailed(message=text)

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


def _join(path, key):
    """Append a key to a dotted string path (used by dependencies)."""
    if isinstance(path, (list, tuple)):
        path = exception.format_path(path)
    if not path:
        return str(key)
    if isinstance(key, int):
        return '%s[%d]' % (path, key)
    return '%s.%s' % (path, key)


def _as_list(path):
    if path is None or path == '':
        return []
    if isinstance(path, str):
        return [path]
    return list(path)


def is_sequence(value):
    """A list-like value that is not a string."""
    return (isinstance(value, collections.abc.Sequence) and
            not isinstance(value, (str, bytes)))


def _with_path(exc, path, fn_name):
    """Re-raise an error from inside a function with its template path."""
    full = path + [fn_name]
    if isinstance(exc, exception.StackValidationFailed):
        return exception.StackValidationFailed(
            message=exc.error_message, path=full + exc.path,
            error=exc.error)
    if isinstance(exc, exception.InvalidTemplateReference):
        full = full + list(getattr(exc, 'template_path', []))
        new = exception.InvalidTemplateReference(
            resource=exc.kwargs.get('resource'),
            key=exception.format_path(full))
        new.template_path = full
        return new
    if isinstance(exc, KeyError) and exc.args:
        message = str(exc.args[0])
    else:
        message = str(exc)
    return exception.StackValidationFailed(message=message, path=full)


def resolve(snippet, nullable=False, path=None):
    """Return ``snippet`` with every function replaced by its result.

    List items and map entries whose value resolves to :data:`REMOVED` are
    left out. When the whole snippet resolves to :data:`REMOVED` the result
    is ``None``, or :data:`REMOVED` itself with ``nullable=True`` so that the
    caller can drop the item that holds it.

    With ``path`` (a dotted string or a list of keys) an error raised by a
    function is reported at that path; functions resolving their own
    arguments call this without one.
    """
    value = _resolve(snippet, None if path is None else _as_list(path))
    if value is REMOVED and not nullable:
        return None
    return value


def _resolve(snippet, path):
    if isinstance(snippet, Function):
        if path is None:
            return _resolve(snippet.result(), None)
        try:
            return _resolve(snippet.result(), None)
        except (exception.StackValidationFailed,
                exception.InvalidTemplateReference) + _ARG_ERRORS as exc:
            raise _with_path(exc, path, snippet.fn_name) from exc
    if isinstance(snippet, collections.abc.Mapping):
        out = {}
        for key, value in snippet.items():
            sub = None if path is None else path + [key]
            resolved = _resolve(value, sub)
            if resolved is not REMOVED:
                out[key] = resolved
        return out
    if isinstance(snippet, (list, tuple)):
        out = []
        for index, value in enumerate(snippet):
            sub = None if path is None else path + [index]
            resolved = _resolve(value, sub)
            if resolved is not REMOVED:
                out.append(resolved)
        return out
    return snippet


def validate(snippet, path=''):
    """Validate every function in ``snippet``; errors carry the path.

    ``path`` is a dotted string or a list of keys; the path in the error is
    the location of the function plus its name, then the location inside
    its arguments of a nested function that failed
    (``outputs.url.value.list_join[1][0].get_param``).
    """
    _validate(snippet, _as_list(path))


def _validate(snippet, path):
    if isinstance(snippet, Function):
        try:
            snippet.validate()
        except (exception.StackValidationFailed,
                exception.InvalidTemplateReference) + _ARG_ERRORS as exc:
            raise _with_path(exc, path, snippet.fn_name) from exc
        except exception.HeatException as exc:
            raise exception.StackValidationFailed(
                message=str(exc), path=path + [snippet.fn_name]) from exc
    elif isinstance(snippet, collections.abc.Mapping):
        for key, value in snippet.items():
            _validate(value, path + [key])
    elif isinstance(snippet, (list, tuple)):
        for index, value in enumerate(snippet):
            _validate(value, path + [index])


def dependencies(snippet, path=''):
    """Yield the resource names ``snippet`` depends on."""
    if isinstance(snippet, Function):
        yield from snippet.dependencies(path)
    elif isinstance(snippet, collections.abc.Mapping):
        for key, value in snippet.items():
            yield from dependencies(value, _join(path, key))
    elif isinstance(snippet, (list, tuple)):
        for index, value in enumerate(snippet):
            yield from dependencies(value, _join(path, index))


def dep_attrs(snippet, resource_name):
    """Yield the attribute names of ``resource_name`` used in ``snippet``.

    ``get_attr`` with a path yields a tuple ``(attribute, *path)``; the
    all-attributes form yields :data:`ALL_ATTRIBUTES`.
    """
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

    def dependencies(self, path=''):
        return iter(())

    def dep_attrs(self, resource_name):
        return iter(())


class InvalidInContext(Invalid):
    """A function the version has, used where it is not allowed.

    Conditions (the ``conditions`` section and the condition of ``if``)
    allow only the condition functions; any other function there is kept
    as this, failing on validate or resolve like upstream Heat does.
    """

    def _fail(self):
        raise exception.StackValidationFailed(
            message='The function "%s" is invalid in this context'
                    % self.fn_name)


def parse(stack, snippet, functions, version=None, known_names=(),
          invalid_here=()):
    """Replace ``{name: args}`` calls in ``snippet`` by Function objects.

    ``functions`` maps names to classes. A one-key map whose key is in
    ``invalid_here`` becomes :class:`InvalidInContext`; one whose key is in
    ``known_names`` (a function of another version) becomes
    :class:`Invalid` naming ``version``. Other maps and lists are walked;
    Function objects already in the snippet are kept.
    """
    def walk(node):
        if isinstance(node, Function):
            return node
        if isinstance(node, collections.abc.Mapping):
            if len(node) == 1:
                name, args = next(iter(node.items()))
                if isinstance(name, str):
                    if name in functions:
                        return functions[name](stack, name, walk(args))
                    if name in invalid_here:
                        return InvalidInContext(stack, name, walk(args),
                                                version)
                    if name in known_names:
                        return Invalid(stack, name, walk(args), version)
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, (list, tuple)):
            return [walk(item) for item in node]
        return node

    return walk(snippet)


def unparse(snippet):
    """The raw template form of a parsed snippet (functions as maps)."""
    if isinstance(snippet, Function):
        return {snippet.fn_name: unparse(snippet.args)}
    if isinstance(snippet, collections.abc.Mapping):
        return {key: unparse(value) for key, value in snippet.items()}
    if isinstance(snippet, (list, tuple)):
        return [unparse(item) for item in snippet]
    return snippet
