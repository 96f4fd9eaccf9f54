"""Role-based access rules (oslo.policy) of the REST API.

Defaults: reading (``stacks:index``, ``stacks:show``, ``resource:index``,
``events:index``...) needs the ``reader`` role (``member`` and ``admin``
imply it here), changing anything needs ``member`` (or ``admin``), and the
target is always the caller's own project: the rule checks
``project_id:%(project_id)s`` against the project in the URL. Operators can
override any rule in a policy file (``[oslo_policy] policy_file``).

The ``resource_types:<type>`` rules (the admin-only resource types) are
:mod:`heat.common.policy`'s: the engine checks them; they are listed here
too, for the sample policy file.
"""

from oslo_config import cfg
from oslo_policy import policy

from heat.common import exception
from heat.common import policy as common_policy

READER = 'rule:project_reader'
MEMBER = 'rule:project_member'

#: the base rules (``project_reader``, ``project_member``,
#: ``project_admin``...), shared with the engine
BASE_RULES = common_policy.BASE_RULES

#: rule name -> default check string
ACTIONS = {
    'stacks:index': READER, 'stacks:detail': READER,
    'stacks:show': READER, 'stacks:lookup': READER,
    'stacks:template': READER, 'stacks:environment': READER,
    'stacks:files': READER, 'stacks:list_outputs': READER,
    'stacks:show_output': READER,
    # upstream's: an export holds what abandon gives (resource data,
    # secrets included), so only a member may take it
    'stacks:export': MEMBER,
    'stacks:validate_template': READER,
    'stacks:list_resource_types': READER, 'stacks:resource_schema': READER,
    'stacks:generate_template': READER,
    'stacks:list_template_versions': READER,
    'stacks:list_template_functions': READER,
    'stacks:create': MEMBER, 'stacks:preview': MEMBER,
    'stacks:update': MEMBER, 'stacks:update_patch': MEMBER,
    'stacks:preview_update': MEMBER, 'stacks:preview_update_patch': MEMBER,
    'stacks:delete': MEMBER, 'stacks:abandon': MEMBER,
    'actions:action': MEMBER,
    'resource:index': READER, 'resource:show': READER,
    'resource:metadata': 'rule:project_reader_or_stack_user',
    'resource:signal': 'rule:project_member_or_stack_user',
    'resource:mark_unhealthy': MEMBER,
    'events:index': READER, 'events:show': READER,
    # stack snapshots (upstream's names and defaults): a reader may show
    # and list them, so their data masks secret resource data
    # (heat/engine/snapshot_service.py), which only an export gives
    'stacks:snapshot': MEMBER, 'stacks:show_snapshot': READER,
    'stacks:list_snapshots': READER, 'stacks:delete_snapshot': MEMBER,
    'stacks:restore_snapshot': MEMBER,
    'build_info:build_info': READER,
    'build_info:not_supported': READER,
    'build_info:versions': '',
    # credential in the URL (signature, webhook token): no user, no check
    'signal:signal': '', 'signal:webhook': '',
    # software configs and deployments (upstream's names); every
    # project's configs (global_tenant): nobody unless a policy file says
    'software_configs:index': READER, 'software_configs:show': READER,
    'software_configs:create': MEMBER, 'software_configs:delete': MEMBER,
    'software_configs:global_index': '!',
    'software_deployments:index': READER,
    'software_deployments:show': READER,
    'software_deployments:create': MEMBER,
    'software_deployments:update': MEMBER,
    'software_deployments:delete': MEMBER,
    # what a server's agent polls with its stack user credentials
    'software_deployments:metadata': 'rule:project_reader_or_stack_user',
}

