"""oslo.policy rules shared by heat-api and heat-engine.

:data:`BASE_RULES` are the rules the others are written with
(``rule:project_reader``...); :data:`RESOURCE_TYPE_RULES` are upstream
Heat's ``resource_types:<type>`` rules (its ``heat/policies/
resource_types.py``): the resource types only an administrator may use,
``rule:project_admin`` (``role:admin``) by default. The engine checks
them (:class:`ResourceTypeEnforcer`) as upstream does: a type whose rule
refuses the caller is left out of the resource type list, and a stack
create, preview or update with it, and its schema or template, are 403
``Forbidden`` ("You are not authorized to use
resource_types:OS::Nova::Flavor."). The REST API's own rules are in
:mod:`heat.api.policy`, which lists these with them for
``oslopolicy-sample-generator``.

As upstream, only the registered ``resource_types:`` rules are checked
(an operator changes them in ``policy.yaml``; a rule there for another
type is ignored), and a type with no rule is allowed. A ``<prefix>::*``
rule (``OS::Keystone::*``) covers every type of the prefix.

Both enforcers are :class:`Enforcer`: oslo.policy's, which looks at the
policy files (their paths, their modification times: some eight
``stat`` calls) at most once every :data:`RELOAD_INTERVAL` seconds
instead of at every check.
"""

import time

from oslo_config import cfg
from oslo_policy import _checks, policy

from heat.common import exception

BASE_RULES = [
    policy.RuleDefault('context_is_admin', 'role:admin',
                       'Decides what is an administrator.'),
    policy.RuleDefault('project_admin', 'role:admin',
                       'An administrator (upstream\'s rule of the '
                       'resource_types: rules).'),
    policy.RuleDefault('project_member',
                       '(role:member or role:admin) and '
                       'project_id:%(project_id)s',
                       'A member of the project of the request.'),
    policy.RuleDefault('project_member_or_stack_user',
                       '(role:member or role:admin or '
                       'role:heat_stack_user) and '
                       'project_id:%(project_id)s',
                       'A member of the project of the request, or a '
                       'stack user (in-instance credentials, see '
                       'heat_stack_user_role) of it.'),
    policy.RuleDefault('project_reader_or_stack_user',
                       '(role:reader or role:member or role:admin or '
                       'role:heat_stack_user) and '
                       'project_id:%(project_id)s',
                       'A reader of the project of the request, or a '
                       'stack user of it.'),
    policy.RuleDefault('project_reader',
                       '(role:reader or role:member or role:admin) and '
                       'project_id:%(project_id)s',
                       'A reader of the project of the request.'),
]

#: the prefix of the resource type rules
RESOURCE_TYPE_SCOPE = 'resource_types'

#: upstream's admin-only resource types (``heat/policies/
#: resource_types.py``), in its order
ADMIN_RESOURCE_TYPES = (
    'OS::Nova::Flavor',
    'OS::Cinder::EncryptedVolumeType',
    'OS::Cinder::VolumeType',
    'OS::Cinder::Quota',
    'OS::Neutron::Quota',
    'OS::Nova::Quota',
    'OS::Octavia::Quota',
    'OS::Manila::ShareType',
    'OS::Neutron::ProviderNet',
    'OS::Neutron::QoSPolicy',
    'OS::Neutron::QoSBandwidthLimitRule',
    'OS::Neutron::QoSDscpMarkingRule',
    'OS::Neutron::QoSMinimumBandwidthRule',
    'OS::Neutron::QoSMinimumPacketRateRule',
    'OS::Neutron::Segment',
    'OS::Nova::HostAggregate',
    'OS::Cinder::QoSSpecs',
    'OS::Cinder::QoSAssociation',
    'OS::Keystone::*',
    'OS::Blazar::Host',
    'OS::Octavia::Flavor',
    'OS::Octavia::FlavorProfile',
)


def _type_rule_doc(type_name):
    if type_name.endswith('::*'):
        what = 'the %s types' % type_name
    else:
        what = type_name
    return ('Use %s in a stack (create, preview, update) and see it in the '
            'resource type list, its schema and its template.' % what)


#: seconds between two looks at the policy files: an edited policy.yaml
#: (or policy.d) applies within this time
RELOAD_INTERVAL = 1.0


