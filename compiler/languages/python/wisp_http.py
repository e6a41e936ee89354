"""Wisp's Python helper: a wasi:http handler as one plain function.

    from wisp_http import Response

    def handle(request):
        return f"Hello, {request.query.get('name', 'world')}\\n"

`handle(request)` receives a `Request` and returns a `Response`, a `str` (text/plain), `bytes`
(application/octet-stream), or a `dict`/`list` (application/json). An exception becomes a 500
answer and its traceback goes to the function's log.

The component is the standard `wasi:http/incoming-handler` shape (built by componentize-py), so
the same app also runs on Spin or `wasmtime serve`. An app that defines `class
IncomingHandler(exports.IncomingHandler)` itself is used as is, without this helper.
"""

import json as _json
import sys
import traceback
from typing import Any, Callable, Dict, List, Optional, Tuple, Union
from urllib.parse import parse_qsl, urlsplit

from componentize_py_types import Err, Ok
from wit_world import exports
from wit_world.imports.streams import StreamError_Closed
from wit_world.imports.types import (
    Fields,
    IncomingBody,
    IncomingRequest,
    Method_Other,
    OutgoingBody,
    OutgoingResponse,
    ResponseOutparam,
)

__all__ = ["Request", "Response", "handler"]

_CHUNK = 4096  # wasi:io output-stream: at most 4096 bytes per blocking-write-and-flush


class Request:
    """An incoming HTTP request, read completely."""

    def __init__(self, method: str, path_with_query: str, headers: List[Tuple[str, bytes]], body: bytes):
        self.method = method
        parts = urlsplit(path_with_query)
        #: The path without the query string, e.g. "/items/1".
        self.path = parts.path or "/"
        #: The raw query string (no leading "?").
        self.query_string = parts.query
        #: Query parameters (the last value of a repeated name wins).
        self.query: Dict[str, str] = dict(parse_qsl(parts.query, keep_blank_values=True))
        #: Header names are lower case; repeated headers are joined with ", ".
        self.headers: Dict[str, str] = {}
        for name, value in headers:
            text = value.decode("latin-1")
            self.headers[name] = f"{self.headers[name]}, {text}" if name in self.headers else text
        self.body = body

    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        return _json.loads(self.body) if self.body else None


class Response:
    """An HTTP response: body is str (UTF-8), bytes, or None."""

    def __init__(self, body: Union[str, bytes, None] = b"", status: int = 200, headers: Optional[Dict[str, str]] = None):
        self.status = status
        self.headers = dict(headers or {})
        if isinstance(body, str):
            self.headers.setdefault("content-type", "text/plain; charset=utf-8")
            body = body.encode("utf-8")
        self.body = body or b""

    @classmethod
    def json(cls, value: Any, status: int = 200, headers: Optional[Dict[str, str]] = None) -> "Response":
        h = {"content-type": "application/json"}
        h.update(headers or {})
        return cls(_json.dumps(value).encode("utf-8"), status, h)


def _to_response(result: Any) -> Response:
    if isinstance(result, Response):
        return result
    if isinstance(result, (dict, list)):
        return Response.json(result)
    if isinstance(result, (bytes, bytearray)):
        return Response(bytes(result), headers={"content-type": "application/octet-stream"})
    if isinstance(result, str):
        return Response(result)
    if result is None:
        return Response(b"", status=204)
    raise TypeError(f"handle() returned {type(result).__name__}: expected Response, str, bytes, dict or list")


def _method(request: IncomingRequest) -> str:
    m = request.method()
    if isinstance(m, Method_Other):
        return m.value
    return type(m).__name__[len("Method_"):].upper()


def _read_body(request: IncomingRequest) -> bytes:
    body = request.consume()
    stream = body.stream()
    chunks = []
    while True:
        try:
            chunk = stream.blocking_read(65536)
        except Err as e:
            if isinstance(e.value, StreamError_Closed):
                break
            raise
        chunks.append(chunk)
    stream.__exit__(None, None, None)
    IncomingBody.finish(body)
    return b"".join(chunks)


def _send(response: Response, response_out: ResponseOutparam) -> None:
    fields = Fields.from_list([(k.lower(), str(v).encode("latin-1")) for k, v in response.headers.items()])
    out = OutgoingResponse(fields)
    out.set_status_code(response.status)
    body = out.body()
    ResponseOutparam.set(response_out, Ok(out))
    stream = body.write()
    data = response.body
    for i in range(0, len(data), _CHUNK):
        stream.blocking_write_and_flush(data[i : i + _CHUNK])
    stream.__exit__(None, None, None)
    OutgoingBody.finish(body, None)


def handler(fn: Callable[[Request], Any]) -> type:
    """Turn `fn(request) -> response` into the `IncomingHandler` class componentize-py exports."""

    class IncomingHandler(exports.IncomingHandler):
        def handle(self, request: IncomingRequest, response_out: ResponseOutparam) -> None:
            try:
                req = Request(_method(request), request.path_with_query() or "/", request.headers().entries(), _read_body(request))
                response = _to_response(fn(req))
            except Exception:
                traceback.print_exc(file=sys.stderr)
                response = Response("Internal Server Error\n", status=500)
            _send(response, response_out)

    return IncomingHandler
