"""``openstack autoscaling policy ...``"""

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient import exceptions
from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Kind', 'kind'),
    ('Adjustment Type', 'adjustment_type'),
    ('Scaling Adjustment', 'scaling_adjustment'), ('Cooldown', 'cooldown'),
)
ADJUSTMENT_TYPES = ['change_in_capacity', 'exact_capacity',
                    'percent_change_in_capacity']
KINDS = ['simple', 'scheduled', 'step', 'target_tracking']
METRIC_KINDS = ('step', 'target_tracking')
#: the options of each kind (dest, option), to refuse them on another
ADJUSTMENT_OPTIONS = (('adjustment_type', '--adjustment-type'),
                      ('adjustment', '--adjustment'),
                      ('min_adjustment_step', '--min-adjustment-step'),
                      ('cooldown', '--cooldown'))
METRIC_OPTIONS = (('params_file', '--params-file'), ('mode', '--mode'),
                  ('evaluation_interval', '--evaluation-interval'))
SCHEDULE_OPTIONS = (('schedule', '--schedule'),)


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _group_arg(parser):
    parser.add_argument('group', metavar='<group>',
                        help='Group of the policy (name or ID)')


def _policy_arg(parser, help_text='Policy (name or ID)'):
    parser.add_argument('policy', metavar='<policy>', help=help_text)


def _refuse(parsed_args, options, kind):
    for dest, option in options:
        if getattr(parsed_args, dest, None) is not None:
            raise osc_exc.CommandError('%s: not with a policy of kind %s'
                                       % (option, kind))


def _settings_args(parser, required):
    parser.add_argument('--adjustment-type', metavar='<type>',
                        choices=ADJUSTMENT_TYPES,
                        help='change_in_capacity, exact_capacity or '
                             'percent_change_in_capacity%s' % (
                                 ' (kind simple: required)'
                                 if required else ''))
    parser.add_argument('--adjustment', '--scaling-adjustment',
                        dest='adjustment', type=common.number,
                        metavar='<number>',
                        help='The scaling adjustment (negative to scale '
                             'in)%s' % (' (kind simple: required)'
                                        if required else ''))
    parser.add_argument('--min-adjustment-step', type=common.non_negative_int,
                        metavar='<n>',
                        help='With percent_change_in_capacity: the least '
                             'change')
    parser.add_argument('--cooldown', type=common.number,
                        metavar='<seconds>',
                        help='Cooldown after this policy acts')


class ListPolicy(command.Lister):
    """List the scaling policies of a group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.listing(client.policies.list(group.id), LIST_FIELDS)


def _kind(parsed_args):
    """--kind, else scheduled with --schedule, else the params file's
    kind, else simple."""
    if parsed_args.kind:
        return parsed_args.kind
    if parsed_args.schedule is not None:
        return 'scheduled'
    kind = common.params_file_kind(parsed_args)
    if kind is not None:
        if kind not in KINDS:
            raise osc_exc.CommandError(
                'params file %s: kind %r is not one of %s' % (
                    parsed_args.params_file, kind, ', '.join(KINDS)))
        return kind
    return 'simple'


class CreatePolicy(command.ShowOne):
    """Create a scaling policy of a group: simple (an adjustment),
    scheduled (a schedule) or a metric policy (step, target_tracking)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the policy')
        parser.add_argument(
            '--kind', metavar='<kind>', choices=KINDS,
            help='simple (the default: --adjustment-type and '
                 '--adjustment), scheduled (--schedule), step or '
                 'target_tracking (metric policies: --params-file)')
        _settings_args(parser, required=True)
        common.add_schedule_arg(parser)
        common.add_metric_policy_args(parser)
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        kind = _kind(parsed_args)
        fields = {}
        if kind == 'simple':
            _refuse(parsed_args, SCHEDULE_OPTIONS + METRIC_OPTIONS, kind)
            if parsed_args.adjustment_type is None or \
                    parsed_args.adjustment is None:
                raise osc_exc.CommandError(
                    'a simple policy needs --adjustment-type and '
                    '--adjustment (or give --kind)')
            fields = dict(
                adjustment_type=parsed_args.adjustment_type,
                scaling_adjustment=parsed_args.adjustment,
                min_adjustment_step=parsed_args.min_adjustment_step,
                cooldown=parsed_args.cooldown)
        elif kind == 'scheduled':
            _refuse(parsed_args, ADJUSTMENT_OPTIONS + METRIC_OPTIONS, kind)
            if not parsed_args.schedule:
                raise osc_exc.CommandError('a scheduled policy needs '
                                           '--schedule KEY=VALUE')
            fields = dict(kind=kind, schedule=parsed_args.schedule)
        else:
            _refuse(parsed_args, ADJUSTMENT_OPTIONS + SCHEDULE_OPTIONS,
                    kind)
            if not parsed_args.params_file:
                raise osc_exc.CommandError(
                    'a %s policy needs --params-file (its metric and '
                    'settings)' % kind)
            fields = dict(kind=kind, **common.metric_policy_params(
                parsed_args, kind))
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.create(
            group.id, name=parsed_args.name,
            idempotency_key=parsed_args.idempotency_key, **fields)
        return common.show(policy)


