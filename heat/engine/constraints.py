"""Parameter constraints and the custom-constraint registry.

A constraint checks one value and, when the value breaks it, raises
``ValueError`` with upstream Heat's text (or the template author's
``description`` when one was given). Constraints know which kinds of value
they apply to (``valid_kinds``); the parameter schema checks that pairing.

Kinds are the template-independent names of the parameter types:
``string``, ``number``, ``boolean``, ``list`` (comma_delimited_list /
CommaDelimitedList) and ``map`` (json / Json).

``custom_constraint`` names are looked up in a registry
(:func:`register_constraint`). Constraints that can only be checked against
a cloud service (``glance.image``, ``nova.flavor``, ...) are
:class:`CloudConstraint` subclasses naming their service; without a cloud
they raise :class:`Unverifiable` instead of failing, so the caller can list
them as not checked.
"""

import datetime
import ipaddress
import numbers
import re
import zoneinfo

from heat.common import exception

KINDS = (STRING, NUMBER, BOOLEAN, LIST, MAP) = (
    'string', 'number', 'boolean', 'list', 'map')


class Unverifiable(Exception):
    """A cloud constraint could not be checked: no cloud to ask."""

    def __init__(self, constraint, service):
        self.constraint = constraint
        self.service = service
        super().__init__('%s needs the %s service' % (constraint, service))


def str_to_num(value):
    """A number from a number or its text, int when it is integral text.

    ``ValueError`` / ``TypeError`` come from Python's own conversions, so
    their text is what upstream Heat reports
    (``could not convert string to float: 'BAD'``).
    """
    if isinstance(value, numbers.Number):
        return value
    try:
        return int(value)
    except ValueError:
        return float(value)


def _schema_error(message):
    return exception.InvalidSchemaError(message=message)


class Constraint:
    """Base class: a description and a check of one value."""

    #: the key of this constraint in a HOT constraint definition
    name = None
    valid_kinds = ()

    def __init__(self, description=None):
        self.description = description

    def validate(self, value, schema=None, context=None):
        """Raise ``ValueError`` when ``value`` breaks the constraint."""
        if not self._is_valid(value, schema, context):
            raise ValueError(self.description or self._err_msg(value))

    def valid_for(self, kind):
        return kind in self.valid_kinds

    def to_dict(self):
        """The HOT form: ``{name: definition, 'description': ...}``."""
        out = {self.name: self._constraint()}
        if self.description is not None:
            out['description'] = self.description
        return out

    def _is_valid(self, value, schema, context):
        raise NotImplementedError

    def _err_msg(self, value):
        raise NotImplementedError

    def _constraint(self):
        raise NotImplementedError

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, self.to_dict())


def _check_numeric(values, message):
    for v in values:
        if isinstance(v, bool) or not isinstance(
                v, (int, float, type(None))):
            raise _schema_error(message)


class Range(Constraint):
    """``range: {min: .., max: ..}`` (CFN MinValue / MaxValue)."""

    name = 'range'
    valid_kinds = (NUMBER,)

    def __init__(self, min=None, max=None, description=None):
        super().__init__(description)
        _check_numeric((min, max), 'min/max must be numeric')
        if min is None and max is None:
            raise _schema_error('A range constraint must have a min value '
                                'and/or a max value specified.')
        self.min = min
        self.max = max

    def _is_valid(self, value, schema, context):
        value = str_to_num(value)
        if self.min is not None and value < self.min:
            return False
        if self.max is not None and value > self.max:
            return False
        return True

    def _err_msg(self, value):
        return '%s is out of range (min: %s, max: %s)' % (
            value, self.min, self.max)

    def _constraint(self):
        out = {}
        if self.min is not None:
            out['min'] = self.min
        if self.max is not None:
            out['max'] = self.max
        return out


