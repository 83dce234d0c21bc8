"""POST /auth/leaked-tokens: Report Leaks

Tokens found in public, as GitHub's secret scanning partner program
posts them (`[{"token", "type", "url", "source"}]`), from a service
client holding scope `personal_tokens:leaks`: the live ones are revoked
and their owners told where they were found. The answer lists those only;
of the others (unknown, already revoked, expired, not ours) it says nothing.


"""

from typing import Any, TypeAlias

from notes_platform import _operation

from ...client import AuthenticatedClient
from ...models.error_detail import ErrorDetail
from ...models.http_validation_error import HTTPValidationError
from ...models.leak_feedback import LeakFeedback
from ...models.leaked_token import LeakedToken

_Parsed: TypeAlias = ErrorDetail | HTTPValidationError | list[LeakFeedback]


def _request(*, client: AuthenticatedClient, body: list[LeakedToken]) -> _operation.Request:
    headers: dict[str, Any] = {}
    _kwargs: dict[str, Any] = {}
    _kwargs["json"] = []
    for componentsschemas_leak_report_item_data in body:
        componentsschemas_leak_report_item = componentsschemas_leak_report_item_data.to_dict()
        _kwargs["json"].append(componentsschemas_leak_report_item)

    headers["Content-Type"] = "application/json"
    return _operation.request(client, "post", "/auth/leaked-tokens", headers=headers, **_kwargs)


_OPERATION = _operation.Operation[_Parsed](
    [
        ((200,), _operation.json_list(LeakFeedback.from_dict)),
        ((400, 401, 403, 415, 429, 503, 504), _operation.json(ErrorDetail.from_dict)),
        ((422,), _operation.json(HTTPValidationError.from_dict)),
    ]
)

sync_detailed, sync, asyncio_detailed, asyncio = _OPERATION.functions(_request)
