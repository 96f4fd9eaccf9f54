"""Small builders shared by the database tests."""

from heat.db import api as db_api

PROJECT = 'project-a'
OTHER_PROJECT = 'project-b'


def template(**extra):
    tmpl = {'heat_template_version': '2018-08-31', 'resources': {}}
    tmpl.update(extra)
    return tmpl


def create_raw_template(files=None, **values):
    values.setdefault('template', template())
    if files is not None:
        values['files'] = files
    return db_api.raw_template_create(None, values)


def create_stack(name='stack', project=PROJECT, **values):
    if 'raw_template_id' not in values:
        values['raw_template_id'] = create_raw_template().id
    values.update(name=name, tenant=project)
    values.setdefault('action', 'CREATE')
    values.setdefault('status', 'IN_PROGRESS')
    return db_api.stack_create(None, values)


def create_resource(stack, name='res', **values):
    values.update(name=name, stack_id=stack.id)
    values.setdefault('root_stack_id', stack.id)
    values.setdefault('action', 'INIT')
    values.setdefault('status', 'COMPLETE')
    return db_api.resource_create(None, values)
