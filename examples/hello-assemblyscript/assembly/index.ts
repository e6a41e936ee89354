// hello-assemblyscript: a WASI command served CGI-style (RFC 3875), like hello-c. Wisp compiles
// it with asc and @assemblyscript/wasi-shim, which turns AssemblyScript's `process` and
// `console` into WASI preview1 calls: the request arrives in process.env (QUERY_STRING, ...),
// the response goes to process.stdout as header lines, a blank line, then the body.

/** The value of `key` in a query string ('+' and %XX decoded), or "" when absent. */
function queryParam(qs: string, key: string): string {
  const pairs = qs.split("&");
  for (let i = 0; i < pairs.length; i++) {
    const pair = pairs[i];
    const eq = pair.indexOf("=");
    const k = eq < 0 ? pair : pair.substring(0, eq);
    if (k == key) return eq < 0 ? "" : decodeURIComponent(pair.substring(eq + 1).replaceAll("+", " "));
  }
  return "";
}

const env = process.env;
const qs = env.has("QUERY_STRING") ? env.get("QUERY_STRING") : "";
let name = queryParam(qs, "name");
if (name.length == 0) name = "world";

process.stdout.write("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
process.stdout.write("Hello, " + name + "\n");
