"""Writes of the automation app, one module per concept (rules, campaigns, enrollments, …)."""
