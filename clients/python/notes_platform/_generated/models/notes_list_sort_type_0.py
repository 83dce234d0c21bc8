from enum import StrEnum


class NotesListSortType0(StrEnum):
    CREATED_DATE = "created_date"
    TITLE = "title"
    UPDATED_DATE = "updated_date"
    VALUE_1 = "-created_date"
    VALUE_3 = "-updated_date"
    VALUE_5 = "-title"

    def __str__(self) -> str:
        return str(self.value)
