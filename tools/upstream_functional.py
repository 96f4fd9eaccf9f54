#!/usr/bin/env python3
"""Upstream Heat's own functional tests, run unchanged against heat-all.

One command (``.venv/bin/python tools/upstream_functional.py``) measures
issue 12's figure: how many of upstream's functional tests that need no
other cloud service pass against this engine, and how many of
heat-tempest-plugin's HTTP-level API tests (gabbi). See
``doc/dev/upstream-functional.md``.

1. A venv of its own under ``~/.cache/heat-upstream-functional/env-<key>``
   (``<key>``: a hash of the pins below,
   ``upstream_functional_constraints.txt`` and
   ``upstream_functional_shim.py``), built once from PyPI: tempest,
   heat-tempest-plugin, the clients, stestr, gabbi; ``heat_integrationtests``
   is taken from the ``openstack-heat`` sdist (checked against its sha256)
   and unpacked beside it, never into this repository.
2. ``heat-all`` from this repository on a free port, with a fresh state
   directory under ``~/.cache/heat-upstream-functional/runs/<time>``;
   stopped by its PID at the end.
3. Only the Keystone plumbing is replaced (``upstream_functional_shim.py``):
   upstream's ``KeystoneWrapperClient`` gets a token-only session whose
   catalog holds Heat's endpoint and nothing else. The tests' tempest
   configuration is upstream's gate's (``devstack/lib/heat``) minus what
   needs another service: no image, flavor, network or admin account.
4. Each suite runs under stestr (upstream's runner, at most 2 workers);
   the JSON on stdout gives per suite the passed / failed / skipped counts,
   the failing test ids with their error line, grouped by cause, and the
   counted denominator. Full tracebacks: ``failures-<suite>.txt`` in the
   run directory, with heat-all's log.

Counting rule ("tests that need no other cloud service"): every test of the
suite except (a) the skipped ones (upstream skips a test itself when a
service, an image, an admin account or a feature is missing, or when the
gate's ``skip_functional_test_list`` names it), (b) the tests listed in
``NEEDS_SERVICE`` (they do not skip themselves, but their templates need
Nova, Neutron or Keystone: run and shown, never counted) and (c) the
failures whose traceback shows a client other than Heat's asking the
catalog for its endpoint (the shim's ``EndpointNotFound``). The rest
(passes and failures) is the denominator.
"""

import argparse
import datetime
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import time
import urllib.error
import urllib.request
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(REPO, 'tools')
CONSTRAINTS = os.path.join(TOOLS, 'upstream_functional_constraints.txt')
SHIM = os.path.join(TOOLS, 'upstream_functional_shim.py')
CACHE = os.environ.get('HEAT_UPSTREAM_FUNCTIONAL_CACHE') or os.path.join(
    os.path.expanduser('~'), '.cache', 'heat-upstream-functional')

#: openstack-heat's sdist holds heat_integrationtests: only that directory
#: is taken (upstream's own package is also called "heat")
HEAT_SDIST = {
    'requirement': 'openstack-heat==27.0.1',
    'file': 'openstack_heat-27.0.1.tar.gz',
    'sha256': ('65eac7175938a3f38e7e4990ebf52aa8'
               '641a1d52f4190ea795c5872d014154b6'),
}
#: what the suites import; the rest is pinned by CONSTRAINTS
REQUIREMENTS = (
    'heat-tempest-plugin==3.0.0',
    'tempest==47.0.0',
    'python-heatclient==5.3.0',
    'python-keystoneclient==6.0.0',
    'python-novaclient==18.13.1',
    'python-swiftclient==4.11.0',
    'keystoneauth1==5.18.1',
    'gabbi==4.2.3',
    'stestr==4.2.1',
    'testtools==2.9.1',
    'testscenarios==0.7.0',
)

#: name -> (test path, top dir, where: 'src' or 'site'), default concurrency
SUITES = {
    'heat_integrationtests.functional': (
        'heat_integrationtests/functional', 'src', 2),
    'heat_tempest_plugin.functional': (
        'heat_tempest_plugin/tests/functional', 'site', 2),
    # gabbi: the tests of one YAML file depend on each other, in order
    'heat_tempest_plugin.api': (
        'heat_tempest_plugin/tests/api', 'site', 1),
}
#: the figure's "upstream's functional tests"
FUNCTIONAL_SUITES = ('heat_integrationtests.functional',
                     'heat_tempest_plugin.functional')
