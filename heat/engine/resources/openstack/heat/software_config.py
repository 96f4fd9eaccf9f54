"""Software config resources: ``OS::Heat::SoftwareConfig``,
``OS::Heat::StructuredConfig``, ``OS::Heat::CloudConfig`` and
``OS::Heat::MultipartMime``.

A software config is immutable: no property updates in place, so any
change replaces the resource with a new config. As upstream, each
resource makes one row of the ``software_config`` table through the
engine's software config methods
(:mod:`heat.engine.software_config_service`): its physical id is the
config id (what ``GET /software_configs/{id}`` shows and what a
deployment's ``config`` property names), and deleting the resource
deletes the row. Attribute ``config`` is the config (text; a map for a
StructuredConfig).

CloudConfig formats its ``cloud_config`` map as YAML after a
``#cloud-config`` line. MultipartMime assembles ``parts`` into one
multipart MIME message; a part's ``config`` may be inline text or the id
of a software config of the project (whose text is used), and a part of
``type: multipart`` has its own parts appended.
"""

import email
import os
import uuid
from email.mime import multipart, text

import yaml

from heat.common import exception, template_format
from heat.engine import attributes, constraints, properties, resource
from heat.engine import software_config_service as sc_service

IO_TYPES = ('String', 'Number', 'CommaDelimitedList', 'Json', 'Boolean')
DEFAULT_GROUP = 'Heat::Ungrouped'


def _io_schema(kind, extra):
    schema = {
        'name': properties.Schema(
            properties.Schema.STRING, 'Name of the %s.' % kind,
            required=True),
        'description': properties.Schema(
            properties.Schema.STRING, 'Description of the %s.' % kind),
        'type': properties.Schema(
            properties.Schema.STRING, 'Type of the value of the %s.' % kind,
            default='String',
            constraints=[constraints.AllowedValues(list(IO_TYPES))]),
    }
    schema.update(extra)
    return schema


def find_config(context, config_id):
    """The config (upstream's dict) whose id is ``config_id``, if the
    context's project has one, else None."""
    try:
        return sc_service.API.show_software_config(context, str(config_id))
    except exception.NotFound:
        return None


class SoftwareConfig(resource.Resource):
    """A configuration script or manifest, with its inputs and outputs."""

    PROPERTIES = (GROUP, CONFIG, OPTIONS, INPUTS, OUTPUTS) = (
        'group', 'config', 'options', 'inputs', 'outputs')
    ATTRIBUTES = (CONFIG_ATTR,) = ('config',)

    input_schema = _io_schema('input', {
        'default': properties.Schema(
            properties.Schema.ANY,
            'Default value for the input if none is specified.'),
        'replace_on_change': properties.Schema(
            properties.Schema.BOOLEAN,
            'Replace the deployment instead of updating it when the input '
            'value changes.', default=False),
    })
    output_schema = _io_schema('output', {
        'error_output': properties.Schema(
            properties.Schema.BOOLEAN,
            'Denotes that the deployment is in an error state if this '
            'output has a value.', default=False),
    })

    properties_schema = {
        GROUP: properties.Schema(
            properties.Schema.STRING,
            'Namespace to group this software config by when delivered to '
            'a server. This may imply what configuration tool is going to '
            'perform the configuration.', default=DEFAULT_GROUP),
        CONFIG: properties.Schema(
            properties.Schema.STRING,
            'Configuration script or manifest which specifies what actual '
            'configuration is performed.'),
        OPTIONS: properties.Schema(
            properties.Schema.MAP,
            'Map containing options specific to the configuration '
            'management tool used by this resource.'),
        INPUTS: properties.Schema(
            properties.Schema.LIST,
            'Schema representing the inputs that this software config is '
            'expecting.',
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=input_schema)),
        OUTPUTS: properties.Schema(
            properties.Schema.LIST,
            'Schema representing the outputs that this software config '
            'will produce.',
            schema=properties.Schema(properties.Schema.MAP,
                                     schema=output_schema)),
    }

    attributes_schema = {
        CONFIG_ATTR: attributes.Schema(
            'The config value of the software config.',
            type=attributes.Schema.STRING),
    }

    def build_config(self):
        """The config to store: ``{name, group, config, options, inputs,
        outputs}``."""
        props = self.properties
        return {
            'name': self.physical_resource_name(),
            'group': props[self.GROUP] or DEFAULT_GROUP,
            'config': props[self.CONFIG],
            'options': props[self.OPTIONS] or {},
            'inputs': props[self.INPUTS] or [],
            'outputs': props[self.OUTPUTS] or [],
        }

    def stored_config(self):
        """The stored config (``{name, group, config, options, inputs,
        outputs}``), or None before create (or once deleted)."""
        if not self.resource_id:
            return None
        found = find_config(self.context, self.resource_id)
        if found is None:
            return None
        return {k: found[k] for k in ('name', 'group', 'config', 'options',
                                      'inputs', 'outputs')}

    def handle_create(self):
        made = sc_service.API.create_software_config(self.context,
                                                     **self.build_config())
        self.resource_id_set(made[sc_service.CONFIG_ID])

    def handle_delete(self):
        if self.resource_id is None:
            return
        try:
            sc_service.API.delete_software_config(self.context,
                                                  self.resource_id)
        except exception.NotFound:
            pass

    def _resolve_attribute(self, name):
        if name == self.CONFIG_ATTR and self.resource_id:
            stored = find_config(self.context, self.resource_id)
            return stored['config'] if stored else None
        return None


