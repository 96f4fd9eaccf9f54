"""The main job on the embedded default.

1. Validate ``examples/autoscaling.yaml`` offline and print its resources
   resolved (parameters substituted, dependency order), as the engine will
   see them.
2. Drive the scaling library: signals to the example's scale-up and
   scale-down policies, with cooldown rejections and their reasons.
3. Replay a day's metric trace through several policy kinds.
4. Create the database schema in a fresh state directory (SQLite, WAL).
5. Start ``heat-all`` on the embedded default and drive a stack through
   the REST API with the real python-heatclient: create, resources and
   outputs, a PATCH update, delete.
6. Auto-scaling on ``heat-all``: the example's group and policies,
   triggers through the signal API, the pre-signed ``alarm_url`` and an
   ``Idempotency-Key``, each decision with its reason and the member count
   as the group converges.
7. The Auto-Scaling API without a template, through ``openstack
   autoscaling`` (contrib/heat-autoscalingclient): group create, policy
   create, webhook create, execute by URL, activity list.

Each step uses the public entry points (``heat-manage``, ``heat.scaling``)
that later layers call.
"""

import json
import os
import subprocess
import sys
import tempfile

from heat.common import template_format
from heat.engine import dependencies, function, validate
from heat.engine import template as templatem
from heat.scaling import simple, state

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(REPO, 'examples', 'autoscaling.yaml')


def banner(text):
    print('\n== %s' % text)


def run(*argv):
    print('$ %s' % ' '.join(argv))
    proc = subprocess.run(argv, capture_output=True, text=True, cwd=REPO)
    return proc


def validate_example():
    banner('1. Validate %s offline' % os.path.relpath(EXAMPLE, REPO))
    manage = os.path.join(os.path.dirname(sys.executable), 'heat-manage')
    proc = run(manage, 'template', 'validate',
               os.path.relpath(EXAMPLE, REPO), '-P', 'desired_capacity=3')
    if proc.returncode != 0:
        sys.exit('validation failed: %s' % proc.stderr)
    result = json.loads(proc.stdout)
    first = ' '.join(result['Description'].split()).split('. ')[0]
    print('valid: %s.' % first)
    for name, param in sorted(result['Parameters'].items()):
        shown = param.get('Value', param.get('Default'))
        print('  parameter %-17s %-7s = %s' % (name, param['Type'], shown))

    with open(EXAMPLE) as f:
        tmpl = templatem.Template.create(template_format.parse(f.read()))
    stack = validate.OfflineStack(tmpl, name='demo')
    stack.parameters = tmpl.parameters('demo', None, 'demo-project',
                                       {'desired_capacity': 3}, {})
    stack.conditions = tmpl.conditions(stack)
    defns = tmpl.resource_definitions(stack)
    stack.definitions = defns
    order = dependencies.Dependencies()
    for name, defn in defns.items():
        order += (name, None)
        for dep in defn.dependencies(stack):
            order += (name, dep)
    print('resources in creation order, properties resolved:')
    for name in order:
        defn = defns[name]
        props = function.resolve(defn.properties)
        print('  %-18s %-26s %s' % (name, defn.resource_type,
                                    json.dumps(props, sort_keys=True)))
    return defns


