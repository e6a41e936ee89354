# echo-ruby: JSON echo. POST a JSON body; the answer is application/json
# {"method","path","body":<parsed body>} (body null when empty, 400 when not JSON).
require "json"

def handle(request)
  body = request.json
  { "method" => request.method, "path" => request.path, "body" => body }
rescue JSON::ParserError => e
  Wisp::Response.json({ "error" => "invalid JSON: #{e.message}" }, status: 400)
end
