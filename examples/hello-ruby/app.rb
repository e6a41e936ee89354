# hello-ruby: a Ruby function (ruby.wasm 3.4), served CGI-style. `handle` gets a Wisp::Request
# and may return a String, a Hash/Array (JSON), a Wisp::Response or [status, headers, body].
# Wisp passes the path after /fn/hello-ruby as the request path.

def handle(request)
  name = request.query["name"] || "world"
  "Hello, #{name}\n"
end
