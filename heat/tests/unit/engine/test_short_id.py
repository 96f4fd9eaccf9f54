"""Short ids: 12 lowercase base32 characters from a uuid4's random bits."""

import re
import uuid

from heat.common import short_id
from heat.tests import base


class TestShortId(base.TestCase):

    # (uuid, short id): upstream's derivation, so names stay comparable
    KNOWN = [
        ('11111111-1111-4111-bfff-ffffffffffff', 'ceirceirceir'),
        ('ffffffff-ffff-4fff-8000-000000000000', '777777777777'),
        ('00000000-0000-4000-bfff-ffffffffffff', 'aaaaaaaaaaaa'),
        ('ffffffff-00ff-4000-aaaa-aaaaaaaaaaaa', 'aaaa77777777'),
    ]

    def test_id_comes_from_the_time_field(self):
        for source, expected in self.KNOWN:
            self.assertEqual(expected, short_id.get_id(source))
            self.assertEqual(expected, short_id.get_id(uuid.UUID(source)))

    def test_generated_ids_are_12_lowercase_base32_chars(self):
        ids = {short_id.generate_id() for _ in range(50)}
        self.assertEqual(50, len(ids))
        for sid in ids:
            self.assertIsNotNone(re.fullmatch('[a-z2-7]{12}', sid))

    def test_only_version_4_uuids(self):
        err = self.assertRaises(ValueError, short_id.get_id,
                                uuid.uuid1())
        self.assertEqual('Invalid UUID version (1)', str(err))
