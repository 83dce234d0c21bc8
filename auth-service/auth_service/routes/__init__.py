"""The HTTP routes, one module per tag of the OpenAPI document; shared.py
holds what they share (route modules import it, never each other)."""
