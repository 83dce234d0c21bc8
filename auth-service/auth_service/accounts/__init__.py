"""People and their accounts: registration and changes, emailed tokens,
login throttling, sessions and security events."""
