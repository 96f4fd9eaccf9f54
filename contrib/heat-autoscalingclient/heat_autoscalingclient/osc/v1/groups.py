"""``openstack autoscaling group ...``"""

import logging

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient import exceptions
from heat_autoscalingclient.osc.v1 import common

LOG = logging.getLogger(__name__)

LIST_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Status', 'status'),
    ('Desired Capacity', 'desired_capacity'),
    ('Current Size', 'current_size'), ('Min Size', 'min_size'),
    ('Max Size', 'max_size'), ('Converged', 'converged'),
)
LONG_FIELDS = (
    ('Pending Size', 'pending_size'), ('Suspended', 'suspended'),
    ('Stack ID', 'stack_id'), ('Version', 'version'),
    ('Created At', 'created_at'), ('Updated At', 'updated_at'),
)


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _add_group_arg(parser, help_text='Group to act on (name or ID)'):
    parser.add_argument('group', metavar='<group>', help=help_text)


class ListGroup(command.Lister):
    """List the project's scaling groups"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('--name', metavar='<name>',
                            help='Only groups with this name')
        parser.add_argument('--status', metavar='<status>',
                            help='Only groups in this status (INIT, '
                                 'CONVERGING, ACTIVE, FAILED, DELETING)')
        parser.add_argument('--stack-id', metavar='<stack-id>',
                            help='Only the groups of this stack')
        parser.add_argument('--limit', type=common.non_negative_int,
                            metavar='<n>',
                            help='Show at most this many groups (all, '
                                 'page after page, by default)')
        parser.add_argument('--marker', metavar='<id>',
                            help='Start after the group with this ID')
        parser.add_argument('--sort-key', metavar='<key>',
                            choices=['name', 'created_at', 'updated_at',
                                     'status'],
                            help='Sort by name, created_at, updated_at or '
                                 'status')
        parser.add_argument('--sort-dir', metavar='<dir>',
                            choices=['asc', 'desc'],
                            help='asc or desc')
        parser.add_argument('--long', action='store_true',
                            help='More columns')
        return parser

    def take_action(self, parsed_args):
        filters = {k: v for k, v in (('name', parsed_args.name),
                                     ('status', parsed_args.status),
                                     ('stack_id', parsed_args.stack_id))
                   if v is not None}
        groups = _client(self).groups.list(
            limit=parsed_args.limit, marker=parsed_args.marker,
            sort_key=parsed_args.sort_key, sort_dir=parsed_args.sort_dir,
            max_items=parsed_args.limit, **filters)
        fields = LIST_FIELDS + (LONG_FIELDS if parsed_args.long else ())
        return common.listing(list(groups), fields)


class ShowGroup(command.ShowOne):
    """Show a scaling group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_group_arg(parser, 'Group to show (name or ID)')
        return parser

    def take_action(self, parsed_args):
        return common.show(_client(self).groups.find(parsed_args.group))


class CreateGroup(command.ShowOne):
    """Create a scaling group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('name', metavar='<name>',
                            help='Name of the group')
        common.add_group_settings_args(parser)
        common.add_member_definition_args(parser)
        common.add_health_check_args(parser)
        common.add_lifecycle_hook_args(parser)
        common.add_idempotency_arg(parser)
        common.add_wait_args(parser, 'the group to converge')
        return parser

    def take_action(self, parsed_args):
        if parsed_args.min_size is None or parsed_args.max_size is None:
            raise osc_exc.CommandError('--min-size and --max-size are '
                                       'required')
        resource, files, environment = common.member_definition(
            parsed_args, required=True)
        client = _client(self)
        group = client.groups.create(
            name=parsed_args.name, min_size=parsed_args.min_size,
            max_size=parsed_args.max_size, resource=resource,
            desired_capacity=parsed_args.desired_capacity,
            cooldown=parsed_args.cooldown, files=files,
            environment=environment,
            removal_policy=parsed_args.removal_policy,
            rolling_update=common.rolling_update(parsed_args),
            health_check=common.health_check(parsed_args),
            lifecycle_hooks=common.lifecycle_hooks(parsed_args),
            idempotency_key=parsed_args.idempotency_key)
        if parsed_args.wait:
            group = common.wait_group(client, group, parsed_args)
        return common.show(group)


class UpdateGroup(command.ShowOne):
    """Update a scaling group (only the options given change)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_group_arg(parser, 'Group to update (name or ID)')
        parser.add_argument('--name', metavar='<name>', dest='new_name',
                            help='New name of the group')
        common.add_group_settings_args(parser)
        common.add_member_definition_args(parser)
        parser.add_argument(
            '--replace-members', action='store_true', default=None,
            help='Replace the existing members with the new definition')
        common.add_health_check_args(parser, update=True)
        common.add_lifecycle_hook_args(parser, update=True)
        common.add_if_match_arg(parser)
        common.add_wait_args(parser, 'the group to converge')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        resource, files, environment = common.member_definition(
            parsed_args, required=False, current=group.resource)
        fields = dict(
            name=parsed_args.new_name, min_size=parsed_args.min_size,
            max_size=parsed_args.max_size,
            desired_capacity=parsed_args.desired_capacity,
            cooldown=parsed_args.cooldown, resource=resource, files=files,
            environment=environment,
            removal_policy=parsed_args.removal_policy,
            rolling_update=common.rolling_update(parsed_args),
            replace_members=parsed_args.replace_members,
            health_check=common.health_check(parsed_args,
                                             current=group.health_check),
            lifecycle_hooks=common.lifecycle_hooks(parsed_args))
        if all(v is None for v in fields.values()):
            raise osc_exc.CommandError('nothing to update: give at least '
                                       'one option')
        group = client.groups.update(group.id, if_match=parsed_args.if_match,
                                     **fields)
        if parsed_args.wait:
            group = common.wait_group(client, group, parsed_args,
                                      min_version=group.version)
        return common.show(group)


