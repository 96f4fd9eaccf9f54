"""The examples in the user documentation run as written."""

import doctest
import os

from heat.tests import base

DOC = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.dirname(os.path.abspath(__file__))))), 'doc')


class TestDocExamples(base.TestCase):

    def test_scaling_library_examples(self):
        result = doctest.testfile(
            os.path.join(DOC, 'scaling-library.md'), module_relative=False,
            optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
        self.assertGreater(result.attempted, 50)
        self.assertEqual(0, result.failed)