#: in the message of the shim's EndpointNotFound (upstream_functional_shim)
SERVICE_MARKER = 'heat-upstream-functional: not served (only Heat is)'
#: tests that do not skip themselves but whose stacks need another cloud
#: service (read from their templates): run, shown, never counted
NEEDS_SERVICE = {
    'test_create_update.UpdateStackTest.test_stack_update_flavor_volume':
        'Nova server, Cinder volume (image, flavor, network)',
    'test_replace_deprecated.ReplaceDeprecatedResourceTest.'
    'test_replace_software_deployments':
        'Nova server (image, flavor, network) for its deployments',
    'test_translation.TestTranslation.test_create_update_subnet_old_network':
        'Neutron (OS::Neutron::Subnet and its network)',
    'test_translation.TestTranslation.'
    'test_create_update_translation_with_get_attr':
        'Neutron (OS::Neutron::Subnet and its network)',
    'test_translation.TestTranslation.test_value_from_nested_stack':
        'Nova server (image, flavor, network)',
    'test_keystone_user_with_domain.CreateUserTest.'
    'test_assign_user_role_with_domain':
        'Keystone (OS::Keystone::* as admin, then its users and roles)',
    'test_preview.StackPreviewTest.test_res_group_with_nested_template':
        'Neutron (OS::Neutron::Net and Port, previewed)',
    'test_encrypted_parameter.EncryptedParametersTest.test_db_encryption':
        'Nova server (image, flavor)',
}
KEEP_RUNS = 5


def log(msg):
    print('[upstream-functional %s] %s' % (
        time.strftime('%H:%M:%S'), msg), file=sys.stderr, flush=True)


# -- the venv -------------------------------------------------------------

def env_key():
    h = hashlib.sha256()
    h.update(json.dumps([REQUIREMENTS, HEAT_SDIST,
                         sys.version_info[:2]]).encode())
    for path in (CONSTRAINTS, SHIM):
        with open(path, 'rb') as f:
            h.update(f.read())
    return h.hexdigest()[:12]


def env_paths(key):
    root = os.path.join(CACHE, 'env-%s' % key)
    venv = os.path.join(root, 'venv')
    pyver = 'python%d.%d' % sys.version_info[:2]
    return {
        'root': root, 'venv': venv,
        'python': os.path.join(venv, 'bin', 'python'),
        'stestr': os.path.join(venv, 'bin', 'stestr'),
        'site': os.path.join(venv, 'lib', pyver, 'site-packages'),
        'src': os.path.join(root, 'src'),
        'ready': os.path.join(root, '.ready'),
    }


def check_pypi():
    url = 'https://pypi.org/simple/openstack-heat/'
    try:
        with urllib.request.urlopen(url, timeout=30) as resp:
            body = resp.read().decode('utf-8', 'replace')
    except (urllib.error.URLError, OSError) as exc:
        sys.exit('PyPI is not reachable (%s: %s); the venv cannot be '
                 'built.' % (url, exc))
    if HEAT_SDIST['file'] not in body:
        sys.exit('%s is not on PyPI any more (%s).' % (HEAT_SDIST['file'],
                                                       url))


def run(cmd, **kw):
    log('$ ' + ' '.join(cmd))
    subprocess.run(cmd, check=True, **kw)


