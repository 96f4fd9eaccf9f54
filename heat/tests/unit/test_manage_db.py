"""heat-manage's database commands on a real SQLite file."""

import io
import os

import fixtures
import sqlalchemy as sa

from heat.cmd import manage
from heat.tests import base


class TestDbCommands(base.TestCase):

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

    def test_db_sync_creates_the_schema(self):
        self.assertEqual(0, self.run_cli('db_sync')[0])
        self.assertTrue({'stack', 'resource', 'event', 'stack_lock',
                         'service', 'raw_template'} <= self.tables())
        code, out, _err = self.run_cli('db_version')
        self.assertEqual((0, '0001\n'), (code, out))

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
