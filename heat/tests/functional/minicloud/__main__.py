"""``python -m heat.tests.functional.minicloud up|down|status``

Prints the JSON status (:meth:`MiniCloud.status`) on stdout, progress on
stderr. Exit code 0: ``up`` started the cloud (or found it up: use
``--restart`` to start it afresh anyway), ``down`` stopped it, ``status``
found it up; else 1.
"""

import argparse
import json
import logging
import sys

from heat.tests.functional import minicloud


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog='python -m heat.tests.functional.minicloud',
        description='The mini OpenStack cloud of the functional tests.')
    parser.add_argument('command', choices=('up', 'down', 'status'))
    parser.add_argument('--state-dir', help='default: $HEAT_MINICLOUD_DIR '
                        'or ~/.cache/heat-minicloud')
    parser.add_argument('--restart', action='store_true',
                        help='up: start afresh even when it is up (new '
                        'databases: everything in the cloud is lost)')
    parser.add_argument('--rebuild-venv', action='store_true',
                        help='up: reinstall the cloud venv (implies '
                        '--restart)')
    args = parser.parse_args(argv)
    logging.basicConfig(stream=sys.stderr, level=logging.INFO,
                        format='%(message)s')
    cloud = minicloud.MiniCloud(args.state_dir)
    rc = 0
    error = None
    try:
        if args.command == 'up':
            cloud.up(rebuild_venv=args.rebuild_venv,
                     only_if_down=not args.restart)
        elif args.command == 'down':
            cloud.down()
    except minicloud.MiniCloudError as e:
        error, rc = str(e), 1
    status = cloud.status()
    if error:
        status['error'] = error
    if args.command == 'status' and not status['up']:
        rc = 1
    if args.command == 'down' and any(p['alive'] for p in
                                      status['processes'].values()):
        rc = 1
    json.dump(status, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write('\n')
    if error:
        sys.stderr.write('ERROR: %s\n' % error)
    return rc


if __name__ == '__main__':
    sys.exit(main())
