"""User-facing errors of the engine.

Every error carries a message that says what was wrong, with the offending
value and, where there is one, the path inside the template
(``resources.web_asg.properties.max_size``). The class name is the error
``type`` that the REST API reports, as upstream Heat does.
"""


class HeatException(Exception):
    """Base class: ``msg_fmt`` is formatted with the keyword arguments."""

    msg_fmt = 'An unknown exception occurred.'
    error_code = None

    def __init__(self, **kwargs):
        self.kwargs = kwargs
        try:
            self.message = self.msg_fmt % kwargs
        except (KeyError, TypeError) as exc:
            raise TypeError('%s needs %s' % (type(self).__name__,
                                             exc)) from exc
        super().__init__(self.message)

    def __str__(self):
        return self.message


def format_path(path):
    """Render a path (sequence of keys and indexes) as ``a.b[0].c``."""
    out = ''
    for part in path:
        if isinstance(part, int):
            out += '[%d]' % part
        else:
            out += ('.' if out else '') + str(part)
    return out


class StackValidationFailed(HeatException):
    """A template, environment or parameter failed validation.

    ``path`` locates the offending item inside the template; it is kept
    separately (``self.path``) and prefixed to the message.
    """

    msg_fmt = '%(message)s'

    def __init__(self, message='', path=None, error=None):
        self.path = list(path or [])
        self.error = error
        self.error_message = message
        if self.path:
            full = '%s: %s' % (format_path(self.path), message)
        else:
            full = message
        super().__init__(message=full)

    def api_message(self):
        """The text upstream's API answers for this error.

        Upstream's engine formats the error label and the path each with
        a trailing ``': '``; the copy its API rebuilds from those parts
        after the RPC hop adds another, so upstream's clients read
        ``<error>: : <path>: : <message>`` (a part left out when empty),
        and upstream's tests pin that text.
        """
        message = getattr(self, 'error_message', None)
        if message is None:
            return self.message
        parts = (getattr(self, 'error', None) or '',
                 format_path(getattr(self, 'path', None) or []))
        return ''.join('%s: : ' % part for part in parts if part) + \
            str(message)


class InvalidTemplateVersion(HeatException):
    msg_fmt = 'The template version is invalid: %(explanation)s'


class InvalidTemplateSection(HeatException):
    msg_fmt = 'The template section is invalid: %(section)s'


class InvalidTemplateAttribute(HeatException):
    msg_fmt = ('The Referenced Attribute (%(resource)s %(key)s) is '
               'incorrect.')


class InvalidTemplateReference(HeatException):
    msg_fmt = ('The specified reference "%(resource)s" (in %(key)s) is '
               'incorrect.')


class TemplateTooLarge(HeatException):
    msg_fmt = ('Template size (%(actual_len)s bytes) exceeds maximum '
               'allowed size (%(limit)s bytes).')


class RequestLimitExceeded(HeatException):
    msg_fmt = 'Request limit exceeded: %(message)s'


class UserParameterMissing(HeatException):
    msg_fmt = 'The Parameter (%(key)s) was not provided.'


class UnknownUserParameter(HeatException):
    msg_fmt = 'The Parameter (%(key)s) was not defined in template.'


class InvalidSchemaError(HeatException):
    msg_fmt = '%(message)s'


class ResourceTypeNotFound(HeatException):
    msg_fmt = 'The Resource Type (%(type_name)s) could not be found.'


class Forbidden(HeatException):
    """A policy rule refuses the request (upstream's ``Forbidden``: a
    ``resource_types:<type>`` rule of :mod:`heat.common.policy`)."""

    msg_fmt = 'You are not authorized to use %(action)s.'

    def __init__(self, action='this action'):
        super().__init__(action=action)


class ResourceTypeUnavailable(HeatException):
    msg_fmt = ('HEAT-E99001 Service %(service_name)s is not available for '
               'resource type %(resource_type)s, reason: %(reason)s')


class InvalidResourceType(HeatException):
    msg_fmt = '%(message)s'


class InvalidEnvironment(HeatException):
    msg_fmt = '%(message)s'


class CircularDependencyException(HeatException):
    msg_fmt = 'Circular Dependency Found: %(cycle)s'


class EntityNotFound(HeatException):
    msg_fmt = 'The %(entity)s (%(name)s) could not be found.'


