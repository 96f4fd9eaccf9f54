#!/usr/bin/env python3
"""Run the test suite with stestr and end with one summary line.

The last line printed is ``N passed, N failed`` (with ``, N skipped`` when
tests were skipped), which is what CI reads. The exit status is non-zero
when a test failed.

A full run (no filters, the default test path) is two stestr runs side by
side, each with its own repository, and the line sums them:

* the suites on real processes (heat-api and engines on RabbitMQ and
  MariaDB: load, faults, crash, pause; the ``test_functional_*`` shims)
  one after the other in one process, at normal priority: side by side
  they would share two cores and time each other out;
* every other test on ``--concurrency`` workers (default 2) under ``nice``,
  so that they take the CPU the real-process suites leave.

A single stestr run would deal the suites without timing history (a fresh
clone) round-robin and put all the real-process suites on one worker as
well as half the rest: 34 minutes where the two halves take 20.
"""

import argparse
import os
import re
import subprocess
import sys
import threading

_COUNTS = {
    'passed': re.compile(r'^\s*-\s*Passed:\s*(\d+)', re.M),
    'failed': re.compile(r'^\s*-\s*Failed:\s*(\d+)', re.M),
    'skipped': re.compile(r'^\s*-\s*Skipped:\s*(\d+)', re.M),
}

#: the tests run one after the other in their own stestr run: the shims
#: import the suites of heat/tests/functional, whose test ids keep their
#: module (``heat.tests.functional.test_crash.TestCrash.test_x``)
SERIAL = r'^heat\.tests\.(?:unit\.test_functional_|functional\.)'
#: where the stestr repository of that run is (in its ``.stestr``; the
#: other run keeps ``./.stestr``)
SERIAL_REPO = '.stestr-serial'
#: how much lower the other tests' priority is
NICENESS = 10


def counts(output):
    found = {}
    for key, pattern in _COUNTS.items():
        hits = pattern.findall(output)
        found[key] = int(hits[-1]) if hits else 0
    return found


def summary_line(totals):
    line = '%(passed)d passed, %(failed)d failed' % totals
    if totals['skipped']:
        line += ', %(skipped)d skipped' % totals
    return line


def summarise(output):
    return summary_line(counts(output))


def _start(cmd, lock, captured, niceness=0):
    def lower():
        if niceness:
            os.nice(niceness)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True,
                            preexec_fn=lower)

    def pump():
        for line in proc.stdout:
            with lock:
                sys.stdout.write(line)
                sys.stdout.flush()
            captured.append(line)
    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return proc, thread


def run(cmds):
    """Run ``[(cmd, niceness)]`` side by side; ``(rc, totals)``."""
    lock = threading.Lock()
    started = []
    for cmd, niceness in cmds:
        captured = []
        proc, thread = _start(cmd, lock, captured, niceness)
        started.append((proc, thread, captured))
    rc = 0
    totals = {'passed': 0, 'failed': 0, 'skipped': 0}
    for proc, thread, captured in started:
        code = proc.wait()
        thread.join()
        rc = rc or code
        for key, value in counts(''.join(captured)).items():
            totals[key] += value
    return rc, totals


def commands(args):
    stestr = [sys.executable, '-m', 'stestr']
    if args.test_path or args.filters or args.concurrency == 0:
        cmd = list(stestr)
        if args.test_path:
            cmd += ['--test-path', args.test_path]
        return [(cmd + ['run'] + args.filters, 0)]
    serial = stestr + ['--repo-url', SERIAL_REPO, 'run', '--serial',
                       SERIAL]
    rest = stestr + ['run', '--concurrency', str(args.concurrency),
                     '--exclude-regex', SERIAL]
    return [(serial, 0), (rest, NICENESS)]


def parse(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--test-path', default=None)
    parser.add_argument('--concurrency', type=int, default=2,
                        help='workers of the tests that are not run one '
                             'after the other (0: one plain stestr run)')
    parser.add_argument('filters', nargs='*')
    return parser.parse_args(argv)


def main(argv=None):
    # stestr keeps a --repo-url run's repository in <url>/.stestr and
    # does not make <url>
    os.makedirs(SERIAL_REPO, exist_ok=True)
    rc, totals = run(commands(parse(argv)))
    print(summary_line(totals))
    return rc


if __name__ == '__main__':
    sys.exit(main())
