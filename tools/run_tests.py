#!/usr/bin/env python3
"""Run the test suite with stestr and end with one summary line.

The last line printed is ``N passed, N failed`` (with ``, N skipped`` when
tests were skipped), which is what CI reads. The exit status is stestr's.
"""

import argparse
import re
import subprocess
import sys

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
    cmd += ['run'] + args.filters
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    captured = []
    for line in proc.stdout:
        sys.stdout.write(line)
        captured.append(line)
    rc = proc.wait()
    print(summarise(''.join(captured)))
    return rc


if __name__ == '__main__':
    sys.exit(main())