class SnapshotNotFound(EntityNotFound):
    msg_fmt = ('The Snapshot (%(snapshot)s) for Stack (%(stack)s) '
               'could not be found.')


class InvalidBreakPointHook(HeatException):
    msg_fmt = '%(message)s'


class NotSupported(HeatException):
    msg_fmt = '%(feature)s is not supported.'


class ParameterSchemaError(InvalidSchemaError):
    """A parameter definition is invalid; ``path`` locates the key.

    ``str()`` is ``parameters.<name>.<key>: <message>``; the bare message
    (upstream's text) is ``error_message``.
    """

    def __init__(self, message='', path=None):
        self.path = list(path or [])
        self.error_message = message
        if self.path:
            message = '%s: %s' % (format_path(self.path), message)
        super().__init__(message=message)


class InvalidRestrictedAction(HeatException):
    msg_fmt = '%(message)s'


class InvalidMergeStrategyForParam(HeatException):
    msg_fmt = ("Invalid merge strategy '%(strategy)s' for parameter "
               "'%(param)s'.")


class ConflictingMergeStrategyForParam(HeatException):
    msg_fmt = ("Conflicting merge strategy '%(strategy)s' for parameter "
               "'%(param)s' in file '%(env_file)s'.")


class ImmutableParameterModified(HeatException):
    msg_fmt = ('The following parameters are immutable and may not be '
               'updated: %(keys)s')

    def __init__(self, *args, **kwargs):
        if args:
            kwargs.update({'keys': ', '.join(args)})
        super().__init__(**kwargs)


class InvalidExternalResourceDependency(HeatException):
    msg_fmt = ('Invalid dependency with external %(resource_type)s '
               'resource: %(external_id)s')


# -- the stack engine ------------------------------------------------------

class ActionInProgress(HeatException):
    msg_fmt = ('Stack %(stack_name)s already has an action (%(action)s) '
               'in progress.')


class StackLockLost(HeatException):
    msg_fmt = ('Stack %(stack_name)s: the lock of its action (token '
               '%(token)s of engine %(engine_id)s) was taken over; state '
               'write refused.')


class StackResourceLimitExceeded(HeatException):
    msg_fmt = 'You have reached the maximum resources per stack.'


class ActionNotComplete(HeatException):
    msg_fmt = ('Stack %(stack_name)s has an action (%(action)s) in progress '
               'or failed state.')


class ResourceNotAvailable(HeatException):
    msg_fmt = 'The Resource (%(resource_name)s) is not available.'


class PhysicalResourceNotFound(HeatException):
    msg_fmt = 'The Resource (%(resource_id)s) could not be found.'


class ResourceActionNotSupported(HeatException):
    msg_fmt = '%(action)s is not supported for resource.'


class StackNotFound(EntityNotFound):
    def __init__(self, stack_name):
        super().__init__(entity='Stack', name=stack_name)


class ResourceNotFound(EntityNotFound):
    def __init__(self, resource_name, stack_name):
        HeatException.__init__(
            self, resource_name=resource_name, stack_name=stack_name)

    msg_fmt = ('The Resource (%(resource_name)s) could not be found in '
               'Stack %(stack_name)s.')


class Timeout(HeatException):
    """A stack or resource action ran past its deadline."""

    msg_fmt = '%(message)s'

    def __init__(self, message='Timed out'):
        super().__init__(message=message)


class ResourceFailure(HeatException):
    """A resource action failed; wraps the original exception.

    ``str()`` is ``"<ExceptionClass>: <path>: <message>"`` as upstream's
    status reasons show it, e.g.
    ``ValueError: resources.oops: Test Resource failed oops``.
    """

    msg_fmt = '%(message)s'

    def __init__(self, exception_or_error, resource=None, action=None):
        self.exc = exception_or_error
        self.resource = resource
        self.action = action
        if isinstance(exception_or_error, ResourceFailure):
            message = str(exception_or_error)
        elif isinstance(exception_or_error, BaseException):
            exc = exception_or_error
            path = ''
            if resource is not None:
                path = 'resources.%s: ' % resource.name
            message = '%s: %s%s' % (type(exc).__name__, path, exc)
        else:
            message = str(exception_or_error)
        super().__init__(message=message)


