# Wisp's entry module for Python functions (componentize-py's APP_NAME). `{{entry}}` is replaced
# by the function's entry module at build time. Importing it here runs the author's module at
# build time (componentize-py pre-initializes), so its errors fail the build with Python's own
# file and line.
import {{entry}} as _app

if hasattr(_app, "IncomingHandler"):
    IncomingHandler = _app.IncomingHandler
elif callable(getattr(_app, "handle", None)):
    from wisp_http import handler as _handler

    IncomingHandler = _handler(_app.handle)
else:
    raise RuntimeError("{{entry}}.py must define handle(request) (see wisp_http.py) or a class IncomingHandler")
