# hello-python: a wasi:http function in Python (componentize-py). `handle` gets a
# wisp_http.Request and may return a str, bytes, dict/list (JSON) or a wisp_http.Response.
# Wisp passes the path after /fn/hello-python as the request path.


def handle(request):
    name = request.query.get("name", "world")
    return f"Hello, {name}\n"
