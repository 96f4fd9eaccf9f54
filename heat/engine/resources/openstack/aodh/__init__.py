"""OS::Aodh::* resource types (alarms of the Aodh alarming service)."""
