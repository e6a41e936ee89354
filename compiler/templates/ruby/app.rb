# {{name}}: a Wisp function in Ruby (ruby.wasm 3.4, standard library only), served CGI-style.
# `handle(request)` gets a Wisp::Request (method, path, query, headers, body, text, json) and
# returns a String, a Hash/Array (JSON), Wisp::Response.new(body, status:, headers:) or a
# Rack-style [status, headers, body]. Other .rb files next to app.rb load with require_relative.
# Build: wisp build .

def handle(request)
  name = request.query["name"] || "world"
  "Hello, #{name} from {{name}}\n"
end
