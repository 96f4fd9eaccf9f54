"""Neutron resource types (``OS::Neutron::*``): cloud types on the
network proxy of the stack's openstacksdk connection."""
