"""The OAuth 2.0 authorization server: the token endpoint and its grants,
revocation, introspection, metadata, service tokens and signing keys."""
