"""``openstack autoscaling activity ...``"""

from osc_lib.command import command

from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (
    ('ID', 'id'), ('Trigger', 'trigger'), ('Status', 'status'),
    ('From', 'from_capacity'), ('To', 'to_capacity'), ('Reason', 'reason'),
    ('Started At', 'started_at'),
)


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _group_arg(parser):
    parser.add_argument('group', metavar='<group>',
                        help='Group of the activities (name or ID)')


class ListActivity(command.Lister):
    """List the scaling activities of a group, newest first"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('--limit', type=common.non_negative_int,
                            metavar='<n>',
                            help='Show at most this many (all by default)')
        parser.add_argument('--marker', metavar='<id>',
                            help='Start after the activity with this ID')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        activities = client.activities.list(
            group.id, limit=parsed_args.limit, marker=parsed_args.marker,
            max_items=parsed_args.limit)
        return common.listing(list(activities), LIST_FIELDS)


class ShowActivity(command.ShowOne):
    """Show a scaling activity"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_arg(parser)
        parser.add_argument('activity', metavar='<activity>',
                            help='Activity to show (ID)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        return common.show(client.activities.get(group.id,
                                                 parsed_args.activity))
