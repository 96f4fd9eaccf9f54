"""template_format.parse: YAML/JSON text to a template dict."""

import datetime
import json

from heat.common import exception
from heat.common import template_format as tf
from heat.tests import base


class DatesStayStringsTest(base.TestCase):
    """Unquoted versions must not become date objects."""

    CASES = [
        ('hot_2013', 'heat_template_version: 2013-05-23\n',
         'heat_template_version', '2013-05-23'),
        ('hot_2021', 'heat_template_version: 2021-04-16\n',
         'heat_template_version', '2021-04-16'),
        ('hot_alias', 'heat_template_version: wallaby\n',
         'heat_template_version', 'wallaby'),
        ('aws', 'AWSTemplateFormatVersion: 2010-09-09\n',
         'AWSTemplateFormatVersion', '2010-09-09'),
        ('heat_cfn', 'HeatTemplateFormatVersion: 2012-12-12\n',
         'HeatTemplateFormatVersion', '2012-12-12'),
        ('quoted', "heat_template_version: '2016-10-14'\n",
         'heat_template_version', '2016-10-14'),
    ]

    def test_version_is_the_text_written(self):
        for name, text, key, expected in self.CASES:
            parsed = tf.parse(text)
            self.assertEqual(expected, parsed[key], name)
            self.assertIsInstance(parsed[key], str, name)

    def test_nested_timestamps_stay_strings(self):
        parsed = tf.parse('heat_template_version: 2013-05-23\n'
                          'parameters:\n'
                          '  when: {type: string, default: 2001-12-14}\n')
        self.assertEqual('2001-12-14',
                         parsed['parameters']['when']['default'])

    def test_dates_in_a_mapping_are_given_back_as_text(self):
        parsed = tf.parse({'heat_template_version':
                           datetime.date(2015, 10, 15)})
        self.assertEqual({'heat_template_version': '2015-10-15'}, parsed)


class FormatsTest(base.TestCase):

    def test_json_and_yaml_give_the_same_dict(self):
        tmpl = {'heat_template_version': '2015-04-30',
                'resources': {'r': {'type': 'OS::Heat::None',
                                    'properties': {'n': 1, 'b': True}}}}
        yaml_text = ('heat_template_version: 2015-04-30\n'
                     'resources:\n'
                     '  r:\n'
                     '    type: OS::Heat::None\n'
                     '    properties: {n: 1, b: true}\n')
        self.assertEqual(tmpl, tf.parse(json.dumps(tmpl)))
        self.assertEqual(tmpl, tf.parse(yaml_text))

    def test_bytes_are_read_as_utf8(self):
        text = 'heat_template_version: 2013-05-23\ndescription: caf\u00e9\n'
        self.assertEqual('caf\u00e9',
                         tf.parse(text.encode('utf-8'))['description'])

    def test_bytes_that_are_not_utf8_are_refused(self):
        ex = self.assertRaises(ValueError, tf.parse, b'\xff\xfe')
        self.assertIn('not UTF-8', str(ex))

    def test_other_input_types_are_refused(self):
        ex = self.assertRaises(ValueError, tf.parse, 42)
        self.assertIn('not int', str(ex))


class ErrorsTest(base.TestCase):

    CASES = [
        # name, text, fragments expected in the message
        ('unclosed_flow_map', '{test', ['Error parsing template',
                                        'line 1, column 1']),
        ('bad_indent', 'heat_template_version: 2013-05-23\n'
                       'resources:\n  a: 1\n b: 2\n',
         ['Error parsing template', 'line 4']),
        ('tab_indent', 'heat_template_version: 2013-05-23\n'
                       'resources:\n\ta: 1\n',
         ['Error parsing template', 'line 3']),
        ('string', 'just a string', ['not a JSON object or YAML mapping',
                                     'string']),
        ('json_list', '["foo", "bar"]', ['not a JSON object or YAML '
                                         'mapping', 'list']),
        ('number', '42', ['not a JSON object or YAML mapping']),
        ('empty', '', ['Template format version not found', 'empty']),
        ('only_comment', '# nothing\n', ['Template format version not '
                                         'found', 'empty']),
        ('empty_json', '{}', ['Template format version not found']),
        ('no_version', 'Resources: {}\nOutputs: {}\n',
         ['Template format version not found', 'heat_template_version']),
    ]

    def test_error_messages(self):
        for name, text, fragments in self.CASES:
            ex = self.assertRaises(ValueError, tf.parse, text)
            for fragment in fragments:
                self.assertIn(fragment, str(ex), name)

    def test_source_names_the_template_in_errors(self):
        ex = self.assertRaises(ValueError, tf.parse, 'a: [', 'nested.yaml')
        self.assertIn('Error parsing nested.yaml', str(ex))


class SizeLimitTest(base.TestCase):

    def _text(self, size):
        head = 'heat_template_version: 2013-05-23\ndescription: '
        return head + 'x' * (size - len(head))

    def test_limit_is_upstreams_default(self):
        self.assertEqual(524288, tf.MAX_TEMPLATE_BYTES)

    def test_text_at_the_limit_is_accepted(self):
        text = self._text(tf.MAX_TEMPLATE_BYTES)
        self.assertEqual('2013-05-23',
                         tf.parse(text)['heat_template_version'])

    def test_text_over_the_limit_is_refused_with_sizes(self):
        text = self._text(tf.MAX_TEMPLATE_BYTES + 1)
        ex = self.assertRaises(exception.TemplateTooLarge, tf.parse, text)
        self.assertEqual('Template size (524289 bytes) exceeds maximum '
                         'allowed size (524288 bytes).', str(ex))

    def test_size_counts_utf8_bytes(self):
        head = 'heat_template_version: 2013-05-23\ndescription: '
        # 2 bytes per character: over the limit in bytes, not in characters
        text = head + '\u00e9' * (tf.MAX_TEMPLATE_BYTES // 2)
        self.assertRaises(exception.TemplateTooLarge, tf.parse, text)
