"""``openstack autoscaling webhook ...``"""

from osc_lib import exceptions as osc_exc
from osc_lib.command import command

from heat_autoscalingclient import client as as_client
from heat_autoscalingclient import exceptions
from heat_autoscalingclient.osc.v1 import common

LIST_FIELDS = (
    ('ID', 'id'), ('Name', 'name'), ('Enabled', 'enabled'),
    ('Created At', 'created_at'),
)


def _client(cmd):
    return cmd.app.client_manager.autoscaling


def _group_policy_args(parser):
    parser.add_argument('group', metavar='<group>',
                        help='Group of the policy (name or ID)')
    parser.add_argument('policy', metavar='<policy>',
                        help='Policy of the webhook (name or ID)')


def _find(cmd, parsed_args):
    client = _client(cmd)
    group = client.groups.find(parsed_args.group)
    policy = client.policies.find(group.id, parsed_args.policy)
    return client, group, policy


class ListWebhook(command.Lister):
    """List the webhooks of a scaling policy (their URLs are only shown
    when they are created)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_policy_args(parser)
        return parser

    def take_action(self, parsed_args):
        client, group, policy = _find(self, parsed_args)
        return common.listing(client.webhooks.list(group.id, policy.id),
                              LIST_FIELDS)


class CreateWebhook(command.ShowOne):
    """Create a webhook of a scaling policy; its URL is only shown now"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_policy_args(parser)
        parser.add_argument('--name', metavar='<name>',
                            help='Name of the webhook')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        client, group, policy = _find(self, parsed_args)
        webhook = client.webhooks.create(
            group.id, policy.id, name=parsed_args.name,
            idempotency_key=parsed_args.idempotency_key)
        return common.show(webhook)


class DeleteWebhook(command.Command):
    """Delete webhooks of a scaling policy"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        _group_policy_args(parser)
        parser.add_argument('webhooks', metavar='<webhook>', nargs='+',
                            help='Webhooks to delete (ID)')
        return parser

    def take_action(self, parsed_args):
        client, group, policy = _find(self, parsed_args)
        failures = []
        for webhook in parsed_args.webhooks:
            try:
                client.webhooks.delete(group.id, policy.id, webhook)
            except exceptions.ClientException as exc:
                failures.append('%s: %s' % (webhook, exc))
        if failures:
            raise osc_exc.CommandError(
                'Unable to delete %d of %d webhooks:\n%s' % (
                    len(failures), len(parsed_args.webhooks),
                    '\n'.join(failures)))


class ExecuteWebhook(command.ShowOne):
    """Execute a webhook by its URL (no credentials needed); shows the
    decision"""

    auth_required = False

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument('url', metavar='<url>',
                            help='The webhook URL (.../autoscaling/v1/'
                                 'webhooks/<token>)')
        parser.add_argument('--data', type=common.json_arg, metavar='<json>',
                            help='JSON details sent with the call')
        common.add_idempotency_arg(parser)
        return parser

    def take_action(self, parsed_args):
        try:
            decision = as_client.execute_webhook(
                parsed_args.url, parsed_args.data,
                idempotency_key=parsed_args.idempotency_key,
                verify=not getattr(self.app.options, 'insecure', False))
        except ValueError as exc:
            raise osc_exc.CommandError(str(exc)) from exc
        return common.show(decision)
