"""The `crm` dev stack: run the CRM platform locally on embedded servers."""
