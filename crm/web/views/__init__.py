"""Browser views, one module per concept."""
