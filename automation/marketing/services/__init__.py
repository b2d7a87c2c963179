"""Writes of the marketing app, one module per concept."""