class ShowPolicy(command.ShowOne):
    """Show a scaling policy"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _policy_arg(parser, 'Policy to show (name or ID)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.policies.find(group.id,
                                                parsed_args.policy))


class UpdatePolicy(command.ShowOne):
    """Update a scaling policy (only the options given change)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _policy_arg(parser, 'Policy to update (name or ID)')
        parser.add_argument('--name', metavar='<name>', dest='new_name',
                            help='New name of the policy')
        _settings_args(parser, required=False)
        common.add_schedule_arg(parser, update=True)
        common.add_metric_policy_args(parser, update=True)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.find(group.id, parsed_args.policy)
        kind = policy.kind or 'simple'
        fields = dict(name=parsed_args.new_name,
                      adjustment_type=parsed_args.adjustment_type,
                      scaling_adjustment=parsed_args.adjustment,
                      min_adjustment_step=parsed_args.min_adjustment_step,
                      cooldown=parsed_args.cooldown)
        if kind != 'scheduled':
            _refuse(parsed_args, SCHEDULE_OPTIONS, kind)
        elif parsed_args.schedule:
            fields['schedule'] = common.merged_schedule(
                policy.schedule, parsed_args.schedule)
        if kind not in METRIC_KINDS:
            _refuse(parsed_args, METRIC_OPTIONS, kind)
        else:
            fields.update(common.metric_policy_params(parsed_args, kind))
        if all(v is None for v in fields.values()):
            raise osc_exc.CommandError('nothing to update: give at least '
                                       'one option')
        return common.show(client.policies.update(group.id, policy.id,
                                                  **fields))


class DeletePolicy(command.Command):
    """Delete scaling policies"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('policies', metavar='<policy>', nargs='+',
                            help='Policies to delete (name or ID)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        failures = []
        for name in parsed_args.policies:
            try:
                policy = client.policies.find(group.id, name)
                client.policies.delete(group.id, policy.id)
            except exceptions.ClientException as exc:
                failures.append('%s: %s' % (name, exc))
        if failures:
            raise osc_exc.CommandError(
                'Unable to delete %d of %d policies:\n%s' % (
                    len(failures), len(parsed_args.policies),
                    '\n'.join(failures)))


class ExecutePolicy(command.ShowOne):
    """Execute a scaling policy now; shows the decision"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _policy_arg(parser, 'Policy to execute (name or ID)')
        parser.add_argument('--data', type=common.json_arg, metavar='<json>',
                            help='JSON details sent with the execution')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.find(group.id, parsed_args.policy)
        decision = client.policies.execute(
            group.id, policy.id, details=parsed_args.data,
            idempotency_key=parsed_args.idempotency_key)
        return common.show(decision)


class ComparePolicy(command.ShowOne):
    """Compare a shadow policy with the live policies of its group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _policy_arg(parser, 'The shadow policy (name or ID)')
        parser.add_argument('--start', metavar='<time>',
                            help='From this time (ISO 8601 or POSIX '
                                 'seconds; default: 24 h before --end)')
        parser.add_argument('--end', metavar='<time>',
                            help='Until this time (default: now)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.find(group.id, parsed_args.policy)
        return common.show(client.policies.compare(
            group.id, policy.id, start=parsed_args.start,
            end=parsed_args.end))
