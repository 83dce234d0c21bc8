from enum import StrEnum


class EndpointUpdateEventTypesItem(StrEnum):
    NOTE_CREATED = "note.created"
    NOTE_DELETED = "note.deleted"
    NOTE_UPDATED = "note.updated"

    def __str__(self) -> str:
        return str(self.value)
