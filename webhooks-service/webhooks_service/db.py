from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

from platform_common.database import NAMING_CONVENTION

SCHEMA = "webhooks"


class Base(DeclarativeBase):
    metadata = MetaData(schema=SCHEMA, naming_convention=NAMING_CONVENTION)
