from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

# Postgres text cannot hold NUL, so it is refused here rather than by the driver.
NoteText = Annotated[str, Field(min_length=3, max_length=50, pattern=r"^[^\x00]*$")]


class NoteWrite(BaseModel):
    """Body of POST and PUT (PUT replaces the whole note). Unknown fields are ignored."""

    title: NoteText
    description: NoteText


class NoteRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    title: str
    description: str
    created_date: datetime
    updated_date: datetime


class PurgeResult(BaseModel):
    deleted: int
