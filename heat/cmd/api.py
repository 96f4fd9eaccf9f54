"""heat-api: not built yet (see the RPC and processes issue)."""

import sys


def main():
    sys.stderr.write('heat-api is not available yet in this release; '
                     'use heat-manage template validate.\n')
    return 2


if __name__ == '__main__':
    sys.exit(main())
