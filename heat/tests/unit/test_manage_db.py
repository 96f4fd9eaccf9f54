"""heat-manage's database commands on a real SQLite file."""

import datetime
import io
import os

import fixtures
import sqlalchemy as sa

from heat.cmd import manage
from heat.db import migration
from heat.tests import base


class CliCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.state = self.useFixture(fixtures.TempDir()).path

    def run_cli(self, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = manage.main(['--state-dir', self.state] + list(argv),
                           out=out, err=err)
        return code, out.getvalue(), err.getvalue()

    def tables(self):
        engine = sa.create_engine(
            'sqlite:///' + os.path.join(self.state, 'heat.sqlite'))
        try:
            return set(sa.inspect(engine).get_table_names())
        finally:
            engine.dispose()


class TestDbCommands(CliCase):

    def test_db_sync_creates_the_schema(self):
        self.assertEqual(0, self.run_cli('db_sync')[0])
        self.assertTrue({'stack', 'resource', 'event', 'stack_lock',
                         'service', 'raw_template'} <= self.tables())
        code, out, _err = self.run_cli('db_version')
        self.assertEqual((0, migration.head_revision() + '\n'), (code, out))

    def test_db_sync_to_base_removes_the_schema(self):
        self.run_cli('db_sync')
        code, out, _err = self.run_cli('db_sync', 'base')
        self.assertEqual(0, code)
        self.assertIn('base (no schema)', out)
        self.assertNotIn('stack', self.tables())

    def test_purge_deleted_on_an_empty_database(self):
        self.run_cli('db_sync')
        code, out, _err = self.run_cli('purge_deleted', '0', '-g', 'hours')
        self.assertEqual((0, 'purged 0 deleted stack(s)\n'), (code, out))

    def test_purge_deleted_rejects_a_negative_age(self):
        self.run_cli('db_sync')
        code, _out, err = self.run_cli('purge_deleted', '--', '-3')
        self.assertEqual(1, code)
        self.assertIn('age must be 0 or more, not -3', err)


class TestServiceCommands(CliCase):

    def setUp(self):
        super().setUp()
        self.run_cli('db_sync')
        from heat.db import api as db_api
        db_api.configure('sqlite:///' + os.path.join(self.state,
                                                     'heat.sqlite'))
        db_api.service_create(None, {'engine_id': 'e-alive',
                                     'hostname': 'h1',
                                     'binary': 'heat-engine'})
        db_api.service_create(None, {'engine_id': 'e-dead',
                                     'hostname': 'h2',
                                     'binary': 'heat-engine'},
                              now=datetime.datetime(2020, 1, 1))

    def test_service_list_shows_each_engine_up_or_down(self):
        code, out, _err = self.run_cli('service', 'list')
        self.assertEqual(0, code)
        lines = out.splitlines()
        self.assertTrue(lines[0].startswith('Hostname'))
        status = {line.split()[2]: line.split()[3] for line in lines[1:]}
        self.assertEqual({'e-alive': 'up', 'e-dead': 'down'}, status)

    def test_service_clean_removes_only_dead_engines(self):
        code, out, _err = self.run_cli('service', 'clean')
        self.assertEqual((0, 'removed 1 dead engine(s)\n'), (code, out))
        _code, out, _err = self.run_cli('service', 'list')
        self.assertIn('e-alive', out)
        self.assertNotIn('e-dead', out)
