"""AWS::EC2::* resource types (built on the cloud's Nova and Neutron)."""