class Length(Range):
    """``length: {min: .., max: ..}`` (CFN MinLength / MaxLength)."""

    name = 'length'
    valid_kinds = (STRING, LIST, MAP)

    def __init__(self, min=None, max=None, description=None):
        if min is None and max is None:
            raise _schema_error('A length constraint must have a min value '
                                'and/or a max value specified.')
        super().__init__(min, max, description)
        for v in (min, max):
            if v is not None and not isinstance(v, int):
                raise _schema_error('min/max length must be integral')

    def _is_valid(self, value, schema, context):
        return super()._is_valid(len(value), schema, context)

    def _err_msg(self, value):
        return 'length (%d) is out of range (min: %s, max: %s)' % (
            len(value), self.min, self.max)


class Modulo(Constraint):
    """``modulo: {step: .., offset: ..}`` (HOT 2017-02-24 and later)."""

    name = 'modulo'
    valid_kinds = (NUMBER,)

    def __init__(self, step=None, offset=None, description=None):
        super().__init__(description)
        if step is None or offset is None:
            raise _schema_error('A modulo constraint must have a step value '
                                'and an offset value specified.')
        _check_numeric((step, offset), 'step/offset must be numeric')
        for v in (step, offset):
            if int(v) != v:
                raise _schema_error('step/offset must be integer')
        step, offset = int(step), int(offset)
        if step == 0:
            raise _schema_error('step cannot be 0.')
        if abs(offset) >= abs(step):
            raise _schema_error('offset must be smaller (by absolute value) '
                                'than step.')
        if step * offset < 0:
            raise _schema_error('step and offset must be both positive or '
                                'both negative.')
        self.step = step
        self.offset = offset

    def _is_valid(self, value, schema, context):
        return str_to_num(value) % self.step == self.offset

    def _err_msg(self, value):
        # The unbalanced parenthesis is upstream's text, kept as is.
        return '%s is not a multiple of %s with an offset of %s)' % (
            value, self.step, self.offset)

    def _constraint(self):
        return {'step': self.step, 'offset': self.offset}


class AllowedValues(Constraint):
    """``allowed_values: [...]`` (CFN AllowedValues)."""

    name = 'allowed_values'
    valid_kinds = (STRING, NUMBER, BOOLEAN, LIST)

    def __init__(self, allowed, description=None):
        super().__init__(description)
        if not isinstance(allowed, (list, tuple)):
            raise _schema_error('AllowedValues must be a list')
        self.allowed = tuple(allowed)

    def _is_valid(self, value, schema, context):
        # A list value passes when every item is allowed.
        if isinstance(value, list):
            return all(v in self.allowed for v in value)
        if schema is not None:
            try:
                allowed = [schema.to_schema_type(v) for v in self.allowed]
            except ValueError:
                allowed = list(self.allowed)
            return schema.to_schema_type(value) in allowed
        return value in self.allowed

    def _err_msg(self, value):
        allowed = '[%s]' % ', '.join(str(a) for a in self.allowed)
        return '"%s" is not an allowed value %s' % (value, allowed)

    def _constraint(self):
        return list(self.allowed)


class AllowedPattern(Constraint):
    """``allowed_pattern: regex``; the whole value must match."""

    name = 'allowed_pattern'
    valid_kinds = (STRING,)

    def __init__(self, pattern, description=None):
        super().__init__(description)
        if not isinstance(pattern, str):
            raise _schema_error('AllowedPattern must be a string')
        try:
            self._regex = re.compile(pattern)
        except re.error as exc:
            raise _schema_error(
                'Invalid pattern "%s": %s' % (pattern, exc)) from exc
        self.pattern = pattern

    def _is_valid(self, value, schema, context):
        match = self._regex.match(value)
        return match is not None and match.end() == len(value)

    def _err_msg(self, value):
        return '"%s" does not match pattern "%s"' % (value, self.pattern)

    def _constraint(self):
        return self.pattern