def build_env(paths, rebuild=False):
    if os.path.exists(paths['ready']) and not rebuild:
        return
    # two runs started together build it once: the second waits here,
    # then finds it ready
    os.makedirs(os.path.dirname(paths['root']), exist_ok=True)
    with open(paths['root'] + '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if os.path.exists(paths['ready']) and not rebuild:
            return
        _build_env(paths)


def _build_env(paths):
    check_pypi()
    root = paths['root']
    if os.path.exists(root):
        shutil.rmtree(root)
    os.makedirs(root)
    t0 = time.monotonic()
    run([sys.executable, '-m', 'venv', paths['venv']])
    pip = [paths['python'], '-m', 'pip']
    run(pip + ['install', '-q', '--upgrade', 'pip'])
    run(pip + ['install', '-q', '-c', CONSTRAINTS] + list(REQUIREMENTS))
    # heat_integrationtests, from upstream's sdist
    dl = os.path.join(root, 'download')
    run(pip + ['download', '-q', '--no-deps', '--no-binary', ':all:',
               '-d', dl, HEAT_SDIST['requirement']])
    sdist = os.path.join(dl, HEAT_SDIST['file'])
    with open(sdist, 'rb') as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    if digest != HEAT_SDIST['sha256']:
        sys.exit('%s: sha256 %s, expected %s' % (sdist, digest,
                                                  HEAT_SDIST['sha256']))
    prefix = HEAT_SDIST['file'][:-len('.tar.gz')] + '/'
    with tarfile.open(sdist) as tar:
        members = [m for m in tar.getmembers()
                   if m.name.startswith(prefix + 'heat_integrationtests/')
                   and '/locale' not in m.name]
        if not members:
            sys.exit('%s holds no heat_integrationtests' % sdist)
        for m in members:
            m.name = m.name[len(prefix):]
        tar.extractall(paths['src'], members=members, filter='data')
    # the Keystone plumbing, active only when the runner's variables are set
    shutil.copy(SHIM, os.path.join(paths['site'],
                                   'heat_upstream_functional_shim.py'))
    with open(os.path.join(paths['site'],
                           'heat_upstream_functional_shim.pth'), 'w') as f:
        f.write('import heat_upstream_functional_shim\n')
    with open(paths['ready'], 'w') as f:
        f.write(json.dumps({'built': utcnow(), 'seconds':
                            round(time.monotonic() - t0)}) + '\n')
    log('venv built in %ds: %s' % (time.monotonic() - t0, root))


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc).strftime(
        '%Y-%m-%dT%H:%M:%SZ')


# -- heat-all -------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


HEAT_CONF = """\
# upstream's gate (devstack/lib/heat) sets what heat-all also has
[DEFAULT]
hidden_stack_tags = hidden
# HEAT_ENABLE_ADOPT_ABANDON=True in the gate's functional jobs
enable_stack_adopt = true
"""


def start_heat_all(heat_all, run_dir, port):
    conf = os.path.join(run_dir, 'heat.conf')
    with open(conf, 'w') as f:
        f.write(HEAT_CONF)
    logf = os.path.join(run_dir, 'heat-all.log')
    cmd = [heat_all, '--config-file', conf,
           '--state-dir', os.path.join(run_dir, 'state'),
           '--bind-host', '127.0.0.1', '--bind-port', str(port),
           '--log-file', logf]
    log('$ ' + ' '.join(cmd))
    out = open(os.path.join(run_dir, 'heat-all.stderr'), 'wb')
    proc = subprocess.Popen(cmd, cwd=run_dir, stdout=out,
                            stderr=subprocess.STDOUT,
                            stdin=subprocess.DEVNULL)
    url = 'http://127.0.0.1:%d/' % port
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError('heat-all exited with %s; see %s' % (
                proc.returncode, out.name))
        try:
            opener.open(url, timeout=5).read()
            break
        except urllib.error.HTTPError:
            break
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    else:
        stop_heat_all(proc)
        raise RuntimeError('heat-all did not answer on %s' % url)
    log('heat-all (pid %d) serves %s' % (proc.pid, url))
    return proc


def stop_heat_all(proc):
    if proc.poll() is not None:
        return proc.returncode
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=40)
    except subprocess.TimeoutExpired:
        log('heat-all (pid %d) still running 40 s after SIGTERM: '
            'SIGKILL' % proc.pid)
        proc.kill()
        proc.wait()
        return 'killed after 40 s'


# -- the suites -----------------------------------------------------------

TEMPEST_CONF = """\
[DEFAULT]
log_file = {run_dir}/tempest.log

[service_available]
heat = true
nova = false
neutron = false
glance = false
cinder = false
swift = false
zaqar = false
barbican = false
octavia = false
aodh = false

[heat_plugin]
# upstream's tests assert these are set; the shim never contacts auth_url
auth_url = http://127.0.0.1:{port}/identity-not-served/v3
username = demo
password = not-used
project_name = demo
user_domain_id = default
project_domain_id = default
region = RegionOne
# as upstream's gate (devstack/lib/heat, .zuul.yaml), but no admin account
# (heat-all without Keystone has no admin) and no image: the tests that need
# them skip; the flavors are only names (a test that boots one needs Nova)
instance_type = m1.heat_int
minimal_instance_type = m1.heat_micro
hidden_stack_tag = hidden
skip_functional_test_list = NotificationTest
convergence_engine_enabled = true
build_interval = 1
build_timeout = {build_timeout}
"""


