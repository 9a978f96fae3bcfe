"""crm_shared: the platform kit every CRM service is built on."""
