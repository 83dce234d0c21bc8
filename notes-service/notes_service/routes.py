import uuid
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import (
    APIRouter,
    Body,
    Depends,
    Header,
    HTTPException,
    Path,
    Query,
    Request,
    Response,
    status,
)
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import TypeAdapter

from notes_service import listing, service
from notes_service.bulkhead import RETRY_AFTER_SECONDS
from notes_service.conditional import etag, none_match, parse_if_match
from notes_service.cursors import (
    CURSOR_PATTERN,
    MAX_CURSOR_LENGTH,
    Cursor,
    InvalidCursor,
    Order,
    Sort,
    decode_cursor,
    search_digest,
)
from notes_service.deps import DatabaseDep, PurgeClaims, ReaderId, WriterId
from notes_service.lean_route import lean_get
from notes_service.listing import ListQuery, Page
from notes_service.repository import Database, Row, StoredAnswer
from notes_service.schemas import (
    CANONICAL_UUID,
    MAX_BIGINT,
    NO_NUL,
    BigSerial,
    CanonicalUuid,
    NotePatch,
    NoteRead,
    NoteWrite,
    PurgeResult,
)
from platform_common.responses import (
    INSUFFICIENT_SCOPE,
    MALFORMED_BODY,
    UNAUTHORIZED,
    ErrorDetail,
    Responses,
    header_doc,
)

NoteId = Annotated[BigSerial, Path()]
UserId = Annotated[CanonicalUuid, Path(json_schema_extra={"pattern": CANONICAL_UUID})]
NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorDetail, "description": "Note not found (or not yours)"}
}
ETAG_HEADER = {"ETag": header_doc("The note's strong entity tag")}
PRECONDITION_FAILED: dict[int | str, dict[str, Any]] = {
    412: {
        "model": ErrorDetail,
        "description": "If-Match names another version of the note: nothing was changed",
    }
}
IF_MATCH_DESCRIPTION = (
    "Write only if the note's current ETag is one of these (or `*`: any existing note);"
    " otherwise 412 and nothing changes. Without it the write is unconditional."
)
IfMatchHeader = Annotated[
    str | None, Header(alias="If-Match", max_length=1024, description=IF_MATCH_DESCRIPTION)
]
IdempotencyKeyHeader = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=255,
        # Visible ASCII, inner spaces allowed.
        pattern=r"^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$",
        description=(
            "Makes a retried POST safe: the same key with the same body within"
            " NOTES_IDEMPOTENCY_TTL_SECONDS (24 h) replays the first answer"
            " (`Idempotent-Replayed: true`) instead of creating another note."
            " Keys are per user."
        ),
    ),
]
MERGE_PATCH = "application/merge-patch+json"
PATCH_MEDIA_TYPES = frozenset({MERGE_PATCH, "application/json"})

router = APIRouter(
    prefix="/notes", tags=["notes"], responses={**UNAUTHORIZED, **INSUFFICIENT_SCOPE}
)
internal_router = APIRouter(prefix="/internal", tags=["internal"])


# Responses are validated against the documented schema (NoteRead) and
# serialised by pydantic's core in one step each, instead of FastAPI's
# response_model path (validate, dump to Python, then encode with json):
# the routes return a Response, so FastAPI does not do it a second time.
_NOTE = TypeAdapter(NoteRead)
_NOTES = TypeAdapter(list[NoteRead])
JSON = "application/json"


def _etag(row: Row) -> str:
    return etag(row["id"], row["version"])


def _note_response(row: Row, status_code: int = 200) -> Response:
    body = _NOTE.dump_json(_NOTE.validate_python(dict(row)))
    return Response(body, status_code=status_code, media_type=JSON, headers={"ETag": _etag(row)})


def _created(row: Row) -> StoredAnswer:
    """The answer to a keyed POST, stored to be replayed to its retries."""
    body = _NOTE.validate_python(dict(row)).model_dump(mode="json")
    return StoredAnswer(status.HTTP_201_CREATED, body, _etag(row))


# Declared first: routes are matched in order, and this is the most requested.
# A LeanRoute: its parameters and token check solved without FastAPI's
# generic machinery (notes_service.lean_route), the answers the same.
@lean_get(
    router,
    "/{note_id}",
    operation_id="notes-read",
    response_model=NoteRead,
    responses={
        **NOT_FOUND,
        200: {"headers": ETAG_HEADER},
        304: {"description": "If-None-Match matches: not modified", "headers": ETAG_HEADER},
    },
)
async def read_note(
    request: Request,
    note_id: NoteId,
    user_id: ReaderId,
    if_none_match: Annotated[
        str | None,
        Header(
            alias="If-None-Match",
            max_length=1024,
            description="ETags the client holds: 304 without a body when one is current",
        ),
    ] = None,
) -> Any:
    # The database from the app's state, not `DatabaseDep`: on the most requested
    # route a sub-dependency less is ~7% of the app's CPU per read in process
    # (FastAPI solves each one with four parameter passes and a cache key;
    # bench/README.md, "notes-service per read").
    db: Database = request.app.state.database
    row = await service.get_note(db, owner_id=user_id, note_id=note_id)
    if none_match(if_none_match, row["id"], row["version"]):
        return Response(status_code=304, headers={"ETag": _etag(row)})
    return _note_response(row)