class DeleteGroup(command.Command):
    """Delete scaling groups (their members are deleted too)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('groups', metavar='<group>', nargs='+',
                            help='Groups to delete (name or ID)')
        common.add_if_match_arg(parser)
        common.add_wait_args(parser, 'the groups to be gone')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        failures = []
        deleted = []
        for name in parsed_args.groups:
            try:
                group = client.groups.find(name)
                client.groups.delete(group.id, if_match=parsed_args.if_match)
                deleted.append(group)
            except exceptions.ClientException as exc:
                failures.append('%s: %s' % (name, exc))
        for group in deleted if parsed_args.wait else ():
            try:
                common.wait_deleted(client, group.id, parsed_args)
            except osc_exc.CommandError as exc:
                failures.append('%s: %s' % (group.name, exc))
        if failures:
            raise osc_exc.CommandError(
                'Unable to delete %d of %d groups:\n%s' % (
                    len(failures), len(parsed_args.groups),
                    '\n'.join(failures)))


class _GroupAction(command.ShowOne):
    action = None
    wait_text = None

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_group_arg(parser)
        common.add_if_match_arg(parser)
        common.add_idempotency_arg(parser)
        if self.wait_text:
            common.add_wait_args(parser, self.wait_text)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        group = getattr(client.groups, self.action)(
            group.id, if_match=parsed_args.if_match,
            idempotency_key=parsed_args.idempotency_key)
        if getattr(parsed_args, 'wait', False):
            group = common.wait_group(client, group, parsed_args)
        return common.show(group)


class SuspendGroup(_GroupAction):
    """Suspend a scaling group (its policies and webhooks do not act)"""

    action = 'suspend'


class ResumeGroup(_GroupAction):
    """Resume a suspended scaling group"""

    action = 'resume'


class ConvergeGroup(_GroupAction):
    """Converge a scaling group now (bring its members to the desired
    capacity and definition)"""

    action = 'converge'
    wait_text = 'the group to converge'


class EvaluateGroup(command.ShowOne):
    """Evaluate the metric policies of a scaling group now; shows the
    evaluation (which may have scaled the group)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_group_arg(parser, 'Group to evaluate (name or ID)')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.groups.evaluate(
            group.id, idempotency_key=parsed_args.idempotency_key))


class ResizeGroup(command.ShowOne):
    """Resize a scaling group: a capacity, or an adjustment; shows the
    decision"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _add_group_arg(parser, 'Group to resize (name or ID)')
        how = parser.add_mutually_exclusive_group(required=True)
        how.add_argument('--capacity', type=common.non_negative_int,
                         metavar='<n>', help='The new desired capacity')
        how.add_argument('--adjustment', type=common.number,
                         metavar='<number>',
                         help='Adjustment of the capacity (see '
                              '--adjustment-type)')
        parser.add_argument(
            '--adjustment-type', metavar='<type>',
            choices=['change_in_capacity', 'exact_capacity',
                     'percent_change_in_capacity'],
            help='change_in_capacity (default), exact_capacity or '
                 'percent_change_in_capacity')
        parser.add_argument('--min-adjustment-step', type=int,
                            metavar='<n>',
                            help='With percent_change_in_capacity: the '
                                 'least change')
        parser.add_argument('--honor-cooldown', action='store_true',
                            default=None,
                            help='Refuse while the group is in cooldown')
        common.add_if_match_arg(parser)
        common.add_idempotency_arg(parser)
        common.add_wait_args(parser, 'the group to reach the new capacity')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        adjustment_type = parsed_args.adjustment_type
        if parsed_args.adjustment is not None and adjustment_type is None:
            adjustment_type = 'change_in_capacity'
        decision = client.groups.resize(
            group.id, capacity=parsed_args.capacity,
            adjustment=parsed_args.adjustment,
            adjustment_type=adjustment_type,
            min_adjustment_step=parsed_args.min_adjustment_step,
            honor_cooldown=parsed_args.honor_cooldown,
            if_match=parsed_args.if_match,
            idempotency_key=parsed_args.idempotency_key)
        if parsed_args.wait and decision.accepted:
            common.wait_group(client, group.id, parsed_args,
                              capacity=decision.to_capacity)
        return common.show(decision)