HEAT_MANAGE = """\
#!/bin/sh
# upstream's PurgeTest runs "heat-manage purge_deleted 0" on the Heat host,
# where /etc/heat/heat.conf points it at the service's database: here, the
# database of this run's heat-all
exec {heat_manage} --config-file {run_dir}/heat.conf \\
    --state-dir {run_dir}/state "$@"
"""


def write_heat_manage(heat_all, run_dir):
    bindir = os.path.join(run_dir, 'bin')
    os.makedirs(bindir, exist_ok=True)
    path = os.path.join(bindir, 'heat-manage')
    with open(path, 'w') as f:
        f.write(HEAT_MANAGE.format(heat_manage=os.path.join(
            os.path.dirname(os.path.abspath(heat_all)), 'heat-manage'),
            run_dir=run_dir))
    os.chmod(path, 0o755)
    return bindir


def suite_env(paths, run_dir, endpoint, project, bindir):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith('OS_') and k not in ('HEAT_URL',)}
    env.update({
        'HEAT_UPSTREAM_FUNCTIONAL_ENDPOINT': endpoint,
        'HEAT_UPSTREAM_FUNCTIONAL_PROJECT': project,
        'HEAT_UPSTREAM_FUNCTIONAL_TOKEN': 'token-' + project[:8],
        'TEMPEST_CONFIG_DIR': os.path.join(run_dir, 'etc'),
        'TEMPEST_CONFIG': 'tempest.conf',
        'PYTHONPATH': paths['src'],
        'PATH': bindir + os.pathsep + os.environ.get('PATH', ''),
        'PYTHONDONTWRITEBYTECODE': '1',
        'NO_PROXY': '127.0.0.1,localhost',
        'no_proxy': '127.0.0.1,localhost',
    })
    return env