class Enforcer(policy.Enforcer):
    """oslo.policy's Enforcer, whose :meth:`load_rules` (called by every
    ``enforce``) looks for changed policy files at most once every
    ``reload_interval`` seconds. oslo.policy looks at each check: the
    policy file found again in every configuration directory, its
    modification time and those of the ``policy_dirs``, a few ``stat``
    calls that each give up the interpreter lock, a noticeable share of a
    cheap request (a scaling policy's signal) on a busy server. The
    rules, their defaults and how they are checked are oslo.policy's."""

    #: the checks whose result depends on the credentials and the target
    #: alone (not ``http:`` checks, nor checks registered by others)
    PURE_CHECKS = (_checks.TrueCheck, _checks.FalseCheck, _checks.AndCheck,
                   _checks.OrCheck, _checks.NotCheck, _checks.RuleCheck,
                   _checks.RoleCheck, _checks.GenericCheck)

    def __init__(self, *args, reload_interval=RELOAD_INTERVAL, **kwargs):
        #: changes whenever the rules may have (each real load)
        self.generation = 0
        self._pure = {}
        super().__init__(*args, **kwargs)
        self.reload_interval = reload_interval
        self._loaded_at = None

    def _changed(self):
        self.generation += 1
        self._pure = {}

    def load_rules(self, force_reload=False):
        now = time.monotonic()
        loaded = getattr(self, '_loaded_at', None)
        if (not force_reload and loaded is not None and self.rules and
                0 <= now - loaded < self.reload_interval):
            return
        self._changed()
        try:
            super().load_rules(force_reload)
        finally:
            # (what was worked out while the rules were loading is
            # forgotten too)
            self._changed()
        self._loaded_at = now

    def register_default(self, default):
        self._loaded_at = None  # the next check loads it
        self._changed()
        return super().register_default(default)

    def set_rules(self, rules, overwrite=True, use_conf=False):
        self._loaded_at = None
        self._changed()
        return super().set_rules(rules, overwrite=overwrite,
                                 use_conf=use_conf)

    def clear(self):
        self._loaded_at = None
        self._changed()
        return super().clear()

    def is_pure(self, name):
        """Whether rule ``name`` (as loaded now) is made of
        :data:`PURE_CHECKS` only, the rules it refers to included: its
        result is then a function of the credentials and the target,
        until the rules change (:attr:`generation`)."""
        known = self._pure
        found = known.get(name)
        if found is None:
            found = known[name] = self._is_pure(self.rules.get(name),
                                                set())
        return found

    def _is_pure(self, check, seen):
        if check is None:
            return False  # not a rule (oslo.policy's default rule)
        if type(check) not in self.PURE_CHECKS:
            return False
        if isinstance(check, _checks.RuleCheck):
            if check.match in seen:
                return False
            seen.add(check.match)
            return self._is_pure(self.rules.get(check.match), seen)
        inner = getattr(check, 'rules', None)
        if inner is not None:
            return all(self._is_pure(c, seen) for c in inner)
        if isinstance(check, _checks.NotCheck):
            return self._is_pure(check.rule, seen)
        return True


RESOURCE_TYPE_RULES = [
    policy.RuleDefault('%s:%s' % (RESOURCE_TYPE_SCOPE, name),
                       'rule:project_admin', _type_rule_doc(name))
    for name in ADMIN_RESOURCE_TYPES]


def list_rules():
    """The rules of this module (base rules, then resource types)."""
    return list(BASE_RULES) + list(RESOURCE_TYPE_RULES)


def creds(context):
    """What a rule is checked against: the context's roles and ids."""
    return {'roles': list(getattr(context, 'roles', None) or ()),
            'project_id': getattr(context, 'project_id', None),
            'user_id': getattr(context, 'user_id', None),
            'is_admin': bool(getattr(context, 'is_admin', False))}


def wildcard_type(type_name):
    """``OS::Keystone::*`` for ``OS::Keystone::Project`` (upstream's
    second check)."""
    return '::'.join(type_name.split('::')[:-1] + ['*'])


class ResourceTypeEnforcer:
    """Checks a context against the ``resource_types:`` rules."""

    def __init__(self, conf=None, policy_file=None):
        if isinstance(conf, cfg.ConfigOpts):
            try:
                conf.find_file('policy.yaml')
            except cfg.NotInitializedError:
                conf = None  # never parsed (a library use, a test)
        if not isinstance(conf, cfg.ConfigOpts):
            conf = cfg.ConfigOpts()
            conf([], project='heat')
        kwargs = {}
        if policy_file is not None:
            kwargs['policy_file'] = policy_file
        self._enforcer = Enforcer(conf, use_conf=True, **kwargs)
        self._enforcer.register_defaults(list_rules())

    def _allowed(self, context, rule):
        target = {'project_id': getattr(context, 'project_id', None)}
        try:
            return bool(self._enforcer.authorize(rule, target,
                                                 creds(context)))
        except policy.PolicyNotRegistered:
            # no rule for the type: allowed (upstream's default '@')
            return True
        except policy.InvalidScope:
            return False

    def enforce(self, context, type_name):
        """Raise :class:`~heat.common.exception.Forbidden` unless
        ``context`` may use ``type_name``, with upstream's message: the
        rule (``resource_types:OS::Nova::Flavor``) when the type's own
        rule refuses, the type when its ``<prefix>::*`` rule does."""
        if context is None or not isinstance(type_name, str):
            return
        rule = '%s:%s' % (RESOURCE_TYPE_SCOPE, type_name)
        if not self._allowed(context, rule):
            raise exception.Forbidden(action=rule)
        wildcard = '%s:%s' % (RESOURCE_TYPE_SCOPE, wildcard_type(type_name))
        if wildcard != rule and not self._allowed(context, wildcard):
            raise exception.Forbidden(action=type_name)

    def allowed(self, context, type_name):
        """Whether ``context`` may use (and see) ``type_name``."""
        try:
            self.enforce(context, type_name)
        except exception.Forbidden:
            return False
        return True

    def enforce_stack(self, stack):
        """:meth:`enforce` every resource type of ``stack``'s template,
        as written and as the environment maps it (an alias of
        ``OS::Nova::Flavor`` is ``OS::Nova::Flavor``)."""
        try:
            definitions = stack.definitions()
        except Exception:  # noqa: BLE001 - validation reports it
            return
        registry = getattr(getattr(stack, 'env', None), 'registry', None)
        for name, defn in definitions.items():
            type_name = getattr(defn, 'resource_type', None)
            if not isinstance(type_name, str):
                continue
            names = [type_name]
            if registry is not None:
                try:
                    info = registry.get_resource_info(type_name, name)
                except exception.HeatException:
                    info = None  # a mapping loop: validation reports it
                if info is not None and info.kind != info.TEMPLATE:
                    names.extend(n for n in info.chain if n not in names)
                elif info is not None:
                    names.extend(n for n in info.chain[:-1]
                                 if n not in names)
            for checked in names:
                self.enforce(stack.context, checked)