class StructuredConfig(SoftwareConfig):
    """A config given as a map (delivered to the server as JSON);
    ``get_input: <name>`` in it is replaced by the input's value by a
    ``OS::Heat::StructuredDeployment``."""

    properties_schema = dict(SoftwareConfig.properties_schema)
    properties_schema[SoftwareConfig.CONFIG] = properties.Schema(
        properties.Schema.MAP,
        'Map representing the configuration data structure which will '
        'be serialized to JSON format.')


class CloudConfig(SoftwareConfig):
    """cloud-init cloud-config, given as a map and stored as YAML."""

    PROPERTIES = (CLOUD_CONFIG,) = ('cloud_config',)

    properties_schema = {
        CLOUD_CONFIG: properties.Schema(
            properties.Schema.MAP,
            'Map representing the cloud-config data structure which will '
            'be formatted as YAML.'),
    }

    def build_config(self):
        body = yaml.dump(self.properties[self.CLOUD_CONFIG],
                         Dumper=template_format.yaml_dumper)
        return {'name': self.physical_resource_name(),
                'group': DEFAULT_GROUP,
                'config': '#cloud-config\n%s' % body,
                'options': {}, 'inputs': [], 'outputs': []}


class MultipartMime(SoftwareConfig):
    """Several configs assembled into one multipart MIME message."""

    PROPERTIES = (PARTS, CONFIG, FILENAME, TYPE, SUBTYPE) = (
        'parts', 'config', 'filename', 'type', 'subtype')
    TYPES = (TEXT, MULTIPART) = ('text', 'multipart')

    properties_schema = {
        PARTS: properties.Schema(
            properties.Schema.LIST, 'Parts belonging to this message.',
            default=[],
            schema=properties.Schema(properties.Schema.MAP, schema={
                CONFIG: properties.Schema(
                    properties.Schema.STRING,
                    'Content of part to attach, either inline or by '
                    'referencing the ID of another software config '
                    'resource.', required=True),
                FILENAME: properties.Schema(
                    properties.Schema.STRING,
                    'Optional filename to associate with part.'),
                TYPE: properties.Schema(
                    properties.Schema.STRING,
                    'Whether the part content is text or multipart.',
                    default=TEXT,
                    constraints=[constraints.AllowedValues(list(TYPES))]),
                SUBTYPE: properties.Schema(
                    properties.Schema.STRING,
                    'Optional subtype to specify with the type.'),
            })),
    }

    def build_config(self):
        return {'name': self.physical_resource_name(),
                'group': DEFAULT_GROUP,
                'config': self.get_message(),
                'options': {}, 'inputs': [], 'outputs': []}

    def _part_text(self, config):
        stored = None
        if _is_uuid(config):
            stored = find_config(self.context, config)
        return stored['config'] if stored else config

    def get_message(self):
        """The multipart MIME message of the ``parts``."""
        subparts = []
        for item in self.properties[self.PARTS] or []:
            part = self._part_text(item.get(self.CONFIG))
            if (item.get(self.TYPE) or self.TEXT) == self.MULTIPART:
                subparts.extend(_split_multipart(part))
            else:
                subparts.append(_text_part(part, item.get(self.SUBTYPE),
                                           item.get(self.FILENAME)))
        return multipart.MIMEMultipart(_subparts=subparts).as_string()


def _is_uuid(value):
    try:
        uuid.UUID(str(value))
    except ValueError:
        return False
    return True


def _text_part(content, subtype=None, filename=None):
    if not subtype and filename:
        subtype = os.path.splitext(filename)[0]
    content = content or ''
    charset = 'us-ascii' if content.isascii() else 'utf-8'
    msg = text.MIMEText(content, _subtype=subtype or 'plain',
                        _charset=charset)
    if filename:
        msg.add_header('Content-Disposition', 'attachment',
                       filename=filename)
    return msg


def _split_multipart(message):
    """The parts of a multipart message as text parts (none if it is not
    multipart)."""
    parsed = email.message_from_string(message or '')
    if not parsed.is_multipart():
        return []
    return [_text_part(p.get_payload(), p.get_content_subtype(),
                       p.get_filename())
            for p in parsed.get_payload()]


def resource_mapping():
    return {
        'OS::Heat::SoftwareConfig': SoftwareConfig,
        'OS::Heat::StructuredConfig': StructuredConfig,
        'OS::Heat::CloudConfig': CloudConfig,
        'OS::Heat::MultipartMime': MultipartMime,
    }