def run_suite(name, paths, run_dir, env, concurrency, test_filter,
              timeout):
    rel, where, default_conc = SUITES[name]
    top = paths['src'] if where == 'src' else paths['site']
    sdir = os.path.join(run_dir, name)
    os.makedirs(sdir)
    with open(os.path.join(sdir, '.stestr.conf'), 'w') as f:
        f.write('[DEFAULT]\ntest_path=%s\ntop_dir=%s\n' % (
            os.path.join(top, rel), top))
    conc = min(concurrency, default_conc)
    cmd = [paths['stestr'], 'run', '--concurrency', str(conc), '--subunit']
    if test_filter:
        cmd.append(test_filter)
    subunit_path = os.path.join(run_dir, '%s.subunit' % name)
    log('%s: stestr, %d worker(s)' % (name, conc))
    t0 = time.monotonic()
    timed_out = False
    with open(subunit_path, 'wb') as out, open(
            os.path.join(run_dir, '%s.stderr' % name), 'wb') as err:
        proc = subprocess.Popen(cmd, cwd=sdir, env=env, stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
            log('%s: still running after %ds: stopping it' % (name,
                                                              timeout))
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    seconds = round(time.monotonic() - t0)
    parsed = subprocess.run(
        [paths['python'], os.path.abspath(__file__), '--parse-subunit',
         subunit_path], capture_output=True, check=True, env=env)
    tests = json.loads(parsed.stdout)
    result = summarize(name, tests, run_dir)
    result['seconds'] = seconds
    if timed_out:
        result['timed_out_after'] = timeout
    log('%s: %d passed, %d failed, %d skipped in %ds' % (
        name, result['passed'], result['failed'], result['skipped'],
        seconds))
    return result


def parse_subunit(path):
    """Run by the upstream venv's python: the tests of a subunit v2 file
    as JSON (id, status, reason, traceback)."""
    import subunit
    import testtools

    tests = []

    def seconds(stamps):
        if stamps and stamps[0] and stamps[1]:
            return round((stamps[1] - stamps[0]).total_seconds(), 1)
        return 0

    def on_test(t):
        details = t.get('details') or {}

        def text(key):
            c = details.get(key)
            return c.as_text() if c is not None else ''
        if t['status'] in ('exists', None):
            return
        tests.append({'id': t['id'], 'status': t['status'],
                      'reason': text('reason'),
                      'traceback': text('traceback'),
                      'seconds': seconds(t['timestamps'])})

    with open(path, 'rb') as f:
        stream = subunit.ByteStreamToStreamResult(f,
                                                  non_subunit_name='stdout')
        result = testtools.StreamToDict(on_test)
        result.startTestRun()
        try:
            stream.run(result)
        finally:
            result.stopTestRun()
    json.dump(tests, sys.stdout)


#: a short id: the class and method, scenario and gabbi id kept
def short_id(test_id):
    return re.sub(r'^(heat_integrationtests\.functional\.|'
                  r'heat_tempest_plugin\.tests\.(functional|api)\.)', '',
                  test_id)


def error_line(tb):
    """The exception line of a traceback (its first line), and the
    message's first lines after it for a mismatch."""
    lines = tb.rstrip().splitlines()
    for i in range(len(lines) - 1, -1, -1):
        line = lines[i]
        if line and not line[0].isspace() and not line.startswith(
                ('Traceback', 'During handling', 'The above exception')):
            # the exception line is the first of the unindented block
            j = i
            while (j > 0 and lines[j - 1] and not lines[j - 1][0].isspace()
                   and not lines[j - 1].startswith('Traceback')):
                j -= 1
            first = lines[j].strip()
            rest = ' | '.join(s.strip() for s in lines[j + 1:i + 1]
                              if s.strip())
            return first, rest[:600]
    return (lines[-1].strip() if lines else ''), ''


_NORMALIZE = [
    (re.compile(r'[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-'
                r'[0-9a-f]{12}'), '<uuid>'),
    (re.compile(r'[0-9a-f]{32}'), '<hex>'),
    (re.compile(r'\b[\w]+-\d{6,10}\b'), '<name>'),
    (re.compile(r'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?'), '<time>'),
    (re.compile(r'req-<uuid>'), '<req>'),
    (re.compile(r'0x[0-9a-f]+'), '<addr>'),
]


def cause(line):
    for rx, sub in _NORMALIZE:
        line = rx.sub(sub, line)
    return line[:240]


def base_id(test_id):
    """short_id without a scenario's or tempest's ``[...]`` suffix."""
    return re.sub(r'\[.*\]$', '', short_id(test_id))


def summarize(name, tests, run_dir):
    passed = [t for t in tests if t['status'] in ('success', 'xfail')]
    skipped = [t for t in tests if t['status'] == 'skip']
    failed = [t for t in tests if t['status'] in ('fail', 'uxsuccess')]
    # NEEDS_SERVICE tests are never counted, whatever their result; other
    # failures are when no client other than Heat's was asked for
    needs_service = [t for t in passed + failed
                     if base_id(t['id']) in NEEDS_SERVICE
                     or SERVICE_MARKER in t['traceback']]
    counted_passed = [t for t in passed if t not in needs_service]
    counted_failed = [t for t in failed if t not in needs_service]
    skips = {}
    for t in skipped:
        r = cause(t['reason'].strip() or '(no reason)')
        skips[r] = skips.get(r, 0) + 1
    failures = []
    groups = {}
    with open(os.path.join(run_dir, 'failures-%s.txt' % name), 'w') as f:
        for t in sorted(failed, key=lambda t: t['id']):
            f.write('=' * 70 + '\n%s\n%s\n\n' % (t['id'], t['traceback']))
        for t in sorted(counted_failed, key=lambda t: t['id']):
            first, rest = error_line(t['traceback'])
            failures.append({'id': short_id(t['id']), 'error': first[:400],
                             'detail': rest})
            groups.setdefault(cause(first), []).append(short_id(t['id']))
    counted = len(counted_passed) + len(counted_failed)
    return {
        'total': len(tests),
        'passed': len(passed),
        'failed': len(failed),
        'skipped': len(skipped),
        'needs_another_service': [
            {'id': short_id(t['id']), 'status': t['status'],
             'service': NEEDS_SERVICE.get(
                 base_id(t['id']),
                 'a client other than Heat asked for its endpoint'),
             'error': error_line(t['traceback'])[0][:300]}
            for t in sorted(needs_service, key=lambda t: t['id'])],
        'counted': counted,
        'counted_passed': len(counted_passed),
        'figure': '%d of %d' % (len(counted_passed), counted),
        'failures': failures,
        'failure_causes': [
            {'cause': c, 'count': len(ids), 'tests': ids}
            for c, ids in sorted(groups.items(),
                                 key=lambda kv: (-len(kv[1]), kv[0]))],
        'skip_reasons': dict(sorted(skips.items(),
                                    key=lambda kv: (-kv[1], kv[0]))),
        'slowest': [
            {'id': short_id(t['id']), 'seconds': t['seconds']}
            for t in sorted(tests, key=lambda t: -t['seconds'])[:5]],
    }


def prune_runs(runs):
    old = sorted(d for d in os.listdir(runs)
                 if os.path.isdir(os.path.join(runs, d)))[:-KEEP_RUNS]
    for d in old:
        shutil.rmtree(os.path.join(runs, d), ignore_errors=True)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--suite', action='append', choices=sorted(SUITES),
                   help='a suite to run (repeatable; default: all three)')
    p.add_argument('--filter', metavar='REGEX',
                   help="stestr's filter: only the test ids it matches")
    p.add_argument('--concurrency', type=int, default=2,
                   choices=(1, 2), help='stestr workers (default 2)')
    p.add_argument('--build-timeout', type=int, default=120,
                   help="seconds a test waits for a stack status "
                        "(upstream's build_timeout; default 120)")
    p.add_argument('--suite-timeout', type=int, default=2400,
                   help='seconds before a suite is stopped (default 2400)')
    p.add_argument('--heat-all', default=os.path.join(
        REPO, '.venv', 'bin', 'heat-all'))
    p.add_argument('--rebuild-env', action='store_true',
                   help='rebuild the cached venv')
    p.add_argument('--setup-only', action='store_true',
                   help='build the venv, run nothing')
    p.add_argument('--parse-subunit', metavar='FILE', help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.parse_subunit:
        return parse_subunit(args.parse_subunit)

    t0 = time.monotonic()
    key = env_key()
    paths = env_paths(key)
    build_env(paths, args.rebuild_env)
    if args.setup_only:
        print(json.dumps({'env': paths['root']}))
        return 0
    runs = os.path.join(CACHE, 'runs')
    os.makedirs(runs, exist_ok=True)
    run_dir = os.path.join(runs, time.strftime('%Y%m%dT%H%M%SZ',
                                               time.gmtime()))
    os.makedirs(os.path.join(run_dir, 'etc'))
    port = free_port()
    project = uuid.uuid4().hex
    endpoint = 'http://127.0.0.1:%d/v1/%s' % (port, project)
    with open(os.path.join(run_dir, 'etc', 'tempest.conf'), 'w') as f:
        f.write(TEMPEST_CONF.format(run_dir=run_dir, port=port,
                                    build_timeout=args.build_timeout))
    bindir = write_heat_manage(args.heat_all, run_dir)
    env = suite_env(paths, run_dir, endpoint, project, bindir)
    suites = args.suite or list(SUITES)
    results = {}
    proc = start_heat_all(args.heat_all, run_dir, port)
    stopped = None

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    try:
        for name in suites:
            results[name] = run_suite(name, paths, run_dir, env,
                                      args.concurrency, args.filter,
                                      args.suite_timeout)
    finally:
        stopped = stop_heat_all(proc)
        log('heat-all stopped: %s' % stopped)
    report = {
        'upstream': {'heat_integrationtests': HEAT_SDIST['requirement'],
                     'heat_tempest_plugin': REQUIREMENTS[0],
                     'tempest': REQUIREMENTS[1]},
        'counting_rule': (
            'counted = the tests of the suite minus the skipped ones '
            '(upstream skips: no admin account, image, flavor, network or '
            'service in the catalog, a disabled feature, or the gate\'s '
            'skip_functional_test_list), minus the tests whose templates '
            'need Nova, Neutron or Keystone (NEEDS_SERVICE in the tool), '
            'minus the failures whose traceback shows a non-Heat client '
            'asking the catalog for its endpoint; figure = passed of '
            'counted'),
        'suites': results,
        'run_dir': run_dir,
        'heat_all_exit': stopped,
        'seconds': round(time.monotonic() - t0),
    }
    func = [results[s] for s in FUNCTIONAL_SUITES if s in results]
    if func:
        passed = sum(r['counted_passed'] for r in func)
        counted = sum(r['counted'] for r in func)
        report['functional_figure'] = '%d of %d' % (passed, counted)
    if 'heat_tempest_plugin.api' in results:
        report['api_figure'] = results['heat_tempest_plugin.api']['figure']
    with open(os.path.join(run_dir, 'result.json'), 'w') as f:
        json.dump(report, f, indent=2)
    prune_runs(runs)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
