"""A stack output, independent of the template format.

An :class:`Output` holds the parsed value of one ``outputs`` entry (with
its functions bound to the stack), its description and whether its
condition holds. A disabled output's value is None, as in upstream Heat.
"""

from heat.common import exception
from heat.engine import function

NO_DESCRIPTION = 'No description given'


class Output:
    """One output: ``name``, parsed ``value``, ``description``."""

    def __init__(self, name, value, description=None, condition=None,
                 enabled=True, path=None):
        self.name = name
        self.value = value if enabled else None
        self.description = description
        self.condition = condition
        self.enabled = enabled
        # where the value is in the template, for errors
        self.path = list(path) if path is not None else ['outputs', name,
                                                         'value']
        self._resolved = None
        self._is_resolved = False

    def validate(self):
        """Check the value's functions' arguments, without resolving.

        As upstream, a parameter the template does not declare is not an
        error here: it is the output's error when the output is read
        (``output_error``), and the stack is created.
        """
        if not self.enabled:
            return
        try:
            function.validate(self.value, self.path)
        except exception.StackValidationFailed as exc:
            if not _caused_by(exc, exception.UserParameterMissing):
                raise

    def get_value(self):
        """The resolved value (None for a disabled output); cached."""
        if not self._is_resolved:
            self._resolved = function.resolve(self.value, path=self.path)
            self._is_resolved = True
        return self._resolved

    def required_resource_names(self):
        """Names of the resources the value refers to."""
        if not self.enabled:
            return set()
        return set(function.dependencies(self.value,
                                         '.'.join(map(str, self.path))))

    def dep_attrs(self, resource_name):
        """Attributes of ``resource_name`` the value uses."""
        return function.dep_attrs(self.value, resource_name)

    def description_text(self):
        """The description, or upstream's placeholder when there is none."""
        if self.description is None:
            return NO_DESCRIPTION
        return str(self.description)

    def render_hot(self):
        """The HOT form of this output."""
        out = {}
        if self.description is not None:
            out['description'] = self.description
        out['value'] = function.unparse(self.value)
        if self.condition is not None:
            out['condition'] = function.unparse(self.condition)
        return out

    def __repr__(self):
        return 'Output(%r, %r)' % (self.name, self.value)


def _caused_by(exc, kind):
    """Whether ``exc`` or an exception it was raised from is a ``kind``."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return True
        seen.add(id(exc))
        exc = exc.__cause__
    return False


#: upstream's name for the class.
OutputDefinition = Output
