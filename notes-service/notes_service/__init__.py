"""notes-service: each user's notes, visible only to their owner."""