@router.post(
    "",
    operation_id="notes-create",
    status_code=status.HTTP_201_CREATED,
    response_model=NoteRead,
    responses={
        **MALFORMED_BODY,
        201: {
            "headers": {
                **ETAG_HEADER,
                "Location": header_doc("The new note's path, `/notes/{id}`"),
                "Idempotent-Replayed": header_doc(
                    "`true` when this is the stored answer to an earlier"
                    " request with the same Idempotency-Key",
                    enum=["true"],
                ),
            }
        },
        409: {
            "model": ErrorDetail,
            "description": "A request with this Idempotency-Key is still being processed",
        },
        422: {
            "description": "Invalid body or Idempotency-Key, or the key was used with another body"
        },
    },
)
async def create_note(
    request: Request,
    data: NoteWrite,
    db: DatabaseDep,
    user_id: WriterId,
    idempotency_key: IdempotencyKeyHeader = None,
) -> Any:
    if idempotency_key is None:
        row = await service.create_note(db, owner_id=user_id, data=data)
        response = _note_response(row, status.HTTP_201_CREATED)
        response.headers["Location"] = _location(request, row["id"])
        return response
    answer, replayed = await service.create_note_once(
        db,
        owner_id=user_id,
        data=data,
        key=idempotency_key,
        ttl_seconds=request.app.state.settings.idempotency_ttl_seconds,
        answer=_created,
    )
    headers = {"ETag": answer.etag, "Location": _location(request, answer.body["id"])}
    if replayed:
        headers["Idempotent-Replayed"] = "true"
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


def _location(request: Request, note_id: int) -> str:
    """The new note's path: the same through the gateway, so no host is named."""
    return str(request.app.url_path_for("read_note", note_id=str(note_id)))


def _invalid(parameter: str, message: str, value: str | None) -> RequestValidationError:
    error = {"type": "value_error", "loc": ("query", parameter), "msg": message, "input": value}
    return RequestValidationError([error])


# `async def`, like every dependency here: FastAPI runs a plain `def` one in
# a thread pool, a hop per request (bench/README.md).
async def _list_query(
    request: Request,
    user_id: ReaderId,
    offset: Annotated[int, Query(ge=0, le=MAX_BIGINT)] = 0,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    cursor: Annotated[
        str | None,
        Query(
            max_length=MAX_CURSOR_LENGTH,
            pattern=CURSOR_PATTERN,
            description="Where to continue: taken from a `Link` header, opaque. Not with `offset`.",
        ),
    ] = None,
    q: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=200,
            pattern=NO_NUL,
            description="Full-text search over title and description (web search"
            ' syntax: words, "a phrase", or, -word). Best match first unless `sort`'
            " is given.",
        ),
    ] = None,
    sort: Annotated[
        Sort | None,
        Query(description="Order by this field, `-` for descending; ties by id."),
    ] = None,
) -> ListQuery:
    order: Order = sort or ("rank" if q is not None else "id")
    decoded: Cursor | None = None
    if cursor is not None:
        if "offset" in request.query_params:
            raise _invalid("cursor", "cursor and offset cannot be combined", cursor)
        try:
            decoded = decode_cursor(cursor, order=order, search=search_digest(q))
        except InvalidCursor:
            raise _invalid("cursor", "not a cursor of this listing (sort and q)", cursor) from None
    return ListQuery(owner_id=user_id, limit=limit, offset=offset, q=q, order=order, cursor=decoded)


def _link(request: Request, page: Page) -> str:
    links = []
    for rel, cursor in (("next", page.next), ("prev", page.prev)):
        if cursor is None:
            continue
        given = request.query_params
        params = {k: given[k] for k in ("limit", "q", "sort") if k in given}
        params["cursor"] = cursor.encode()
        query = "&".join(f"{k}={quote(v, safe='')}" for k, v in params.items())
        # Relative to the request's own URL (RFC 8288 §3.1): right behind the gateway too.
        links.append(f'<{request.url.path}?{query}>; rel="{rel}"')
    return ", ".join(links)


