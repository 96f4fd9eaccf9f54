"""The layering rule of ARCHITECTURE.md, checked on the source."""

import ast
import os

import fixtures

from heat.tests import base

FORBIDDEN = ('heat.engine', 'heat.db', 'heat.rpc', 'heat.api')
SCALING_DIR = os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'scaling')


def _imports(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module
            for alias in node.names:
                yield '%s.%s' % (node.module, alias.name)


def forbidden_imports(folder):
    found = []
    for root, _dirs, files in os.walk(folder):
        for name in files:
            if name.endswith('.py'):
                path = os.path.join(root, name)
                for mod in _imports(path):
                    if mod == 'heat' or mod.startswith(FORBIDDEN):
                        found.append((os.path.relpath(path, folder), mod))
    return found


class TestScalingLayer(base.TestCase):

    def test_scaling_imports_nothing_from_engine_db_rpc_api(self):
        self.assertEqual([], forbidden_imports(SCALING_DIR))

    def test_checker_catches_a_forbidden_import(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        with open(os.path.join(tmp, 'bad.py'), 'w') as f:
            f.write('from heat.engine import stack\nimport heat.db.api\n')
        self.assertEqual([('bad.py', 'heat.engine'),
                          ('bad.py', 'heat.engine.stack'),
                          ('bad.py', 'heat.db.api')],
                         forbidden_imports(tmp))

