"""``openstack autoscaling policy ...``"""

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient import exceptions
from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Adjustment Type', 'adjustment_type'),
    ('Scaling Adjustment', 'scaling_adjustment'), ('Cooldown', 'cooldown'),
)
ADJUSTMENT_TYPES = ['change_in_capacity', 'exact_capacity',
                    'percent_change_in_capacity']


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _group_arg(parser):
    parser.add_argument('group', metavar='<group>',
                        help='Group of the policy (name or ID)')


def _policy_arg(parser, help_text='Policy (name or ID)'):
    parser.add_argument('policy', metavar='<policy>', help=help_text)


def _settings_args(parser, required):
    parser.add_argument('--adjustment-type', metavar='<type>',
                        choices=ADJUSTMENT_TYPES, required=required,
                        help='change_in_capacity, exact_capacity or '
                             'percent_change_in_capacity')
    parser.add_argument('--adjustment', '--scaling-adjustment',
                        dest='adjustment', type=common.number,
                        metavar='<number>', required=required,
                        help='The scaling adjustment (negative to scale in)')
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


class CreatePolicy(command.ShowOne):
    """Create a scaling policy of a group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the policy')
        _settings_args(parser, required=True)
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.create(
            group.id, name=parsed_args.name,
            adjustment_type=parsed_args.adjustment_type,
            scaling_adjustment=parsed_args.adjustment,
            min_adjustment_step=parsed_args.min_adjustment_step,
            cooldown=parsed_args.cooldown,
            idempotency_key=parsed_args.idempotency_key)
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
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        policy = client.policies.find(group.id, parsed_args.policy)
        fields = dict(name=parsed_args.new_name,
                      adjustment_type=parsed_args.adjustment_type,
                      scaling_adjustment=parsed_args.adjustment,
                      min_adjustment_step=parsed_args.min_adjustment_step,
                      cooldown=parsed_args.cooldown)
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