def scaling_decisions(defns):
    banner('2. Signals to the policies, decided by heat.scaling.simple')
    asg = function.resolve(defns['asg'].properties)
    up = function.resolve(defns['scale_up_policy'].properties)
    down = function.resolve(defns['scale_down_policy'].properties)
    policies = {
        'scale_up_policy': simple.SimplePolicy(
            name='scale_up_policy', adjustment_type=up['adjustment_type'],
            scaling_adjustment=up['scaling_adjustment'],
            cooldown=up['cooldown']),
        'scale_down_policy': simple.SimplePolicy(
            name='scale_down_policy',
            adjustment_type=down['adjustment_type'],
            scaling_adjustment=down['scaling_adjustment'],
            cooldown=down['cooldown']),
    }
    group = state.GroupState(capacity=asg['desired_capacity'],
                             min_size=asg['min_size'],
                             max_size=asg['max_size'],
                             cooldown=asg['cooldown'])
    start = 1_800_000_000.0
    print('group: min %d, max %d, %d members, cooldown %ss'
          % (group.min_size, group.max_size, group.capacity, group.cooldown))
    for offset, name in ((0, 'scale_up_policy'), (30, 'scale_up_policy'),
                         (61, 'scale_up_policy'), (125, 'scale_up_policy'),
                         (190, 'scale_up_policy'), (260, 'scale_down_policy'),
                         (330, 'scale_down_policy')):
        decision = simple.decide(group, policies[name], start + offset)
        verdict = 'accepted' if decision.accepted else decision.rejection
        print('  t+%3ds %-17s %-9s %d -> %d  %s'
              % (offset, name, verdict, decision.current, decision.desired,
                 decision.reason))
        if decision.accepted:
            group = state.GroupState(
                capacity=decision.desired, min_size=group.min_size,
                max_size=group.max_size, cooldown=group.cooldown,
                cooldown_end=decision.cooldown_end)


def simulation():
    banner('3. A metric trace replayed through several policy kinds')
    proc = run(sys.executable, '-m', 'heat.scaling.simulate',
               '--policy', 'examples/scaling/policy.yaml',
               '--trace', 'examples/scaling/trace.csv', '--json')
    if proc.returncode != 0:
        sys.exit('simulation failed: %s' % proc.stderr)
    report = json.loads(proc.stdout)
    summary = report.get('summary', report)
    print(json.dumps(summary, indent=2, sort_keys=True))


def database():
    banner('4. The database schema in a fresh state directory')
    manage = os.path.join(os.path.dirname(sys.executable), 'heat-manage')
    with tempfile.TemporaryDirectory() as state_dir:
        proc = run(manage, '--state-dir', state_dir, 'db_sync')
        print(proc.stdout.strip() or proc.stderr.strip())
        if proc.returncode != 0:
            sys.exit(1)


