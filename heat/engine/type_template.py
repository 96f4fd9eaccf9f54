"""The template of a resource type: upstream's ``generate_template``.

``GET /v1/{tenant}/resource_types/{type}/template?template_type=hot|cfn``
(``openstack orchestration resource type show TYPE --template-type ...``)
answers a template holding one resource of the type, named after the
type's class, with a parameter for each property (its type, description,
default and constraints), the property set from that parameter, and an
output for each attribute (the base ``show`` one too):

- ``hot``: ``heat_template_version: '2016-10-14'``, ``parameters``,
  ``resources`` (``get_param``), ``outputs`` (``get_attr``);
- ``cfn`` (the default): ``HeatTemplateFormatVersion: '2012-12-12'``,
  ``Parameters``, ``Resources`` (``Ref``; ``Fn::Split`` of a list
  property), ``Outputs`` (``Fn::GetAtt``).

The description is ``Initial template of <class name>``.
"""

TEMPLATE_TYPES = ('cfn', 'hot')
HOT_VERSION = '2016-10-14'
CFN_VERSION = '2012-12-12'
BOOLEAN_VALUES = ['True', 'true', 'False', 'false']

#: property type -> parameter type, per template type
_PARAM_TYPES = {
    'hot': {'integer': 'number', 'number': 'number', 'string': 'string',
            'boolean': 'boolean', 'map': 'json',
            'list': 'comma_delimited_list'},
    'cfn': {'integer': 'Number', 'number': 'Number', 'string': 'String',
            'boolean': 'Boolean', 'map': 'Json',
            'list': 'CommaDelimitedList'},
}


def _schema_dict(schema):
    if hasattr(schema, 'to_dict'):
        return schema.to_dict()
    return dict(schema) if isinstance(schema, dict) else {}


def _hot_parameter(prop):
    param = {'type': _PARAM_TYPES['hot'].get(prop.get('type'), 'string')}
    if prop.get('description') is not None:
        param['description'] = prop['description']
    if prop.get('default') is not None:
        param['default'] = prop['default']
    constraints = []
    for constraint in prop.get('constraints') or ():
        for kind in ('length', 'range'):
            if kind in constraint:
                bounds = {k: v for k, v in (constraint[kind] or {}).items()
                          if k in ('min', 'max') and v is not None}
                constraints.append({kind: bounds})
        for kind in ('allowed_values', 'allowed_pattern'):
            if kind in constraint:
                value = constraint[kind]
                constraints.append({kind: list(value)
                                    if kind == 'allowed_values' else value})
    if prop.get('type') == 'boolean':
        constraints.append({'allowed_values': list(BOOLEAN_VALUES)})
    if constraints:
        param['constraints'] = constraints
    return param


def _cfn_parameter(prop):
    param = {'Type': _PARAM_TYPES['cfn'].get(prop.get('type'), 'String')}
    if prop.get('description') is not None:
        param['Description'] = prop['description']
    if prop.get('default') is not None:
        param['Default'] = prop['default']
    names = {'length': ('MinLength', 'MaxLength'),
             'range': ('MinValue', 'MaxValue')}
    for constraint in prop.get('constraints') or ():
        for kind, (low, high) in names.items():
            bounds = constraint.get(kind)
            if isinstance(bounds, dict):
                if bounds.get('min') is not None:
                    param[low] = bounds['min']
                if bounds.get('max') is not None:
                    param[high] = bounds['max']
        if 'allowed_values' in constraint:
            param['AllowedValues'] = list(constraint['allowed_values'])
        if 'allowed_pattern' in constraint:
            param['AllowedPattern'] = constraint['allowed_pattern']
    if prop.get('type') == 'boolean':
        param['AllowedValues'] = list(BOOLEAN_VALUES)
    return param


def _attributes(cls):
    attrs = {}
    attrs.update(getattr(cls, 'attributes_schema', None) or {})
    attrs.update(getattr(cls, 'base_attributes_schema', None) or {})
    return {name: _schema_dict(schema) for name, schema in attrs.items()}


def resource_type_template(cls, type_name, template_type='cfn'):
    """The template of resource type ``type_name`` (class ``cls``)."""
    if template_type not in TEMPLATE_TYPES:
        raise ValueError('Invalid template type "%s", valid types are: %s.'
                         % (template_type, ', '.join(TEMPLATE_TYPES)))
    res_name = cls.__name__
    description = 'Initial template of %s' % res_name
    props = {name: _schema_dict(schema) for name, schema in
             (getattr(cls, 'properties_schema', None) or {}).items()}
    attrs = _attributes(cls)
    if template_type == 'hot':
        return {
            'heat_template_version': HOT_VERSION,
            'description': description,
            'parameters': {n: _hot_parameter(p) for n, p in props.items()},
            'resources': {res_name: {
                'type': type_name,
                'properties': {n: {'get_param': n} for n in props}}},
            'outputs': {n: {'description': a.get('description'),
                            'value': {'get_attr': [res_name, n]}}
                        for n, a in attrs.items()},
        }

    def cfn_value(name, prop):
        if prop.get('type') == 'list':
            return {'Fn::Split': [',', {'Ref': name}]}
        return {'Ref': name}

    return {
        'HeatTemplateFormatVersion': CFN_VERSION,
        'Description': description,
        'Parameters': {n: _cfn_parameter(p) for n, p in props.items()},
        'Resources': {res_name: {
            'Type': type_name,
            'Properties': {n: cfn_value(n, p) for n, p in props.items()}}},
        'Outputs': {n: {'Description': a.get('description'),
                        'Value': {'Fn::GetAtt': [res_name, n]}}
                    for n, a in attrs.items()},
    }
