"""``openstack autoscaling group replay``: the samples a group recorded
(or a trace file) replayed through the policies of a policy file, offline,
with heat's simulator (:mod:`heat.scaling.simulate`).

The client does not depend on heat: the simulator is imported when the
command runs, and a clear error says so when it cannot be.

The trace made from a group's samples (``GET .../metrics``, the samples
of one metric): one point per distinct timestamp; at each, per member
label (the samples without one share a label) the latest sample at or
before it and at most ``--period`` seconds (default 60) older; the
statistic of those values (``--statistic``; default: ``average``, or
``sum`` when the policy file's ``metric`` is ``total``), as the engine
reads its samples (:func:`heat.scaling.simulate.points_from_samples`).
"""

import json
import os

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient.osc.v1 import common

STATISTICS = ('average', 'sum', 'maximum', 'minimum')


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def load_simulator():
    """:mod:`heat.scaling.simulate`, or a CommandError saying how to get
    it."""
    try:
        from heat.scaling import simulate
    except ImportError as exc:
        raise osc_exc.CommandError(
            'group replay runs heat\'s offline simulator '
            '(heat.scaling.simulate), which cannot be imported here: %s. '
            'Install heat next to this client (the heat-autoscalingclient '
            'package does not depend on it), or run the command from '
            'heat\'s virtualenv.' % exc) from None
    if not hasattr(simulate, 'points_from_samples'):
        raise osc_exc.CommandError(
            'the heat installed here is too old for group replay '
            '(heat.scaling.simulate has no points_from_samples)')
    return simulate


class ReplayGroup(command.Command):
    """Replay a group's recorded metric samples (or a trace file) through
    the policies of a policy file, offline"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            'group', metavar='<group>', nargs='?',
            help='Group whose recorded samples make the trace (name or '
                 'ID); or give --trace')
        parser.add_argument(
            '--policy-file', metavar='<file>', required=True,
            help='The simulator\'s policy file (YAML or JSON: group, '
                 'policies, combine, boot_delay, metric, target; see '
                 'python -m heat.scaling.simulate --help)')
        parser.add_argument(
            '--trace', metavar='<file>',
            help='A trace file (CSV time,value or JSON) instead of a '
                 'group\'s samples')
        parser.add_argument(
            '--metric', metavar='<name>',
            help='The metric of the group\'s samples to replay (needed '
                 'when the group has samples of several)')
        parser.add_argument(
            '--statistic', metavar='<statistic>', choices=STATISTICS,
            help='How the members\' values at a time make the metric: '
                 'average, sum, maximum or minimum (default: average; sum '
                 'when the policy file\'s metric is total)')
        parser.add_argument(
            '--period', type=float, default=None, metavar='<seconds>',
            help='A member\'s latest sample counts for this long '
                 '(default 60)')
        parser.add_argument(
            '--since', metavar='<time>',
            help='Only the samples at or after this time (ISO 8601 or '
                 'POSIX seconds)')
        parser.add_argument(
            '--limit', type=common.non_negative_int, default=10000,
            metavar='<n>',
            help='The newest this many samples are fetched (default and '
                 'most: 10000)')
        parser.add_argument(
            '--boot-delay', type=float, default=None, metavar='<seconds>',
            help='Seconds before a new member is ready (over the policy '
                 'file\'s)')
        parser.add_argument(
            '--start', type=common.non_negative_int, default=None,
            metavar='<n>',
            help='Starting capacity (over the policy file\'s)')
        parser.add_argument(
            '--plot', metavar='<png>',
            help='Draw metric and capacity over time into this PNG '
                 '(needs matplotlib)')
        parser.add_argument(
            '--json', action='store_true',
            help='Print the report as JSON (its "trace" says how it was '
                 'made)')
        return parser

    def take_action(self, parsed_args):
        if (parsed_args.group is None) == (parsed_args.trace is None):
            raise osc_exc.CommandError('give a group or --trace (one of '
                                       'them)')
        if parsed_args.trace is not None:
            for option in ('metric', 'statistic', 'period', 'since'):
                if getattr(parsed_args, option) is not None:
                    raise osc_exc.CommandError(
                        '--%s: only with a group (not with --trace)'
                        % option)
        if parsed_args.period is not None and parsed_args.period <= 0:
            raise osc_exc.CommandError('--period must be positive')
        if parsed_args.boot_delay is not None and parsed_args.boot_delay < 0:
            raise osc_exc.CommandError('--boot-delay must not be negative')
        sim = load_simulator()
        try:
            config = sim.load_policy_file(parsed_args.policy_file)
            if parsed_args.trace is not None:
                points, iso = sim.load_trace(parsed_args.trace)
                trace = {'source': 'file', 'file': parsed_args.trace,
                         'points': len(points)}
            else:
                points, trace = self._group_trace(sim, config, parsed_args)
                iso = True
            report = sim.simulate(config, points, parsed_args.boot_delay,
                                  parsed_args.start)
            if parsed_args.plot:
                sim.plot(report, parsed_args.plot)
        except sim.InputError as exc:
            raise osc_exc.CommandError(str(exc)) from None
        out = self.app.stdout
        if parsed_args.json:
            report['trace'] = trace
            out.write(json.dumps(report, indent=2, sort_keys=True) + '\n')
            return
        out.write('# %s\n' % describe(trace))
        out.write(sim.render_text(report, iso))
        if parsed_args.plot:
            out.write('plot written to %s\n'
                      % os.path.abspath(parsed_args.plot))

    def _group_trace(self, sim, config, parsed_args):
        client = _client(self)
        group = client.groups.find(parsed_args.group)
        samples = client.metrics.list(group.id, name=parsed_args.metric,
                                      since=parsed_args.since,
                                      limit=parsed_args.limit or None)
        names = sorted({x.name for x in samples})
        metric = parsed_args.metric
        if metric is None:
            if len(names) > 1:
                raise osc_exc.CommandError(
                    'group %s has samples of several metrics (%s): choose '
                    'one with --metric' % (group.name, ', '.join(names)))
            metric = names[0] if names else None
        if not samples:
            raise osc_exc.CommandError(
                'group %s has no samples%s to replay' % (
                    group.name, ' of %s' % metric if metric else ''))
        statistic = parsed_args.statistic or sim.MODE_STATISTIC.get(
            config.metric, 'average')
        period = parsed_args.period or sim.DEFAULT_PERIOD
        points = sim.points_from_samples(
            [x.to_dict() for x in samples], statistic, period, name=metric)
        if not points:
            raise osc_exc.CommandError('group %s has no samples of %s to '
                                       'replay' % (group.name, metric))
        return points, {'source': 'group', 'group_id': group.id,
                        'group': group.name, 'metric': metric,
                        'samples': len(samples), 'points': len(points),
                        'statistic': statistic, 'period': period}


def describe(trace):
    """One line saying where the trace comes from."""
    if trace['source'] == 'file':
        return 'trace: %(points)d points from %(file)s' % trace
    return ('trace: %(points)d points from %(samples)d samples of '
            '%(metric)s of group %(group)s (%(statistic)s of each '
            'member\'s latest sample within %(period)g s)' % trace)