def heat_all():
    """heat-all on the embedded default in a fresh state directory, on a
    free port: a context manager of ``(its first line, its base URL)``;
    stopped by SIGTERM at the end."""
    import contextlib
    import re
    import signal

    @contextlib.contextmanager
    def running():
        bindir = os.path.dirname(sys.executable)
        with tempfile.TemporaryDirectory() as state_dir:
            proc = subprocess.Popen(
                [os.path.join(bindir, 'heat-all'), '--state-dir', state_dir,
                 '--bind-port', '0'],
                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
            try:
                line = proc.stdout.readline().strip()
                host, port = re.search(r'http://([\d.]+):(\d+)',
                                       line).groups()
                yield line, 'http://%s:%s' % (host, port)
            finally:
                proc.send_signal(signal.SIGTERM)
                proc.wait(30)
                proc.stdout.close()
    return running()


def rest_api():
    banner('5. heat-all on the embedded default, driven over REST')
    import time

    from heatclient import client as heat_client

    with heat_all() as (line, base):
        print(line)
        hc = heat_client.Client(
            '1', endpoint=base + '/v1/demo',
            token='demo')
        with open(os.path.join(REPO, 'examples', 'templates',
                               'provider_group.yaml')) as f:
            template = f.read()
        files = {}
        for name in ('member.yaml',):
            with open(os.path.join(REPO, 'examples', 'templates',
                                   name)) as f:
                files[name] = f.read()
        env = {'resource_registry': {'My::Member': 'member.yaml'}}

        def settle(name):
            while True:
                stack = hc.stacks.get(name)
                if not stack.stack_status.endswith('IN_PROGRESS'):
                    return stack
                time.sleep(0.05)

        hc.stacks.create(stack_name='demo', template=template,
                         files=files, environment=env,
                         parameters={'count': 2})
        stack = settle('demo')
        print('POST /stacks -> %s' % stack.stack_status)
        for res in hc.resources.list('demo', nested_depth=1):
            print('  resource %-10s %-26s %s' % (
                res.resource_name, res.resource_type,
                res.resource_status))
        for out in hc.stacks.output_list('demo')['outputs']:
            value = hc.stacks.output_show(
                'demo', out['output_key'])['output']['output_value']
            print('  output %s = %s' % (out['output_key'],
                                        json.dumps(value)))
        hc.stacks.update(stack.id, existing=True,
                         parameters={'count': 3})
        stack = settle('demo')
        print('PATCH /stacks/demo count=3 -> %s, %d members'
              % (stack.stack_status,
                 len(list(hc.resources.list(stack.id, nested_depth=1)))
                 - 1))
        hc.stacks.delete(stack.id)
        stack = settle(stack.id)
        print('DELETE /stacks/demo -> %s' % stack.stack_status)


def autoscaling():
    banner('6. Auto-scaling on heat-all: triggers over REST, the size '
           'timeline')
    import time
    import urllib.request

    from heatclient import client as heat_client

    bindir = os.path.dirname(sys.executable)
    with heat_all() as (line, base):
        hc = heat_client.Client('1', endpoint=base + '/v1/demo',
                                token='demo')
        with open(EXAMPLE) as f:
            template = f.read()
        t0 = time.monotonic()

        def stamp():
            return 't+%5.2fs' % (time.monotonic() - t0)

        def settle(name):
            while True:
                stack = hc.stacks.get(name)
                if not stack.stack_status.endswith('IN_PROGRESS'):
                    return stack
                time.sleep(0.05)

        def size():
            return hc.stacks.output_show(
                'asdemo', 'current_size')['output']['output_value']

        def converge_to(expected):
            deadline = time.monotonic() + 60
            while size() != expected and time.monotonic() < deadline:
                time.sleep(0.02)
            print('  %s members: %s' % (stamp(), size()))

        def show(how, decision):
            verdict = ('accepted' if decision.get('accepted') else
                       decision.get('rejection'))
            extra = ' (repeat of an earlier trigger)' \
                if decision.get('repeated') else ''
            print('  %s %-28s %-9s %s%s' % (stamp(), how, verdict,
                                            decision['reason'], extra))
            return decision

        def post(url, key=None):
            req = urllib.request.Request(url, data=b'', method='POST')
            if key:
                req.add_header('Idempotency-Key', key)
            with urllib.request.urlopen(req, timeout=30) as resp:
                return json.loads(resp.read() or b'null')

        hc.stacks.create(stack_name='asdemo', template=template,
                         parameters={'cooldown': 0, 'desired_capacity': 2,
                                     'max_size': 4})
        stack = settle('asdemo')
        print('POST /stacks asdemo (min 1, max 4, desired 2, cooldown '
              '0) -> %s' % stack.stack_status)
        converge_to(2)
        for _ in range(3):
            d = show('signal scale_up_policy', hc.resources.signal(
                'asdemo', 'scale_up_policy'))
            if d.get('accepted'):
                converge_to(d['desired'])
        outs = {o['output_key']: hc.stacks.output_show(
            'asdemo', o['output_key'])['output']['output_value']
            for o in hc.stacks.output_list('asdemo')['outputs']}
        d = show('POST alarm_url (no token)',
                 post(outs['scale_down_alarm_url']))
        converge_to(d['desired'])
        d = show('alarm_url, Idempotency-Key k1',
                 post(outs['scale_down_alarm_url'], 'k1'))
        converge_to(d['desired'])
        show('alarm_url, Idempotency-Key k1',
             post(outs['scale_down_alarm_url'], 'k1'))
        hc.stacks.update(stack.id, existing=True,
                         parameters={'cooldown': 30})
        stack = settle('asdemo')
        print('  %s PATCH cooldown=30 -> %s, %s members (an update '
              'resizes only when the sizes change)'
              % (stamp(), stack.stack_status, size()))
        d = show('signal scale_up_policy', hc.resources.signal(
            'asdemo', 'scale_up_policy'))
        converge_to(d['desired'])
        show('signal scale_up_policy', hc.resources.signal(
            'asdemo', 'scale_up_policy'))
        # the standard openstack CLI, pointed at heat-all without
        # Keystone (README: "The openstack CLI")
        osc = [os.path.join(bindir, 'openstack'), '--os-auth-type',
               'none', '--os-endpoint', base + '/v1/demo']
        print('  %s $ openstack stack resource signal asdemo '
              'scale_down_policy   (prints nothing, as upstream)'
              % stamp())
        subprocess.run(osc + ['stack', 'resource', 'signal', 'asdemo',
                              'scale_down_policy'], check=True)
        print('  $ openstack stack event list asdemo --resource '
              'scale_down_policy   (the decision is the reason)')
        listed = subprocess.run(
            osc + ['stack', 'event', 'list', 'asdemo', '--resource',
                   'scale_down_policy'],
            check=True, capture_output=True, text=True).stdout
        for row in listed.splitlines():
            if 'SIGNAL' in row:
                print('    ' + row.split('[scale_down_policy]: ')[-1])
        print('events of the policies (every trigger leaves one):')
        for name in ('scale_up_policy', 'scale_down_policy'):
            for ev in hc.events.list('asdemo', resource_name=name):
                if ev.resource_status_reason.startswith(
                        ('change', 'repeated', 'rejected')):
                    print('  %-17s %s' % (name,
                                          ev.resource_status_reason))
        hc.stacks.delete(stack.id)
        stack = settle(stack.id)
        print('DELETE /stacks/asdemo -> %s' % stack.stack_status)


def autoscaling_api():
    banner('7. The Auto-Scaling API through the openstack CLI (no '
           'template)')
    import re

    bindir = os.path.dirname(sys.executable)
    with heat_all() as (line, base):
        endpoint = base + '/autoscaling/v1/demo'
        osc = [os.path.join(bindir, 'openstack'), '--os-auth-type',
               'none', '--os-endpoint', endpoint]
        print('OSC="openstack --os-auth-type none --os-endpoint %s"'
              % endpoint)

        def cli(*args, show=True, shown=None):
            print('$ $OSC autoscaling %s' % (shown or ' '.join(args)))
            out = subprocess.run(
                osc + ['autoscaling'] + list(args), check=True,
                capture_output=True, text=True).stdout
            if show:
                for row in out.rstrip().splitlines():
                    print('    ' + row)
            return out

        cli('group', 'create', 'web', '--min-size', '0', '--max-size',
            '5', '--desired-capacity', '2', '--cooldown', '0',
            '--resource-type', 'OS::Heat::RandomString', '--property',
            'length=8', '--wait', '-f', 'value', '-c', 'name', '-c',
            'status', '-c', 'current_size')
        cli('policy', 'create', 'web', 'up', '--adjustment-type',
            'change_in_capacity', '--adjustment', '1', '-f', 'value',
            '-c', 'name', '-c', 'adjustment_type', '-c',
            'scaling_adjustment')
        url = cli('webhook', 'create', 'web', 'up', '-f', 'value', '-c',
                  'url', show=False).strip()
        print('    %s  (the capability URL: shown once, only here)'
              % re.sub(r'[^/]+$', '<token>', url))
        print('$ openstack autoscaling webhook execute "$URL"   '
              '(no credentials)')
        out = subprocess.run(
            [os.path.join(bindir, 'openstack'), 'autoscaling', 'webhook',
             'execute', url, '-f', 'value', '-c', 'accepted', '-c',
             'reason'], check=True, capture_output=True,
            text=True).stdout
        for row in out.rstrip().splitlines():
            print('    ' + row)
        cli('group', 'converge', 'web', '--wait', '-f', 'value', '-c',
            'status', '-c', 'current_size')
        cli('activity', 'list', 'web', '-c', 'trigger', '-c', 'status',
            '-c', 'from_capacity', '-c', 'to_capacity', '-c', 'reason')
        cli('group', 'delete', 'web', '--wait')
        print('group web deleted')


def main():
    defns = validate_example()
    scaling_decisions(defns)
    simulation()
    database()
    rest_api()
    autoscaling()
    autoscaling_api()


if __name__ == '__main__':
    main()
