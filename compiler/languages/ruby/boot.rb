# Wisp's Ruby runtime, packed into every Ruby function's module at /wisp/boot.rb. Each request
# runs a fresh Ruby VM that requires this file: it loads the function (/app/{{entry}}), builds a
# Wisp::Request from the CGI/1.1 request (RFC 3875: env vars + body on stdin), calls the
# function's top-level `handle(request)` and writes the CGI response to stdout.
#
# `handle` returns a Wisp::Response, a String (text/plain), a Hash or Array (application/json),
# or a Rack-style [status, headers, body] triple. An exception becomes a 500 answer and its
# message and backtrace go to the function's log (stderr).
#
# At build time the same file runs with WISP_BUILD_CHECK=1: it compiles every .rb file and loads
# the entry, so syntax errors (and errors in top-level code) fail the build with Ruby's file:line.

module Wisp
  ENTRY = "/app/{{entry}}"

  class Request
    attr_reader :method, :path, :query_string, :query, :headers, :body, :env

    def initialize(env, body)
      @env = env
      @method = env["REQUEST_METHOD"] || "GET"
      @path = env["PATH_INFO"].to_s.empty? ? "/" : env["PATH_INFO"]
      @query_string = env["QUERY_STRING"] || ""
      @query = Wisp.decode_form(@query_string)
      @headers = {}
      env.each do |k, v|
        if k.start_with?("HTTP_")
          @headers[k[5..].downcase.tr("_", "-")] = v
        elsif k == "CONTENT_TYPE" || k == "CONTENT_LENGTH"
          @headers[k.downcase.tr("_", "-")] = v
        end
      end
      @body = body
    end

    def text
      @body.dup.force_encoding(Encoding::UTF_8)
    end

    def json
      require "json"
      @body.empty? ? nil : JSON.parse(text)
    end
  end

  class Response
    attr_accessor :status, :headers, :body

    def initialize(body = "", status: 200, headers: {})
      @status = status
      @headers = headers.transform_keys { |k| k.to_s.downcase }
      @body = body.to_s
      @headers["content-type"] ||= body.encoding == Encoding::BINARY ? "application/octet-stream" : "text/plain; charset=utf-8"
    end

    def self.json(value, status: 200, headers: {})
      require "json"
      new(JSON.generate(value), status: status, headers: { "content-type" => "application/json" }.merge(headers))
    end
  end

  def self.decode_form(qs)
    qs.split("&").each_with_object({}) do |pair, h|
      next if pair.empty?
      k, v = pair.split("=", 2)
      h[unescape(k)] = unescape(v || "")
    end
  end

  def self.unescape(s)
    s.tr("+", " ").gsub(/%[0-9A-Fa-f]{2}/) { |m| m[1, 2].hex.chr }.force_encoding(Encoding::UTF_8)
  end

  def self.to_response(result)
    case result
    when Response then result
    when Hash then Response.json(result)
    when Array
      if result.size == 3 && result[0].is_a?(Integer) && result[1].is_a?(Hash)
        status, headers, body = result
        chunks = []
        body.each { |c| chunks << c.to_s }
        body.close if body.respond_to?(:close)
        Response.new(chunks.join, status: status, headers: headers)
      else
        Response.json(result)
      end
    when String then Response.new(result)
    when nil then Response.new("", status: 204)
    else raise TypeError, "handle returned #{result.class}: expected Wisp::Response, String, Hash, Array or [status, headers, body]"
    end
  end

  def self.load_app
    $LOAD_PATH.unshift("/app")
    load ENTRY
    return if TOPLEVEL_BINDING.receiver.respond_to?(:handle, true)
    raise NoMethodError, "#{ENTRY} must define a top-level `handle(request)` method"
  end

  def self.report(e)
    $stderr.puts "#{e.class}: #{e.message}"
    (e.backtrace || []).each { |l| $stderr.puts "  from #{l}" }
  end

  def self.write_cgi(res)
    out = +"Status: #{res.status}\r\n"
    res.headers.each { |k, v| out << "#{k}: #{v.to_s.gsub(/[\r\n]/, ' ')}\r\n" }
    out << "\r\n"
    out.force_encoding(Encoding::BINARY)
    $stdout.binmode
    $stdout.write(out, res.body.b)
    $stdout.flush
  end

  def self.serve
    res =
      begin
        load_app
        $stdin.binmode
        body = $stdin.read || ""
        to_response(TOPLEVEL_BINDING.receiver.send(:handle, Request.new(ENV.to_h, body)))
      rescue Exception => e # rubocop:disable Lint/RescueException: ScriptError too (load-time SyntaxError)
        report(e)
        Response.new("Internal Server Error\n", status: 500)
      end
    write_cgi(res)
  end

  def self.check
    Dir.glob("/app/**/*.rb").sort.each { |f| RubyVM::InstructionSequence.compile_file(f) }
    load_app
  rescue Exception => e # rubocop:disable Lint/RescueException
    report(e)
    $stderr.flush
    exit!(1)
  end
end

ENV["WISP_BUILD_CHECK"] == "1" ? Wisp.check : Wisp.serve
