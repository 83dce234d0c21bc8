from enum import StrEnum


class PersonalTokenCreateScopesItem(StrEnum):
    NOTES = "notes"
    NOTESREAD = "notes:read"
    NOTESWRITE = "notes:write"

    def __str__(self) -> str:
        return str(self.value)
