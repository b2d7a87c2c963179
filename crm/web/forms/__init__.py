"""Browser forms. They validate input; saving always goes through `crm.services`."""
