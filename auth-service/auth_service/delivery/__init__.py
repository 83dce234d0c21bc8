"""Getting events out: the outbox dispatcher, the account emails and how
they are sent, and the client of notes-service's purge."""
