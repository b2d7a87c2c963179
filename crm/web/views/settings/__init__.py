"""Settings in the app: what admins configure without /admin/ (managers look)."""