class ResourceInError(HeatException):
    msg_fmt = ('Went to status %(resource_status)s due to '
               '"%(status_reason)s"')


class ResourcePropertyConflict(HeatException):
    msg_fmt = ('Cannot define the following properties at the same time: '
               '%(props)s.')


class ResourcePropertyDependency(HeatException):
    msg_fmt = '%(prop1)s cannot be specified without %(prop2)s.'


class ResourcePropertyValueDependency(HeatException):
    msg_fmt = ('%(prop1)s property should only be specified for '
               '%(prop2)s %(value)s.')


class SignalResourceNotSupported(NotSupported):
    pass


# -- the engine service (heat.engine.service) ------------------------------

class StackExists(HeatException):
    msg_fmt = 'The Stack (%(stack_name)s) already exists.'


class NotFound(HeatException):
    """Something named in a request does not exist (e.g. an output key)."""

    msg_fmt = '%(message)s'

    def __init__(self, message='Not found'):
        super().__init__(message=message)


class Invalid(HeatException):
    msg_fmt = 'Data supplied was not valid: %(reason)s'


class PhysicalResourceIDAmbiguity(HeatException):
    msg_fmt = ('Multiple physical resources were found with physical ID '
               '(%(phys_id)s).')


class PhysicalResourceNameAmbiguity(HeatException):
    msg_fmt = ('Multiple physical resources were found with name '
               '(%(name)s).')


class CloudError(HeatException):
    """A cloud service cannot be used (none configured, not reachable,
    or it refused a request): the message says which and why."""

    msg_fmt = '%(message)s'

    def __init__(self, message):
        super().__init__(message=message)


class StopActionFailed(HeatException):
    msg_fmt = ('Failed to stop stack (%(stack_name)s) on other engine '
               '(%(engine_id)s)')


# -- resources (heat.engine.resource) ---------------------------------------

class TemplateOutputError(HeatException):
    """An output of a nested stack, read as an attribute, that has an
    error (upstream's message)."""

    msg_fmt = 'Error in %(resource)s output %(attribute)s: %(message)s'


class ResourceActionRestricted(HeatException):
    msg_fmt = '%(action)s is restricted for resource.'


# -- the RPC layer (heat.rpc) ------------------------------------------------

class RemoteError(HeatException):
    """An error raised by the engine that is not a heat exception (or
    that this side does not know): its ``exc_type`` and message."""

    msg_fmt = 'Remote error: %(exc_type)s %(value)s'

    def __init__(self, exc_type='Exception', value=''):
        self.exc_type = exc_type
        self.value = value
        super().__init__(exc_type=exc_type, value=value)


class MessagingTimeout(HeatException):
    msg_fmt = ('The engine did not answer %(method)s within %(timeout)s '
               'seconds.')


# -- auto-scaling (heat.engine.autoscaling) ---------------------------------

class LeaseLost(HeatException):
    """A converger's fencing token is stale: another engine took the
    group's lease. The holder of a stale token must stop writing."""

    msg_fmt = ('Scaling group %(group)s: lease lost (fencing token '
               '%(fence)s is stale)')


class ScalingGroupBusy(HeatException):
    """The group is being deleted (or is otherwise not accepting work)."""

    msg_fmt = 'Scaling group %(group)s is %(state)s.'


class ScalingGroupOwnedByStack(HeatException):
    """A change the Auto-Scaling API refuses on a group a template made:
    the owning stack is where it is changed (HTTP 409)."""

    msg_fmt = ('group %(group)s belongs to stack %(stack_id)s resource '
               '%(resource_name)s: change it through the stack')


class ScalingGroupVersionMismatch(HeatException):
    """``If-Match`` named another version of the group (HTTP 412)."""

    msg_fmt = ('group %(group)s is at version %(version)s, not '
               '%(expected)s (If-Match): read it again')


class IdempotencyKeyReused(HeatException):
    """An ``Idempotency-Key`` seen with another request (HTTP 409)."""

    msg_fmt = ('Idempotency-Key %(key)s was first used for another '
               'request (%(what)s)')


class InvalidSignature(HeatException):
    """A pre-signed URL failed its check (HTTP 403)."""

    msg_fmt = 'Signature not valid: %(reason)s'
