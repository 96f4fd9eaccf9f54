"""``OS::Heat::RandomString``: a random string, e.g. for passwords.

The string is drawn with the :mod:`secrets` module from character classes
(``lettersdigits``, ``letters``, ``lowercase``, ``uppercase``, ``digits``,
``hexdigits``, ``octdigits``) and/or literal character sequences, each
with a minimum count; the rest of ``length`` is filled from all of them,
then the whole string is shuffled. The hidden ``sequence`` property is the
old spelling of a single character class.

The value is kept in the resource's data, redacted, and is also the
resource's reference (``get_resource``); before create the reference is
the resource's name. Changing ``salt`` (or anything else: no property
updates in place) replaces the resource, so it gets a new value. Adopting
takes the value from the adopt data's ``resource_data.value``.
"""

import secrets
import string

from heat.common import exception
from heat.engine import attributes, constraints, properties, resource

CHARACTER_CLASSES = {
    'lettersdigits': string.ascii_letters + string.digits,
    'letters': string.ascii_letters,
    'lowercase': string.ascii_lowercase,
    'uppercase': string.ascii_uppercase,
    'digits': string.digits,
    'hexdigits': string.digits + 'ABCDEF',
    'octdigits': string.octdigits,
}
_CLASS_NAMES = list(CHARACTER_CLASSES)

_rand = secrets.SystemRandom()

#: ``sequence`` is hidden (5.0.0), after being deprecated (2014.2).
SEQUENCE_SUPPORT = {
    'status': 'HIDDEN', 'version': '5.0.0',
    'previous_status': {'status': 'DEPRECATED', 'version': '2014.2',
                        'message': 'Use property character_classes.'},
}


def _minimum(default=1):
    return properties.Schema(
        properties.Schema.INTEGER,
        'The minimum number of characters of this kind in the string.',
        default=default, constraints=[constraints.Range(1, 512)])


def generate(length, char_classes=(), char_sequences=()):
    """A random string of ``length`` characters.

    ``char_classes`` are ``{'class': name, 'min': n}`` and
    ``char_sequences`` ``{'sequence': chars, 'min': n}``: each contributes
    at least ``min`` characters; each of the rest comes from a class or
    sequence picked uniformly among all of them.
    """
    pools = ([CHARACTER_CLASSES[c['class']] for c in char_classes] +
             [s['sequence'] for s in char_sequences])
    if not pools:
        pools = [CHARACTER_CLASSES['lettersdigits']]
    mins = ([c['min'] for c in char_classes] +
            [s['min'] for s in char_sequences])
    chars = [secrets.choice(pool)
             for pool, count in zip(pools, mins) for _ in range(count)]
    while len(chars) < length:
        chars.append(secrets.choice(secrets.choice(pools)))
    _rand.shuffle(chars)
    return ''.join(chars)


class RandomString(resource.Resource):
    """Generates a random string; its reference is the string."""

    #: the string itself (Resource.secret_data_keys)
    secret_data_keys = frozenset(('value',))

    PROPERTIES = (LENGTH, SEQUENCE, CHARACTER_CLASSES_PROP,
                  CHARACTER_SEQUENCES, SALT) = (
        'length', 'sequence', 'character_classes', 'character_sequences',
        'salt')
    ATTRIBUTES = (VALUE,) = ('value',)

    properties_schema = {
        LENGTH: properties.Schema(
            properties.Schema.INTEGER, 'Length of the string to generate.',
            default=32, constraints=[constraints.Range(1, 512)]),
        SEQUENCE: properties.Schema(
            properties.Schema.STRING,
            'Sequence of characters to build the random string from.',
            constraints=[constraints.AllowedValues(_CLASS_NAMES)],
            support_status=SEQUENCE_SUPPORT),
        CHARACTER_CLASSES_PROP: properties.Schema(
            properties.Schema.LIST,
            'A list of character class and their constraints to generate '
            'the random string from.',
            schema=properties.Schema(properties.Schema.MAP, schema={
                'class': properties.Schema(
                    properties.Schema.STRING,
                    'A character class and its corresponding min '
                    'constraint to generate the random string from.',
                    default='lettersdigits',
                    constraints=[constraints.AllowedValues(_CLASS_NAMES)]),
                'min': _minimum(),
            }),
            default=[{'class': 'lettersdigits', 'min': 1}]),
        CHARACTER_SEQUENCES: properties.Schema(
            properties.Schema.LIST,
            'A list of character sequences and their constraints to '
            'generate the random string from.',
            schema=properties.Schema(properties.Schema.MAP, schema={
                'sequence': properties.Schema(
                    properties.Schema.STRING,
                    'A character sequence and its corresponding min '
                    'constraint to generate the random string from.',
                    required=True),
                'min': _minimum(),
            })),
        SALT: properties.Schema(
            properties.Schema.STRING,
            'Value which can be set or changed on stack update to trigger '
            'the resource for replacement with a new random string. The '
            'salt value itself is ignored by the random generator.'),
    }

    attributes_schema = {
        VALUE: attributes.Schema(
            'The random string generated by this resource. This value is '
            'also available by referencing the resource.',
            cache_mode=attributes.Schema.CACHE_NONE,
            type=attributes.Schema.STRING),
    }

    def _char_classes(self):
        """The classes to draw from, the hidden ``sequence`` included.

        ``sequence`` adds its class to those given; when
        ``character_classes`` is left at its default it replaces it.
        """
        classes = list(self.properties[self.CHARACTER_CLASSES_PROP] or [])
        sequence = self.properties[self.SEQUENCE]
        if sequence:
            default = self.properties_schema[
                self.CHARACTER_CLASSES_PROP].default
            if classes == default:
                classes = []
            classes.append({'class': sequence, 'min': 1})
        return classes

    def validate(self):
        super().validate()
        char_sequences = self.properties[self.CHARACTER_SEQUENCES] or []
        minimum = sum(c['min'] for c in char_sequences + self._char_classes())
        if minimum > self.properties[self.LENGTH]:
            raise exception.StackValidationFailed(
                message='Length property cannot be smaller than combined '
                        'character class and character sequence minimums',
                path=self.t.path('properties'))

    def _generate(self):
        return generate(self.properties[self.LENGTH], self._char_classes(),
                        self.properties[self.CHARACTER_SEQUENCES] or [])

    def handle_create(self):
        self.data_set('value', self._generate(), redact=True)
        self.resource_id_set(self.physical_resource_name())

    def handle_adopt(self, resource_data):
        resource_data = resource_data or {}
        value = (resource_data.get('resource_data') or {}).get('value')
        if value is None:
            value = self._generate()
        self.data_set('value', value, redact=True)
        self.resource_id_set(resource_data.get('resource_id') or
                             self.physical_resource_name())
        if resource_data.get('metadata'):
            self.metadata_set(resource_data['metadata'])

    def _resolve_attribute(self, name):
        if name == self.VALUE:
            return self.data().get('value')
        return None

    def get_reference_id(self):
        if self.resource_id is not None:
            return self.data().get('value')
        return str(self.name)


def resource_mapping():
    return {'OS::Heat::RandomString': RandomString}