@router.get(
    "",
    operation_id="notes-list",
    response_model=list[NoteRead],
    responses={
        200: {
            "headers": {
                "X-Total-Count": header_doc(
                    "Notes matching the filter; sent when paging by offset", "integer"
                ),
                "Link": header_doc(
                    'RFC 8288 links to the pages around this one: rel="next", rel="prev"'
                ),
            }
        },
        422: {
            "description": "Invalid parameters, a cursor of another listing, or cursor with offset"
        },
        503: {
            "model": ErrorDetail,
            "description": "Not answered now, try again after Retry-After: a search (`q`)"
            " found too many others running (nothing was searched)",
            "headers": {
                "Retry-After": header_doc(
                    f"Seconds to wait before trying again ({RETRY_AFTER_SECONDS} for a search)",
                    "integer",
                )
            },
        },
    },
)
async def list_notes(
    request: Request,
    db: DatabaseDep,
    query: Annotated[ListQuery, Depends(_list_query)],
) -> Response:
    if query.q is None:
        page = await listing.list_notes(db, query)
    else:
        # Searches take a slot of the bulkhead first (notes_service.bulkhead).
        async with request.app.state.search_bulkhead.slot():
            page = await listing.list_notes(db, query)
    headers = {}
    if page.total is not None:
        headers["X-Total-Count"] = str(page.total)
    link = _link(request, page)
    if link:
        headers["Link"] = link
    body = _NOTES.dump_json(_NOTES.validate_python([dict(row) for row in page.notes]))
    return Response(body, media_type=JSON, headers=headers)


# What a write to one note may answer (PUT, and PATCH with its own 415).
_UPDATED: Responses = {
    **NOT_FOUND,
    **MALFORMED_BODY,
    **PRECONDITION_FAILED,
    200: {"headers": ETAG_HEADER},
}


@router.put(
    "/{note_id}",
    operation_id="notes-replace",
    response_model=NoteRead,
    responses=_UPDATED,
)
async def replace_note(
    note_id: NoteId,
    data: NoteWrite,
    db: DatabaseDep,
    user_id: WriterId,
    if_match: IfMatchHeader = None,
) -> Response:
    return await _update(db, user_id, note_id, data.model_dump(), if_match)


async def _merge_patch_media_type(
    content_type: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> None:
    media_type = (content_type or "").partition(";")[0].strip().lower()
    if media_type not in PATCH_MEDIA_TYPES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"Send a JSON Merge Patch ({MERGE_PATCH}, or application/json)",
            headers={"Accept-Patch": f"{MERGE_PATCH}, application/json"},
        )


@router.patch(
    "/{note_id}",
    operation_id="notes-patch",
    response_model=NoteRead,
    dependencies=[Depends(_merge_patch_media_type)],
    responses={
        **_UPDATED,
        415: {"model": ErrorDetail, "description": "The body is not a JSON Merge Patch"},
    },
    openapi_extra={
        "requestBody": {
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/NotePatch"}}}
        }
    },
)
async def patch_note(
    note_id: NoteId,
    data: Annotated[NotePatch, Body(media_type=MERGE_PATCH)],
    db: DatabaseDep,
    user_id: WriterId,
    if_match: IfMatchHeader = None,
) -> Response:
    """JSON Merge Patch (RFC 7396): the fields given replace the note's; `null` is refused."""
    return await _update(db, user_id, note_id, data.model_dump(exclude_unset=True), if_match)


async def _update(
    db: Database, user_id: uuid.UUID, note_id: int, changes: dict[str, Any], if_match: str | None
) -> Response:
    """What PUT and PATCH do with their changes: the note as it now is."""
    row = await service.update_note(
        db,
        owner_id=user_id,
        note_id=note_id,
        changes=changes,
        if_match=parse_if_match(if_match, note_id),
    )
    return _note_response(row)


@router.delete(
    "/{note_id}",
    operation_id="notes-delete",
    response_model=NoteRead,
    responses={**NOT_FOUND, **PRECONDITION_FAILED, 200: {"headers": ETAG_HEADER}},
)
async def delete_note(
    note_id: NoteId,
    db: DatabaseDep,
    user_id: WriterId,
    if_match: IfMatchHeader = None,
) -> Response:
    row = await service.delete_note(
        db, owner_id=user_id, note_id=note_id, if_match=parse_if_match(if_match, note_id)
    )
    return _note_response(row)


@internal_router.delete("/users/{user_id}/notes", operation_id="internal-user-notes-purge")
async def purge_user_notes(user_id: UserId, db: DatabaseDep, _claims: PurgeClaims) -> PurgeResult:
    """Called by auth-service's outbox when an account is deleted; idempotent."""
    deleted = await service.purge_user_notes(db, owner_id=user_id)
    return PurgeResult(deleted=deleted)
