"""Problem details, body limits, request ids and security headers on a tiny app (no database)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from pydantic import BaseModel, ConfigDict, Field
from pymongo.errors import DuplicateKeyError, OperationFailure, ServerSelectionTimeoutError
from starlette.types import Message, Scope

from crm_shared.errors import (
    RESERVED_MEMBERS,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ProblemError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    Unprocessable,
    VersionConflict,
)
from crm_shared.http.middleware import RequestContextMiddleware
from crm_shared.http.problems import PROBLEM_JSON, install_problem_handlers, problem_response

SECRET = "mongodb://admin:hunter2@db.internal"
GENERATED_ID = re.compile(r"^[0-9a-f]{32}$")
SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
PROBLEMS: dict[str, type[ProblemError]] = {
    cls.__name__: cls
    for cls in (
        BadRequest,
        Unauthorized,
        Forbidden,
        NotFound,
        Conflict,
        VersionConflict,
        PayloadTooLarge,
        Unprocessable,
        TooManyRequests,
        ServiceUnavailable,
    )
}
EXPECTED_PROBLEMS = [
    ("BadRequest", 400, "bad-request"),
    ("Unauthorized", 401, "unauthorized"),
    ("Forbidden", 403, "forbidden"),
    ("NotFound", 404, "not-found"),
    ("Conflict", 409, "conflict"),
    ("VersionConflict", 409, "version-conflict"),
    ("PayloadTooLarge", 413, "payload-too-large"),
    ("Unprocessable", 422, "validation-error"),
    ("TooManyRequests", 429, "rate-limited"),
    ("ServiceUnavailable", 503, "service-unavailable"),
]


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=10)
    quantity: int = Field(ge=1)


def build_app(calls: Counter[str]) -> FastAPI:
    """The tiny app: one route per behaviour, counting how often each route ran."""
    app = FastAPI()
    install_problem_handlers(app)
    app.add_middleware(RequestContextMiddleware, default_limit=1024, limits={"/big": 4096})

    @app.get("/ok")
    async def ok() -> dict[str, bool]:
        return {"ok": True}

    @app.get("/problem/{name}")
    async def problem(name: str) -> None:
        raise PROBLEMS[name](f"{name} detail", lead_id="lead_1")

    @app.post("/items")
    async def create_item(item: Item) -> Item:
        calls["items"] += 1
        return item

    @app.post("/upload")
    async def upload(request: Request) -> dict[str, int]:
        calls["upload"] += 1
        body = await request.body()
        calls["upload-read"] += 1
        return {"size": len(body)}

    @app.post("/big/upload")
    async def big_upload(request: Request) -> dict[str, int]:
        calls["big"] += 1
        return {"size": len(await request.body())}

    @app.get("/crash")
    async def crash() -> None:
        raise RuntimeError(f"cannot reach {SECRET}")

    @app.get("/mongo-down")
    async def mongo_down() -> None:
        raise ServerSelectionTimeoutError(f"{SECRET}: connection refused")

    @app.get("/duplicate")
    async def duplicate() -> None:
        raise DuplicateKeyError(f"E11000 duplicate key {SECRET}")

    @app.get("/mongo-failure")
    async def mongo_failure() -> None:
        raise OperationFailure(f"command failed on {SECRET}")

    return app


@pytest.fixture
def calls() -> Counter[str]:
    return Counter()


@pytest.fixture
async def client(calls: Counter[str]) -> AsyncIterator[httpx.AsyncClient]:
    # Starlette re-raises unhandled errors after sending the 500; keep them out of the test.
    transport = httpx.ASGITransport(build_app(calls), raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


def _assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body: dict[str, Any] = response.json()
    assert body["type"] == f"/problems/{slug}"
    assert body["status"] == status
    assert isinstance(body["title"], str)
    assert body["title"]
    assert isinstance(body["detail"], str)
    return body


async def _chunks(total: int, size: int = 256) -> AsyncIterator[bytes]:
    sent = 0
    while sent < total:
        chunk = b"x" * min(size, total - sent)
        sent += len(chunk)
        yield chunk


# --------------------------------------------------------------------------- problem errors


@pytest.mark.parametrize(("name", "status", "slug"), EXPECTED_PROBLEMS)
async def test_problem_errors_map_to_their_status_and_type(
    client: httpx.AsyncClient, name: str, status: int, slug: str
) -> None:
    response = await client.get(f"/problem/{name}")
    body = _assert_problem(response, status, slug)
    assert body["title"] == PROBLEMS[name].title
    assert body["detail"] == f"{name} detail"
    assert body["instance"] == f"/problem/{name}"
    assert body["lead_id"] == "lead_1"
    assert GENERATED_ID.match(body["request_id"])
    assert body["request_id"] == response.headers["x-request-id"]
    if status in (429, 503):
        assert int(response.headers["retry-after"]) >= 1
    else:
        assert "retry-after" not in response.headers


def test_every_problem_error_is_covered() -> None:
    def subclasses(cls: type[ProblemError]) -> set[type[ProblemError]]:
        found = set(cls.__subclasses__())
        for sub in list(found):
            found |= subclasses(sub)
        return found

    errors_module = {c for c in subclasses(ProblemError) if c.__module__ == "crm_shared.errors"}
    assert errors_module <= set(PROBLEMS.values())


@pytest.mark.parametrize("member", sorted(RESERVED_MEMBERS))
@pytest.mark.parametrize("cls", list(PROBLEMS.values()), ids=list(PROBLEMS))
def test_extension_members_cannot_take_standard_names(cls: type[ProblemError], member: str) -> None:
    # Once, ``Conflict("...", status="open")`` clashed with problem_response's own ``status``
    # argument when the error was answered, and the client got a 500.
    with pytest.raises(TypeError, match=rf"{cls.__name__}\(\) extension member\(s\) {member} "):
        cls("detail", **{member: "x"})


def test_every_clashing_name_is_listed() -> None:
    with pytest.raises(TypeError, match="detail, status, type would replace"):
        Conflict("x", type="t", status="open", detail="d", existing_id="lead_1")


def test_other_extension_members_are_kept() -> None:
    error = Conflict("x", current_status="open", existing_id="lead_1")
    assert error.extra == {"current_status": "open", "existing_id": "lead_1"}


def test_problem_response_extras_never_replace_standard_members() -> None:
    response = problem_response(409, "conflict", "Conflict", "d", type="/evil", errors=[])
    body = json.loads(bytes(response.body))
    assert body == {
        "type": "/problems/conflict",
        "title": "Conflict",
        "status": 409,
        "detail": "d",
        "errors": [],
    }


async def test_service_unavailable_says_when_to_retry(client: httpx.AsyncClient) -> None:
    response = await client.get("/problem/ServiceUnavailable")
    assert response.headers["retry-after"] == "5"


# --------------------------------------------------------------------------- validation


async def test_request_validation_is_422_with_field_errors(
    client: httpx.AsyncClient, calls: Counter[str]
) -> None:
    response = await client.post("/items", json={"name": "", "quantity": 0, "admin": True})
    body = _assert_problem(response, 422, "validation-error")
    errors = body["errors"]
    assert isinstance(errors, list)
    assert len(errors) == 3
    assert body["detail"] == "3 field(s) failed validation"
    by_field = {e["field"]: e for e in errors}
    assert set(by_field) == {"name", "quantity", "admin"}
    assert by_field["name"]["location"] == ["body", "name"]
    assert by_field["name"]["code"] == "string_too_short"
    assert by_field["quantity"]["code"] == "greater_than_equal"
    assert by_field["admin"]["code"] == "extra_forbidden"
    assert all(isinstance(e["message"], str) and e["message"] for e in errors)
    assert calls["items"] == 0


async def test_missing_body_is_422(client: httpx.AsyncClient) -> None:
    body = _assert_problem(await client.post("/items"), 422, "validation-error")
    assert body["errors"][0]["code"] == "missing"


async def test_validation_errors_do_not_echo_the_input(client: httpx.AsyncClient) -> None:
    response = await client.post("/items", json={"name": "x" * 11, "quantity": SECRET})
    _assert_problem(response, 422, "validation-error")
    assert "hunter2" not in response.text


@pytest.mark.parametrize(
    "content", [b'{"name": "a", ', b"not json", b'{"name": "a"} trailing', b"\xff\xfe"]
)
async def test_malformed_json_is_400(
    client: httpx.AsyncClient, calls: Counter[str], content: bytes
) -> None:
    response = await client.post(
        "/items", content=content, headers={"content-type": "application/json"}
    )
    body = _assert_problem(response, 400, "malformed-json")
    assert body["instance"] == "/items"
    assert calls["items"] == 0


# --------------------------------------------------------------------------- routing errors


async def test_unknown_route_is_a_404_problem(client: httpx.AsyncClient) -> None:
    body = _assert_problem(await client.get("/no/such/route"), 404, "not-found")
    assert body["instance"] == "/no/such/route"


async def test_wrong_method_is_a_405_problem(client: httpx.AsyncClient) -> None:
    response = await client.delete("/items")
    _assert_problem(response, 405, "method-not-allowed")
    assert response.headers["allow"] == "POST"


# --------------------------------------------------------------------------- server errors


async def test_unhandled_exception_is_a_500_problem_without_details(
    client: httpx.AsyncClient,
) -> None:
    response = await client.get("/crash")
    body = _assert_problem(response, 500, "internal-error")
    assert body["instance"] == "/crash"
    for leak in ("Traceback", "RuntimeError", "hunter2", "crash()", 'File "'):
        assert leak not in response.text


async def test_unknown_pymongo_error_is_a_500_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/mongo-failure")
    _assert_problem(response, 500, "internal-error")
    assert "hunter2" not in response.text
    assert GENERATED_ID.match(response.headers["x-request-id"])


async def test_database_unavailable_is_503_with_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.get("/mongo-down")
    body = _assert_problem(response, 503, "service-unavailable")
    assert response.headers["retry-after"] == "5"
    assert body["instance"] == "/mongo-down"
    assert "hunter2" not in response.text


async def test_duplicate_key_is_409(client: httpx.AsyncClient) -> None:
    response = await client.get("/duplicate")
    _assert_problem(response, 409, "conflict")
    assert "hunter2" not in response.text


async def test_unhandled_exception_keeps_the_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/crash", headers={"X-Request-ID": "req-500"})
    assert response.status_code == 500
    assert response.headers.get("x-request-id") == "req-500"
    assert response.json().get("request_id") == "req-500"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value


# --------------------------------------------------------------------------- body limits


async def test_content_length_above_the_limit_is_413_before_the_route_runs(
    client: httpx.AsyncClient, calls: Counter[str]
) -> None:
    response = await client.post("/upload", content=b"x" * 1025)
    body = _assert_problem(response, 413, "payload-too-large")
    assert body["detail"] == "the body may be at most 1024 bytes"
    assert body["instance"] == "/upload"
    assert calls["upload"] == 0


async def test_pydantic_route_with_a_too_large_body_never_runs(
    client: httpx.AsyncClient, calls: Counter[str]
) -> None:
    response = await client.post("/items", json={"name": "a", "quantity": 1, "pad": "x" * 2000})
    _assert_problem(response, 413, "payload-too-large")
    assert calls["items"] == 0


async def test_body_at_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=b"x" * 1024)
    assert response.status_code == 200
    assert response.json() == {"size": 1024}


@pytest.mark.parametrize("declared", [b"abc", b"-1", b"1e9", b"99999999999999999999"])
async def test_bad_or_huge_content_length_is_413(calls: Counter[str], declared: bytes) -> None:
    """Raw ASGI, since HTTP clients refuse to send such a Content-Length."""
    app = build_app(calls)
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/upload",
        "raw_path": b"/upload",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"content-length", declared)],
        "server": ("test", 80),
        "client": ("127.0.0.1", 1234),
    }
    await app(scope, receive, send)
    assert sent[0]["type"] == "http.response.start"
    assert sent[0]["status"] == 413
    assert calls["upload"] == 0


async def test_streamed_body_above_the_limit_is_413(
    client: httpx.AsyncClient, calls: Counter[str]
) -> None:
    response = await client.post("/upload", content=_chunks(1500))
    _assert_problem(response, 413, "payload-too-large")
    assert calls["upload-read"] == 0
    assert GENERATED_ID.match(response.headers["x-request-id"])


async def test_streamed_json_above_the_limit_is_413(
    client: httpx.AsyncClient, calls: Counter[str]
) -> None:
    async def json_chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "a", "quantity": 1, "pad": "'
        async for chunk in _chunks(2000):
            yield chunk
        yield b'"}'

    response = await client.post(
        "/items", content=json_chunks(), headers={"content-type": "application/json"}
    )
    _assert_problem(response, 413, "payload-too-large")
    assert calls["items"] == 0


async def test_streamed_body_under_the_limit_is_accepted(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=_chunks(1000))
    assert response.status_code == 200
    assert response.json() == {"size": 1000}


async def test_per_path_limit_allows_larger_bodies(client: httpx.AsyncClient) -> None:
    response = await client.post("/big/upload", content=b"x" * 3000)
    assert response.status_code == 200
    assert response.json() == {"size": 3000}
    streamed = await client.post("/big/upload", content=_chunks(4096))
    assert streamed.status_code == 200


async def test_per_path_limit_still_caps(client: httpx.AsyncClient, calls: Counter[str]) -> None:
    response = await client.post("/big/upload", content=b"x" * 4097)
    body = _assert_problem(response, 413, "payload-too-large")
    assert body["detail"] == "the body may be at most 4096 bytes"
    assert calls["big"] == 0
    streamed = await client.post("/big/upload", content=_chunks(5000))
    _assert_problem(streamed, 413, "payload-too-large")


async def test_per_path_limit_does_not_apply_elsewhere(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=b"x" * 3000)
    _assert_problem(response, 413, "payload-too-large")


async def test_early_413_has_the_request_id_and_security_headers(
    client: httpx.AsyncClient,
) -> None:
    response = await client.post(
        "/upload", content=b"x" * 2000, headers={"X-Request-ID": "req-413"}
    )
    assert response.status_code == 413
    assert response.headers.get("x-request-id") == "req-413"
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value


# --------------------------------------------------------------------------- request id


@pytest.mark.parametrize(
    "request_id",
    ["abc", "req-123", "0123456789abcdef", "trace.id:part_2-x", "x" * 128],
)
async def test_valid_request_id_is_echoed(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/ok", headers={"X-Request-ID": request_id})
    assert response.status_code == 200
    assert response.headers["x-request-id"] == request_id
    problem = await client.get("/problem/NotFound", headers={"X-Request-ID": request_id})
    assert problem.headers["x-request-id"] == request_id
    assert problem.json()["request_id"] == request_id


@pytest.mark.parametrize(
    "request_id",
    [
        pytest.param("has spaces in it", id="spaces"),
        pytest.param("x" * 500, id="500-chars"),
        pytest.param("x" * 129, id="129-chars"),
        pytest.param("", id="empty"),
        pytest.param("<script>", id="markup"),
        pytest.param("a/b", id="slash"),
        pytest.param("caf\u00e9", id="non-ascii"),
    ],
)
async def test_invalid_request_id_is_replaced(client: httpx.AsyncClient, request_id: str) -> None:
    response = await client.get("/ok", headers={b"X-Request-ID": request_id.encode()})
    assert response.status_code == 200
    replaced = response.headers["x-request-id"]
    assert replaced != request_id
    assert GENERATED_ID.match(replaced)


async def test_missing_request_id_is_generated_and_unique(client: httpx.AsyncClient) -> None:
    first = (await client.get("/ok")).headers["x-request-id"]
    second = (await client.get("/ok")).headers["x-request-id"]
    assert GENERATED_ID.match(first)
    assert GENERATED_ID.match(second)
    assert first != second


async def test_problem_body_carries_the_generated_request_id(client: httpx.AsyncClient) -> None:
    response = await client.get("/problem/Forbidden")
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_request_id_with_a_trailing_newline_is_replaced(client: httpx.AsyncClient) -> None:
    response = await client.get("/ok", headers={b"X-Request-ID": b"abc\n"})
    assert GENERATED_ID.match(response.headers["x-request-id"])


# --------------------------------------------------------------------------- security headers


@pytest.mark.parametrize("path", ["/ok", "/problem/BadRequest", "/no/such/route"])
async def test_security_headers_are_present(client: httpx.AsyncClient, path: str) -> None:
    response = await client.get(path)
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
    assert len(response.headers.get_list("x-request-id")) == 1


async def test_security_headers_on_streamed_413(client: httpx.AsyncClient) -> None:
    response = await client.post("/upload", content=_chunks(2000))
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name