class CustomConstraint(Constraint):
    """``custom_constraint: name``: delegates to a registered checker."""

    name = 'custom_constraint'
    valid_kinds = (STRING, NUMBER, BOOLEAN, LIST)

    def __init__(self, constraint_name, description=None):
        super().__init__(description)
        if not isinstance(constraint_name, str):
            raise _schema_error('custom_constraint must be a string')
        self.constraint_name = constraint_name
        self._checker = None

    @property
    def checker(self):
        """An instance of the registered class, or None when unknown."""
        if self._checker is None:
            cls = get_constraint(self.constraint_name)
            if cls is not None:
                self._checker = cls()
        return self._checker

    @property
    def service(self):
        """The cloud service this constraint needs, or None."""
        return getattr(self.checker, 'service', None)

    def validate(self, value, schema=None, context=None):
        checker = self.checker
        if checker is None:
            raise ValueError(self.description or (
                '"%s" does not validate %s (constraint not found)' % (
                    value, self.constraint_name)))
        if not checker.validate(value, context):
            raise ValueError(self.description or self._err_msg(value))

    def _err_msg(self, value):
        error = getattr(self.checker, 'error', None)
        if error is not None:
            return error(value)
        return '"%s" does not validate %s' % (value, self.constraint_name)

    def _constraint(self):
        return self.constraint_name


# -- custom constraint implementations ---------------------------------

class BaseCustomConstraint:
    """A checker registered under a ``custom_constraint`` name."""

    def validate(self, value, context=None):
        """True when ``value`` is acceptable."""
        raise NotImplementedError


class CloudConstraint(BaseCustomConstraint):
    """A checker that asks a cloud service whether a resource exists.

    ``service`` names the service (``glance``, ``nova``, ...) and
    ``resource`` what is looked up there. Without a context that can reach
    the service (``context.find_cloud_resource(service, resource,
    value) -> bool``) the value is not failed: :class:`Unverifiable` is
    raised so the caller can report it.
    """

    service = None
    resource = None
    constraint_name = None

    def validate(self, value, context=None):
        finder = getattr(context, 'find_cloud_resource', None)
        if finder is None:
            raise Unverifiable(self.constraint_name, self.service)
        self._error_message = None
        try:
            return bool(finder(self.service, self.resource, value))
        except exception.EntityNotFound as exc:
            self._error_message = str(exc)
            return False

    def error(self, value):
        message = getattr(self, '_error_message', None)
        if message is None:
            return "Error validating value '%s'" % value
        return "Error validating value '%s': %s" % (value, message)


class _RegexConstraint(BaseCustomConstraint):
    regex = None

    def validate(self, value, context=None):
        return isinstance(value, str) and bool(
            re.fullmatch(self.regex, value))


class IPConstraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        try:
            ipaddress.ip_address(value)
        except ValueError:
            return False
        return True


class CIDRConstraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        if not isinstance(value, str) or '/' not in value:
            return False
        try:
            ipaddress.ip_network(value, strict=False)
        except ValueError:
            return False
        return True


class MACConstraint(_RegexConstraint):
    regex = r'([0-9a-fA-F]{2}[:-]){5}[0-9a-fA-F]{2}'


class ISO8601Constraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        if not isinstance(value, str):
            return False
        try:
            datetime.datetime.fromisoformat(value.replace('Z', '+00:00'))
        except ValueError:
            return False
        return True


class TimezoneConstraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        if not isinstance(value, str) or not value:
            return False
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return False
        return True


class CRONExpressionConstraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        try:
            import croniter
        except ImportError:  # pragma: no cover - croniter is a requirement
            return True
        if not isinstance(value, str):
            return False
        return croniter.croniter.is_valid(value)


_LABEL = r'(?!-)[A-Za-z0-9-]{1,63}(?<!-)'


class DNSNameConstraint(_RegexConstraint):
    regex = r'(%s\.)*%s\.?' % (_LABEL, _LABEL)


class RelativeDNSNameConstraint(_RegexConstraint):
    regex = r'(%s\.)*%s' % (_LABEL, _LABEL)


class DNSDomainConstraint(DNSNameConstraint):
    pass


class ExpirationConstraint(BaseCustomConstraint):
    def validate(self, value, context=None):
        if not isinstance(value, str):
            return False
        try:
            when = datetime.datetime.fromisoformat(
                value.replace('Z', '+00:00'))
        except ValueError:
            return False
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.timezone.utc)
        return when > datetime.datetime.now(datetime.timezone.utc)


