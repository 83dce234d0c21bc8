"""Pieces every service of the notes platform needs in exactly the same way."""
