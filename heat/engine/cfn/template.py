"""CloudFormation-compatible formats.

- ``AWSTemplateFormatVersion: 2010-09-09`` (:class:`CfnTemplate`):
  sections ``Description``, ``Parameters``, ``Mappings``, ``Conditions``,
  ``Resources``, ``Outputs``; resources may have a ``Condition``, outputs
  too; ``Fn::If`` and the condition functions.
- ``HeatTemplateFormatVersion: 2012-12-12`` (:class:`HeatTemplate`): the
  same without ``Conditions`` and ``Condition``.

Resource keys: ``Type``, ``Properties``, ``Metadata``, ``DependsOn``,
``DeletionPolicy``, ``UpdatePolicy``, ``Description``. Output keys:
``Value``, ``Description``. The functions come from
``heat.engine.cfn.functions`` by version.
"""

from heat.engine import template


class CfnTemplateBase(template.Template):
    """What the two CFN versions share."""

    template_type = 'cfn'

    DESCRIPTION = 'Description'
    MAPPINGS = 'Mappings'
    PARAMETERS = 'Parameters'
    RESOURCES = 'Resources'
    OUTPUTS = 'Outputs'
    PARAMETER_GROUPS = None
    CONDITIONS = None

    RESOURCE_KEYS = {
        'type': 'Type', 'properties': 'Properties', 'metadata': 'Metadata',
        'depends_on': 'DependsOn', 'deletion_policy': 'DeletionPolicy',
        'update_policy': 'UpdatePolicy', 'description': 'Description',
        'condition': None, 'external_id': None,
    }
    OUTPUT_KEYS = {'value': 'Value', 'description': 'Description',
                   'condition': None}

    @classmethod
    def _function_module(cls):
        from heat.engine.cfn import functions
        return functions


@template.register('AWSTemplateFormatVersion', '2010-09-09')
class CfnTemplate(CfnTemplateBase):
    """AWSTemplateFormatVersion 2010-09-09, with conditions."""

    canonical_version = '2010-09-09'
    VERSION = 'AWSTemplateFormatVersion'
    CONDITIONS = 'Conditions'
    SECTIONS = (VERSION, 'Description', 'Mappings', 'Parameters',
                CONDITIONS, 'Resources', 'Outputs')
    RESOURCE_KEYS = dict(CfnTemplateBase.RESOURCE_KEYS,
                         condition='Condition')
    OUTPUT_KEYS = dict(CfnTemplateBase.OUTPUT_KEYS, condition='Condition')


@template.register('HeatTemplateFormatVersion', '2012-12-12')
class HeatTemplate(CfnTemplateBase):
    """HeatTemplateFormatVersion 2012-12-12."""

    canonical_version = '2012-12-12'
    VERSION = 'HeatTemplateFormatVersion'
    SECTIONS = (VERSION, 'Description', 'Mappings', 'Parameters',
                'Resources', 'Outputs')
