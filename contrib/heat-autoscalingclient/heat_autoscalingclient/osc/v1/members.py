"""``openstack autoscaling member ...``"""

import types

from osc_lib.command import command

from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (
    ('Name', 'name'), ('Status', 'status'), ('Health', 'health'),
    ('Protected', 'protected'), ('Generation', 'generation'),
    ('Physical Resource ID', 'physical_resource_id'),
    ('Created At', 'created_at'),
)


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _group_arg(parser):
    parser.add_argument('group', metavar='<group>',
                        help='Group of the member (name or ID)')


def _member_arg(parser, help_text='Member (its name)'):
    parser.add_argument('member', metavar='<member>', help=help_text)


def _attribute_arg(parser, what):
    parser.add_argument(
        '--attribute', metavar='<name>', action='append', dest='attributes',
        help='An attribute of the member\'s resource (for a provider '
             'template, an output of its nested stack) to show %s; '
             'repeat for several' % what)


def attribute_columns(names):
    """``(header, name)`` of each attribute's column: the header is the
    name, or ``Attribute <name>`` when a standard column has that
    header."""
    taken = {h for h, _ in LIST_FIELDS}
    names = list(dict.fromkeys(names or ()))
    return [('Attribute %s' % n if n in taken else n, n) for n in names]


class ListMember(command.Lister):
    """List the members of a scaling group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _attribute_arg(parser, 'as a column of its own (headed by the '
                       'name; "Attribute <name>" when a standard column '
                       'has that header)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        extra = attribute_columns(parsed_args.attributes)
        members = list(client.members.list(
            group.id, attributes=[n for _, n in extra] or None))
        headers, rows = common.listing(members, LIST_FIELDS)
        if not extra:
            return headers, rows
        values = [types.SimpleNamespace(**(m.attributes or {}))
                  for m in members]
        more, cells = common.listing(values, extra)
        return headers + more, (a + b for a, b in zip(rows, cells))


class ShowMember(command.ShowOne):
    """Show a member of a scaling group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _member_arg(parser, 'Member to show (its name)')
        _attribute_arg(parser, 'in the "attributes" field')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.members.get(
            group.id, parsed_args.member, attributes=parsed_args.attributes))


class RemoveMember(command.ShowOne):
    """Remove members from a scaling group (the capacity shrinks unless
    --replace); shows the group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('members', metavar='<member>', nargs='+',
                            help='Members to remove (their names)')
        parser.add_argument('--replace', action='store_true',
                            help='Create new members in their place')
        common.add_idempotency_arg(parser)
        common.add_wait_args(parser, 'the group to converge')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        group = client.members.remove(
            group.id, parsed_args.members, replace=parsed_args.replace,
            idempotency_key=parsed_args.idempotency_key)
        if parsed_args.wait:
            group = common.wait_group(client, group, parsed_args)
        return common.show(group)


class ProtectMember(command.ShowOne):
    """Protect a member: it is never chosen for scale-in"""

    protected = True

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _member_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        member = client.members.update(group.id, parsed_args.member,
                                       protected=self.protected)
        return common.show(member)


class UnprotectMember(ProtectMember):
    """Unprotect a member: it may be chosen for scale-in again"""

    protected = False


class MarkMemberUnhealthy(command.ShowOne):
    """Mark a member unhealthy (the group replaces it)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _member_arg(parser)
        parser.add_argument('--reason', metavar='<reason>',
                            help='Why (kept with the member)')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        member = client.members.mark_unhealthy(
            group.id, parsed_args.member, reason=parsed_args.reason,
            idempotency_key=parsed_args.idempotency_key)
        return common.show(member)


class CompleteLifecycleAction(command.ShowOne):
    """End the lifecycle wait of a member (PENDING_WAIT or
    TERMINATING_WAIT): CONTINUE or ABANDON"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _member_arg(parser)
        parser.add_argument(
            '--result', metavar='<result>', required=True,
            choices=['CONTINUE', 'ABANDON'],
            help='CONTINUE: a launch wait\'s member becomes ACTIVE; '
                 'ABANDON: it is FAILED (and replaced). A terminate '
                 'wait\'s member is deleted either way')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.members.complete_lifecycle_action(
            group.id, parsed_args.member, parsed_args.result,
            idempotency_key=parsed_args.idempotency_key))


class LifecycleHeartbeat(command.ShowOne):
    """Extend the lifecycle wait of a member (its deadline becomes now +
    the hook's heartbeat_timeout)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        _member_arg(parser)
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.members.record_lifecycle_heartbeat(
            group.id, parsed_args.member,
            idempotency_key=parsed_args.idempotency_key))
