"""The POST /validate example the corpus pins (INDEX.md, "Misc pinned API
behaviour"): a ResourceGroup whose count is a number parameter, and the
exact body upstream returns for it. Shared by every layer that answers
validate (the offline validator, heat-manage, the engine service)."""

VALIDATE_TEMPLATE = '''heat_template_version: 2016-10-14

parameters:
  the_count:
    type: number

resources:

  the_group:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: the_count}
      resource_def:
        type: OS::Heat::RandomString
'''

EMPTY_ENVIRONMENT = {'event_sinks': [], 'parameter_defaults': {},
                     'parameters': {},
                     'resource_registry': {'resources': {}}}

VALIDATE_RESULT = {
    'Description': 'No description',
    'Environment': EMPTY_ENVIRONMENT,
    'Parameters': {'the_count': {'Description': '', 'Label': 'the_count',
                                 'NoEcho': 'false', 'Type': 'Number'}},
}
