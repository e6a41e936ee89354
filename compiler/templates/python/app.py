# {{name}}: a Wisp function in Python, the standard wasi:http shape (componentize-py; runs on
# Spin or wasmtime serve too). `handle(request)` gets a wisp_http.Request (method, path, query,
# headers, body, text(), json()) and returns a str, bytes, dict/list (JSON) or
# wisp_http.Response(body, status=..., headers={...}). Other .py modules next to app.py can be
# imported; only the standard library is available (vendor pure-Python packages here).
# Build: wisp build . (python3 -m pip install componentize-py==0.25.1)


def handle(request):
    name = request.query.get("name", "world")
    return f"Hello, {name} from {{name}}\n"
