#!/usr/bin/env python3
"""Run the test suite with stestr and end with one summary line.

The last line printed is ``N passed, N failed`` (with ``, N skipped`` when
tests were skipped), which is what CI reads. The exit status is stestr's.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile

#: the suites on real processes (heat-api and engines on RabbitMQ and
#: MariaDB, the test cloud): one worker runs them one after the other
#: (side by side they would share the cores and time each other out),
#: as .stestr.conf's group_regex says
SERIAL = r'^heat\.tests\.(?:unit\.test_functional_|functional\.)'
#: everything else, on the other cores
PARALLEL = r'^heat\.tests\.(?!unit\.test_functional_|functional\.)'


def worker_file(cpus=None):
    """A stestr worker file: the serial suites on one worker, the rest on
    the other cores. Without it stestr, with no timing history (a fresh
    clone), deals the unit tests out evenly by count and then adds the
    serial suites to one of the workers: on 2 cores that worker ran
    22 minutes while the other idled after 7. Returns its path."""
    cpus = cpus or os.cpu_count() or 2
    text = ('- worker:\n  - %s\n- worker:\n  - %s\n  concurrency: %d\n'
            % (SERIAL, PARALLEL, max(cpus - 1, 1)))
    fd, path = tempfile.mkstemp(prefix='heat-workers-', suffix='.yaml')
    with os.fdopen(fd, 'w') as f:
        f.write(text)
    return path

_COUNTS = {
    'passed': re.compile(r'^\s*-\s*Passed:\s*(\d+)', re.M),
    'failed': re.compile(r'^\s*-\s*Failed:\s*(\d+)', re.M),
    'skipped': re.compile(r'^\s*-\s*Skipped:\s*(\d+)', re.M),
}


def summarise(output):
    counts = {}
    for key, pattern in _COUNTS.items():
        found = pattern.findall(output)
        counts[key] = int(found[-1]) if found else 0
    line = '%(passed)d passed, %(failed)d failed' % counts
    if counts['skipped']:
        line += ', %(skipped)d skipped' % counts
    return line


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--test-path', default=None)
    parser.add_argument('filters', nargs='*')
    args = parser.parse_args(argv)
    cmd = [sys.executable, '-m', 'stestr']
    if args.test_path:
        cmd += ['--test-path', args.test_path]
    workers = worker_file()
    cmd += ['run', '--worker-file', workers] + args.filters
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    captured = []
    for line in proc.stdout:
        sys.stdout.write(line)
        captured.append(line)
    rc = proc.wait()
    os.unlink(workers)
    print(summarise(''.join(captured)))
    return rc


if __name__ == '__main__':
    sys.exit(main())
