"""Test helpers shared by the services' suites: a real database and a token issuer."""