class AnyValueConstraint(BaseCustomConstraint):
    """``test_constr``: upstream's test-only constraint, accepts all."""

    def validate(self, value, context=None):
        return True


# -- registry -----------------------------------------------------------

_REGISTRY = {}


def register_constraint(name, cls):
    """Register ``cls`` (a :class:`BaseCustomConstraint`) under ``name``."""
    _REGISTRY[name] = cls


def unregister_constraint(name):
    _REGISTRY.pop(name, None)


def get_constraint(name):
    """The class registered under ``name``, or None."""
    return _REGISTRY.get(name)


def registered_constraints():
    return sorted(_REGISTRY)


def cloud_service(name):
    """The service a registered cloud constraint needs, or None."""
    cls = get_constraint(name)
    if isinstance(cls, type) and issubclass(cls, CloudConstraint):
        return cls.service
    return None


def register_cloud_constraint(name, service, resource=None):
    """Register a :class:`CloudConstraint` for ``service.resource``."""
    cls = type('CloudConstraint[%s]' % name, (CloudConstraint,), {
        'service': service,
        'resource': resource or name.split('.', 1)[-1],
        'constraint_name': name,
    })
    register_constraint(name, cls)
    return cls


COMMON_CONSTRAINTS = {
    'cron_expression': CRONExpressionConstraint,
    'dns_domain': DNSDomainConstraint,
    'dns_name': DNSNameConstraint,
    'expiration': ExpirationConstraint,
    'rel_dns_name': RelativeDNSNameConstraint,
    'ip_addr': IPConstraint,
    'iso_8601': ISO8601Constraint,
    'mac_addr': MACConstraint,
    'net_cidr': CIDRConstraint,
    'test_constr': AnyValueConstraint,
    'timezone': TimezoneConstraint,
}

#: upstream's service constraints (setup.cfg ``heat.constraints``); the
#: service is the part before the first dot.
CLOUD_CONSTRAINTS = (
    'barbican.container', 'barbican.secret',
    'blazar.reservation',
    'cinder.backup', 'cinder.qos_specs', 'cinder.snapshot', 'cinder.volume',
    'cinder.vtype',
    'designate.domain', 'designate.zone',
    'glance.image',
    'heat.resource_type',
    'ironic.node', 'ironic.portgroup',
    'keystone.domain', 'keystone.group', 'keystone.project',
    'keystone.region', 'keystone.role', 'keystone.service', 'keystone.user',
    'magnum.baymodel', 'magnum.cluster_template',
    'manila.share_network', 'manila.share_snapshot', 'manila.share_type',
    'mistral.workflow',
    'monasca.notification',
    'neutron.address_scope', 'neutron.flow_classifier',
    'neutron.lb.provider', 'neutron.lbaas.listener',
    'neutron.lbaas.loadbalancer', 'neutron.lbaas.pool',
    'neutron.lbaas.provider', 'neutron.network', 'neutron.port',
    'neutron.port_pair', 'neutron.port_pair_group', 'neutron.qos_policy',
    'neutron.router', 'neutron.security_group', 'neutron.segment',
    'neutron.subnet', 'neutron.subnetpool', 'neutron.taas.tap_service',
    'nova.flavor', 'nova.host', 'nova.keypair', 'nova.network',
    'nova.server',
    'octavia.flavor', 'octavia.flavorprofile', 'octavia.l7policy',
    'octavia.listener', 'octavia.loadbalancer', 'octavia.pool',
    'sahara.cluster', 'sahara.cluster_template', 'sahara.data_source',
    'sahara.image', 'sahara.job_binary', 'sahara.job_type',
    'sahara.plugin',
    'senlin.cluster', 'senlin.policy', 'senlin.policy_type',
    'senlin.profile', 'senlin.profile_type',
    'trove.flavor',
    'zaqar.queue',
    'zun.container',
)


def _register_builtins():
    for name, cls in COMMON_CONSTRAINTS.items():
        register_constraint(name, cls)
    for name in CLOUD_CONSTRAINTS:
        register_cloud_constraint(name, name.split('.', 1)[0])


_register_builtins()
