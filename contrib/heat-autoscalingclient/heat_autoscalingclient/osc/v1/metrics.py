"""``openstack autoscaling metric ...``: the metric samples of a group
(the source ``push`` of its step and target-tracking policies)."""

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (('Timestamp', 'timestamp'), ('Name', 'name'),
               ('Value', 'value'), ('Member', 'member'))


def _client(cmd):
    return cmd.app.client_manager.autoscaling


class PushMetric(command.ShowOne):
    """Push metric samples to a scaling group"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('group', metavar='<group>',
                            help='Group the samples are of (name or ID)')
        parser.add_argument(
            '--sample', metavar='<name=N,value=V[,member=M,timestamp=T]>',
            dest='samples', action=common.SampleValue, default=None,
            help='A sample (repeat for more): name (the metric of the '
                 'policies: [A-Za-z_][A-Za-z0-9_.:-]*), value (a number), '
                 'member (optional: per member label the latest sample '
                 'counts), timestamp (optional: POSIX seconds or ISO 8601, '
                 'default: when received)')
        parser.add_argument(
            '--file', metavar='<file>',
            help='Samples from a file: JSON (a list of {name, value, '
                 'timestamp, member} or {"samples": [...]}) or CSV whose '
                 'first line names the columns (name, value, timestamp or '
                 'time, member). More than 10,000 samples go in several '
                 'requests (each stored whole or not at all)')
        parser.add_argument(
            '--name', metavar='<metric>',
            help='With --file: the name of the samples that have none '
                 '(a CSV of time,value)')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        samples = list(parsed_args.samples or [])
        if parsed_args.file:
            samples += common.read_samples(parsed_args.file,
                                           parsed_args.name)
        elif parsed_args.name:
            raise osc_exc.CommandError('--name goes with --file')
        if not samples:
            raise osc_exc.CommandError('no samples: give --sample or '
                                       '--file')
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        size = client.metrics.MAX_SAMPLES
        accepted = 0
        batches = [samples[i:i + size]
                   for i in range(0, len(samples), size)]
        for n, batch in enumerate(batches):
            key = parsed_args.idempotency_key
            if key and len(batches) > 1:
                key = '%s-%d' % (key, n)
            result = client.metrics.push(group.id, batch,
                                         idempotency_key=key)
            accepted += result.accepted or 0
        return common.show({'accepted': accepted, 'group_id': group.id,
                            'requests': len(batches)})


class ListMetric(command.Lister):
    """List the metric samples a scaling group keeps, oldest first"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('group', metavar='<group>',
                            help='Group (name or ID)')
        parser.add_argument('--name', metavar='<metric>',
                            help='Only the samples of this metric')
        parser.add_argument('--since', metavar='<time>',
                            help='Only the samples at or after this time '
                                 '(ISO 8601 or POSIX seconds)')
        parser.add_argument('--limit', type=common.non_negative_int,
                            metavar='<n>',
                            help='The newest this many samples (the '
                                 'server\'s default: 1000; at most '
                                 '10000)')
        return parser

    def take_action(self, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        samples = client.metrics.list(group.id, name=parsed_args.name,
                                      since=parsed_args.since,
                                      limit=parsed_args.limit or None)
        return common.listing(samples, LIST_FIELDS)
