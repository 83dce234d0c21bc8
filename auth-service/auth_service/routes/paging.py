"""The list routes' paging: `offset` and `limit` in, how many match in all
(`X-Total-Count`) out. Route modules import it, like shared.py."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query, Response

from platform_common.responses import Responses

MAX_BIGINT = 2**63 - 1
TOTAL_COUNT: Responses = {200: {"headers": {"X-Total-Count": {"schema": {"type": "integer"}}}}}
Item = TypeVar("Item")


@dataclass(frozen=True)
class Paging:
    offset: int
    limit: int
    response: Response

    def answer(self, page_and_total: tuple[Sequence[Item], int]) -> Sequence[Item]:
        """The page, its total in `X-Total-Count`."""
        page, total = page_and_total
        self.response.headers["X-Total-Count"] = str(total)
        return page


async def paging(
    response: Response,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
) -> Paging:
    return Paging(offset, limit, response)


PagingDep = Annotated[Paging, Depends(paging)]
