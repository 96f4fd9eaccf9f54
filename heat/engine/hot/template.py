"""HOT (Heat Orchestration Template) format, one class per version.

Each class names its sections and the keys a resource or an output may
have; the functions come from ``heat.engine.hot.functions`` by version.
What changes between versions:

- 2013-05-23: sections ``heat_template_version``, ``description``,
  ``parameter_groups``, ``parameters``, ``resources``, ``outputs``;
  resource keys ``type``, ``properties``, ``metadata``, ``depends_on``,
  ``update_policy``, ``deletion_policy``, ``description``; output keys
  ``value``, ``description``.
- 2016-10-14 (newton): the ``conditions`` section; resource keys
  ``condition`` and ``external_id``; output key ``condition``; lowercase
  deletion policies (``delete``, ``retain``, ``snapshot``).
- The release names (``newton`` ... ``wallaby``) are aliases of the dated
  versions.
"""

from heat.engine import rsrc_defn, template


class HOTemplate20130523(template.Template):
    """heat_template_version 2013-05-23."""

    template_type = 'hot'
    canonical_version = '2013-05-23'

    VERSION = 'heat_template_version'
    DESCRIPTION = 'description'
    PARAMETER_GROUPS = 'parameter_groups'
    PARAMETERS = 'parameters'
    RESOURCES = 'resources'
    OUTPUTS = 'outputs'
    MAPPINGS = None
    CONDITIONS = None
    SECTIONS = (VERSION, DESCRIPTION, PARAMETER_GROUPS, PARAMETERS,
                RESOURCES, OUTPUTS)

    RESOURCE_KEYS = {
        'type': 'type', 'properties': 'properties', 'metadata': 'metadata',
        'depends_on': 'depends_on', 'deletion_policy': 'deletion_policy',
        'update_policy': 'update_policy', 'description': 'description',
        'condition': None, 'external_id': None,
    }
    OUTPUT_KEYS = {'value': 'value', 'description': 'description',
                   'condition': None}

    @classmethod
    def _function_module(cls):
        from heat.engine.hot import functions
        return functions


class HOTemplate20141016(HOTemplate20130523):
    """heat_template_version 2014-10-16: Ref and Fn::* (not Fn::Select)
    removed."""

    canonical_version = '2014-10-16'


class HOTemplate20150430(HOTemplate20141016):
    """heat_template_version 2015-04-30: repeat, digest."""

    canonical_version = '2015-04-30'


class HOTemplate20151015(HOTemplate20150430):
    """heat_template_version 2015-10-15: str_split; Fn::Select removed."""

    canonical_version = '2015-10-15'


class HOTemplate20160408(HOTemplate20151015):
    """heat_template_version 2016-04-08: map_merge."""

    canonical_version = '2016-04-08'


class HOTemplate20161014(HOTemplate20160408):
    """heat_template_version 2016-10-14 (newton): conditions."""

    canonical_version = '2016-10-14'
    CONDITIONS = 'conditions'
    SECTIONS = HOTemplate20160408.SECTIONS + (CONDITIONS,)
    RESOURCE_KEYS = dict(HOTemplate20160408.RESOURCE_KEYS,
                         condition='condition', external_id='external_id')
    OUTPUT_KEYS = dict(HOTemplate20160408.OUTPUT_KEYS,
                       condition='condition')
    deletion_policies = dict(template.Template.deletion_policies,
                             delete=rsrc_defn.DELETE,
                             retain=rsrc_defn.RETAIN,
                             snapshot=rsrc_defn.SNAPSHOT)


class HOTemplate20170224(HOTemplate20161014):
    """heat_template_version 2017-02-24 (ocata): filter,
    str_replace_strict."""

    canonical_version = '2017-02-24'


class HOTemplate20170901(HOTemplate20170224):
    """heat_template_version 2017-09-01 (pike): make_url, list_concat,
    contains, str_replace_vstrict."""

    canonical_version = '2017-09-01'


class HOTemplate20180302(HOTemplate20170901):
    """heat_template_version 2018-03-02 (queens): parameter tags."""

    canonical_version = '2018-03-02'


class HOTemplate20180831(HOTemplate20180302):
    """heat_template_version 2018-08-31 (rocky)."""

    canonical_version = '2018-08-31'


class HOTemplate20210416(HOTemplate20180831):
    """heat_template_version 2021-04-16 (wallaby): two-argument if."""

    canonical_version = '2021-04-16'


#: release names accepted as versions
ALIASES = {'newton': '2016-10-14', 'ocata': '2017-02-24',
           'pike': '2017-09-01', 'queens': '2018-03-02',
           'rocky': '2018-08-31', 'wallaby': '2021-04-16'}

CLASSES = (HOTemplate20130523, HOTemplate20141016, HOTemplate20150430,
           HOTemplate20151015, HOTemplate20160408, HOTemplate20161014,
           HOTemplate20170224, HOTemplate20170901, HOTemplate20180302,
           HOTemplate20180831, HOTemplate20210416)

for _cls in CLASSES:
    template.register('heat_template_version', _cls.canonical_version)(_cls)
for _alias, _version in ALIASES.items():
    template.register('heat_template_version', _alias)(
        next(c for c in CLASSES if c.canonical_version == _version))
