"""heat-manage: operator commands (placeholder until the templates issue)."""

import sys


def main(argv=None):
    sys.stderr.write('heat-manage: no commands yet\n')
    return 2


if __name__ == '__main__':
    sys.exit(main())
