// The CGI side of a Wisp command (RFC 3875) on top of @assemblyscript/wasi-shim's `process`.

/** A request variable (REQUEST_METHOD, PATH_INFO, QUERY_STRING, HTTP_*), or "" when unset. */
export function cgiVar(name: string): string {
  const env = process.env;
  return env.has(name) ? env.get(name) : "";
}

/** The whole request body: stdin until end of file. */
export function readBody(): ArrayBuffer {
  let cap = 16384;
  let buf = new ArrayBuffer(cap);
  let len = 0;
  while (true) {
    if (len == cap) {
      cap <<= 1;
      const bigger = new ArrayBuffer(cap);
      memory.copy(changetype<usize>(bigger), changetype<usize>(buf), <usize>len);
      buf = bigger;
    }
    const n = process.stdin.read(buf, len);
    if (n <= 0) break;
    len += n;
  }
  return buf.slice(0, len);
}

/** Status line and headers, then the blank line that starts the body. */
export function writeHead(status: string, contentType: string): void {
  process.stdout.write("Status: " + status + "\r\nContent-Type: " + contentType + "\r\n\r\n");
}

/** `s` as a JSON string literal (quotes, backslashes and control characters escaped). */
export function jsonString(s: string): string {
  const HEX = "0123456789abcdef";
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c != 0x22 && c != 0x5c) continue;
    out += s.substring(start, i);
    start = i + 1;
    if (c == 0x22) out += '\\"';
    else if (c == 0x5c) out += "\\\\";
    else if (c == 0x0a) out += "\\n";
    else if (c == 0x0d) out += "\\r";
    else if (c == 0x09) out += "\\t";
    else out += "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
  }
  return out + s.substring(start) + '"';
}
