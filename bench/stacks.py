"""Benchmark of the stack engine through EngineService, on a SQLite file.

For a ResourceGroup of N ``OS::Heat::None`` members (N = 10, 100, 1000 by
default) it measures, each N in a fresh process and a fresh database:

- ``create_s``: create_stack until CREATE_COMPLETE;
- ``update_s``: an update changing one property of the member definition,
  with ``update_policy.rolling_update`` (every member is updated), until
  UPDATE_COMPLETE;
- ``delete_s``: delete_stack until the stack is gone;
- ``peak_rss_mb``: the process's peak resident memory;
- ``rows_inserted``: INSERT rows (SQLAlchemy listener) per phase, and
  ``rows_after_create``: rows in every table after the create.

Prints one JSON document.

    .venv/bin/python bench/stacks.py [--sizes 10,100,1000] [--timeout 600]
"""

import argparse
import json
import os
import platform
import resource as os_resource
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

#: The aim from the project issue.
AIM_CREATE_1000_S = 5.0

TEMPLATE = '''
heat_template_version: 2015-04-30
parameters:
  count: {type: number}
  value: {type: string, default: initial}
resources:
  group:
    type: OS::Heat::ResourceGroup
    update_policy:
      rolling_update: {min_in_service: 0, max_batch_size: 100, pause_time: 0}
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Heat::None
        properties:
          value: {get_param: value}
'''


class InsertCounter:
    """Rows INSERTed through an SQLAlchemy engine (executemany counted
    per row)."""

    def __init__(self, engine):
        import sqlalchemy as sa
        self.rows = 0
        self.by_table = {}
        sa.event.listen(engine, 'before_cursor_execute', self._on_execute)

    def _on_execute(self, conn, cursor, statement, parameters, context,
                    executemany):
        text = statement.lstrip()
        if not text[:6].upper() == 'INSERT':
            return
        n = len(parameters) if executemany and parameters else 1
        self.rows += n
        table = text.split()[2].strip('"`') if len(text.split()) > 2 else '?'
        self.by_table[table] = self.by_table.get(table, 0) + n

    def take(self):
        out = {'rows': self.rows, 'by_table': dict(self.by_table)}
        self.rows = 0
        self.by_table = {}
        return out


def count_rows(engine):
    import sqlalchemy as sa

    from heat.db import models
    out = {}
    with engine.connect() as conn:
        for table in models.Base.metadata.sorted_tables:
            n = conn.execute(
                sa.select(sa.func.count()).select_from(table)).scalar()
            if n:
                out[table.name] = n
    return out


def _wait_status(svc, cnxt, ident, action, timeout):
    from heat.common import exception
    if not svc.wait(ident, timeout):
        raise RuntimeError('%s did not finish in %s s' % (action, timeout))
    try:
        info = svc.show_stack(cnxt, ident, resolve_outputs=False)[0]
    except exception.EntityNotFound:
        return 'GONE'
    return '%s_%s' % (info['stack_action'], info['stack_status'])


def run_one(n, timeout):
    """One size in this process; returns its result dict."""
    from heat.common import context
    from heat.db import api as db_api
    from heat.db import migration
    from heat.engine import service

    tmp = tempfile.mkdtemp(prefix='heat-bench-')
    try:
        url = 'sqlite:///%s' % os.path.join(tmp, 'heat.sqlite')
        migration.upgrade(url)
        db_api.configure(url)
        engine = db_api.get_engine()
        counter = InsertCounter(engine)
        svc = service.EngineService(engine_id='bench-engine')
        cnxt = context.RequestContext(project_id='bench', user_id='bench')
        counter.take()
        result = {'members': n}

        t0 = time.perf_counter()
        ident = svc.create_stack(cnxt, 'bench', TEMPLATE,
                                 {'parameters': {'count': n}}, {},
                                 {'timeout_mins': 60})
        status = _wait_status(svc, cnxt, ident, 'create', timeout)
        result['create_s'] = round(time.perf_counter() - t0, 3)
        result['create_status'] = status
        result['rows_inserted_create'] = counter.take()
        result['rows_after_create'] = count_rows(engine)

        if status == 'CREATE_COMPLETE':
            t0 = time.perf_counter()
            svc.update_stack(cnxt, ident, TEMPLATE,
                             {'parameters': {'count': n,
                                             'value': 'updated'}},
                             {}, {'timeout_mins': 60})
            status = _wait_status(svc, cnxt, ident, 'update', timeout)
            result['update_s'] = round(time.perf_counter() - t0, 3)
            result['update_status'] = status
            result['rows_inserted_update'] = counter.take()

        t0 = time.perf_counter()
        svc.delete_stack(cnxt, ident)
        status = _wait_status(svc, cnxt, ident, 'delete', timeout)
        result['delete_s'] = round(time.perf_counter() - t0, 3)
        result['delete_status'] = status
        result['rows_inserted_delete'] = counter.take()
        svc.stop(timeout)
        result['peak_rss_mb'] = round(
            os_resource.getrusage(os_resource.RUSAGE_SELF).ru_maxrss / 1024,
            1)
        return result
    finally:
        try:
            db_api.dispose()
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='10,100,1000')
    parser.add_argument('--timeout', type=float, default=600)
    parser.add_argument('--one', type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.one is not None:
        try:
            out = run_one(args.one, args.timeout)
        except Exception as exc:  # noqa: BLE001 - reported in the JSON
            out = {'members': args.one,
                   'error': '%s: %s' % (type(exc).__name__, exc)}
        print(json.dumps(out))
        return 0

    results = []
    for n in [int(s) for s in args.sizes.split(',') if s]:
        proc = subprocess.run(
            [sys.executable, os.path.abspath(__file__), '--one', str(n),
             '--timeout', str(args.timeout)],
            capture_output=True, text=True, timeout=args.timeout * 4)
        lines = [ln for ln in proc.stdout.splitlines() if ln.startswith('{')]
        if lines:
            results.append(json.loads(lines[-1]))
        else:
            results.append({'members': n, 'error': 'exit %s: %s' % (
                proc.returncode, proc.stderr.strip()[-2000:])})
    summary = {
        'benchmark': 'stacks',
        'machine': {'python': platform.python_version(),
                    'cpus': os.cpu_count(),
                    'platform': platform.platform()},
        'template': 'ResourceGroup of N OS::Heat::None, rolling_update '
                    'max_batch_size 100',
        'results': results,
        'notes': [
            'OS::Heat::None members are never updated or replaced '
            '(upstream semantics), so update_s is the group diffing its '
            'members and storing each rolling batch\'s nested template, '
            'not member work.',
            'Events are written for the stack and every member on create '
            'and delete (2 per member per action).',
        ],
    }
    by_n = {r['members']: r for r in results}
    if 1000 in by_n and 'create_s' in by_n[1000]:
        summary['aim_create_1000_s'] = AIM_CREATE_1000_S
        summary['aim_met'] = by_n[1000]['create_s'] < AIM_CREATE_1000_S
    rows = [(r['members'], r['rows_inserted_create']['rows'])
            for r in results if 'rows_inserted_create' in r]
    if len(rows) >= 2:
        summary['insert_rows_per_member'] = [
            round(rw / n, 2) for n, rw in rows]
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == '__main__':
    sys.exit(main())