# -- the Auto-Scaling API v1 (heat.api.autoscaling) -------------------------
#: rule name -> (default check string, what the rule guards)
AUTOSCALING_ACTIONS = {
    'autoscaling:group:index': (READER, 'List scaling groups.'),
    'autoscaling:group:show': (READER, 'Show a scaling group.'),
    'autoscaling:group:create': (MEMBER, 'Create a scaling group.'),
    'autoscaling:group:update': (MEMBER, 'Change a scaling group.'),
    'autoscaling:group:delete': (MEMBER, 'Delete a scaling group.'),
    'autoscaling:group:suspend': (MEMBER, 'Suspend a scaling group.'),
    'autoscaling:group:resume': (MEMBER, 'Resume a scaling group.'),
    'autoscaling:group:resize': (MEMBER, 'Resize a scaling group.'),
    'autoscaling:group:converge': (MEMBER, 'Converge a scaling group now.'),
    'autoscaling:group:evaluate': (
        MEMBER, 'Evaluate the metric policies of a scaling group now '
                '(which may scale it).'),
    'autoscaling:metric:push': (MEMBER,
                                'Push metric samples to a scaling group.'),
    'autoscaling:metric:index': (READER,
                                 'List the metric samples of a group.'),
    'autoscaling:member:index': (READER, 'List the members of a group.'),
    'autoscaling:member:show': (READER, 'Show a member of a group.'),
    'autoscaling:member:remove': (MEMBER, 'Remove or replace members.'),
    'autoscaling:member:update': (MEMBER,
                                  'Protect a member from scale-in.'),
    'autoscaling:member:mark_unhealthy': (MEMBER,
                                          'Mark a member unhealthy.'),
    'autoscaling:member:complete_lifecycle_action': (
        MEMBER, 'End the lifecycle wait of a member (CONTINUE or '
                'ABANDON).'),
    'autoscaling:member:lifecycle_heartbeat': (
        MEMBER, 'Extend the lifecycle wait of a member (a heartbeat).'),
    'autoscaling:policy:index': (READER, 'List the policies of a group.'),
    'autoscaling:policy:show': (READER, 'Show a scaling policy.'),
    'autoscaling:policy:create': (MEMBER, 'Create a scaling policy.'),
    'autoscaling:policy:update': (MEMBER, 'Change a scaling policy.'),
    'autoscaling:policy:delete': (MEMBER, 'Delete a scaling policy.'),
    'autoscaling:policy:execute': (MEMBER, 'Execute a scaling policy.'),
    'autoscaling:policy:compare': (
        READER, 'Compare a shadow scaling policy with the live ones.'),
    'autoscaling:webhook:index': (READER, 'List the webhooks of a policy.'),
    'autoscaling:webhook:create': (MEMBER, 'Create a webhook.'),
    'autoscaling:webhook:delete': (MEMBER, 'Delete a webhook.'),
    'autoscaling:activity:index': (READER,
                                   'List the activities of a group.'),
    'autoscaling:activity:show': (READER, 'Show an activity.'),
}
ACTIONS.update((name, check) for name, (check, _doc) in
               AUTOSCALING_ACTIONS.items())
# -- end of the Auto-Scaling API rules ---------------------------------------


def list_rules():
    """Every rule with its default (oslo.policy's ``oslo.policy.policies``
    entry point: ``oslopolicy-sample-generator --namespace heat``)."""
    docs = {name: doc for name, (_check, doc) in
            AUTOSCALING_ACTIONS.items()}
    return list(BASE_RULES) + [
        policy.RuleDefault(name, check, docs.get(name))
        for name, check in sorted(ACTIONS.items())] + list(
        common_policy.RESOURCE_TYPE_RULES)


class Forbidden(exception.HeatException):
    msg_fmt = 'You are not authorized to complete %(action)s.'


class Enforcer:
    """Checks a request context against the rules of one action."""

    def __init__(self, conf=None, policy_file=None):
        if conf is None:
            conf = cfg.ConfigOpts()
            conf([], project='heat')
        kwargs = {}
        if policy_file is not None:
            kwargs['policy_file'] = policy_file
        # (the policy files looked at once a second, not at every check)
        self._enforcer = common_policy.Enforcer(conf, use_conf=True,
                                                **kwargs)
        self._enforcer.register_defaults(list_rules())
        #: (rules generation, {(action, target, credentials): allowed})
        self._decisions = (None, {})

    @staticmethod
    def _creds(context):
        return {'roles': list(context.roles), 'project_id':
                context.project_id, 'user_id': context.user_id,
                'is_admin': context.is_admin}

    def enforce(self, context, action, project_id):
        """Raise :class:`Forbidden` unless ``context`` may do ``action``
        on ``project_id``'s objects.

        The answer is remembered for the same action, target and
        credentials (roles, project, user, admin) while the rules are
        unchanged (the policy files are looked at once a second), when
        the rule is made of checks that depend on nothing else (not an
        ``http:`` check): oslo.policy's evaluation of a rule tree was a
        tenth of the time of a scaling policy's signal."""
        enforcer = self._enforcer
        enforcer.load_rules()  # (at most once a second)
        key = (action, project_id, tuple(context.roles or ()),
               context.project_id, context.user_id,
               context.is_admin)
        generation = enforcer.generation
        decisions = self._decisions
        if decisions[0] != generation:
            decisions = self._decisions = (generation, {})
        allowed = decisions[1].get(key)
        if allowed is None:
            target = {'project_id': project_id}
            try:
                allowed = bool(enforcer.enforce(action, target,
                                                self._creds(context)))
            except policy.PolicyNotRegistered:
                allowed = False
            # kept only if the rules did not change meanwhile
            if enforcer.is_pure(action) and \
                    enforcer.generation == generation and \
                    len(decisions[1]) < self.MAX_DECISIONS:
                decisions[1][key] = allowed
        if not allowed:
            raise Forbidden(action=action)

    #: answers remembered (per rules generation) at most
    MAX_DECISIONS = 4096

    def is_admin(self, context):
        return bool(self._enforcer.enforce('context_is_admin', {},
                                           self._creds(context)))
