"""Security plumbing: the client's address, sign-in limits, idempotency, the audit log."""
