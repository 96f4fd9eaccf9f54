"""Short ids: 12 lowercase base32 characters.

Physical resource names and nested stack names end in one
(``<stack>-<resource>-<short id>``). An id is made from the 60 random bits
of the ``time`` field of a version 4 uuid, so a resource's short id can be
derived again from its uuid.
"""

import base64
import uuid

SHORT_ID_LENGTH = 12


def _bits_to_bytes(value, num_bits):
    """``value``'s low ``num_bits`` bits as big-endian bytes, left-aligned
    on a byte boundary (the last byte padded with zero bits)."""
    num_bytes = (num_bits + 7) // 8
    value <<= num_bytes * 8 - num_bits
    return value.to_bytes(num_bytes, 'big')


def get_id(source_uuid):
    """The short id derived from a version 4 uuid (object or text)."""
    if isinstance(source_uuid, str):
        source_uuid = uuid.UUID(source_uuid)
    if source_uuid.version != 4:
        raise ValueError('Invalid UUID version (%d)' % source_uuid.version)
    # 60 random bits: base32 turns 5 bits into one character.
    encoded = base64.b32encode(_bits_to_bytes(source_uuid.time, 60))
    return encoded[:SHORT_ID_LENGTH].lower().decode('ascii')


def generate_id():
    """A new random short id."""
    return get_id(uuid.uuid4())
