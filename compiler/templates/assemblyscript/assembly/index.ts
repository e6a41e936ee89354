// @ts-nocheck: AssemblyScript (i32, usize, process.env as a Map), not TypeScript.
// {{name}}: a Wisp function in AssemblyScript, served CGI-style (RFC 3875). Wisp compiles it
// with asc and @assemblyscript/wasi-shim, so `process` is WASI: the request arrives in
// process.env (REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE, HTTP_*), the body on
// process.stdin; write header lines, a blank line and the body to process.stdout.
// Build: wisp build . (asconfig.json marks the directory as AssemblyScript).

function queryParam(qs: string, key: string): string {
  const pairs = qs.split("&");
  for (let i = 0; i < pairs.length; i++) {
    const eq = pairs[i].indexOf("=");
    if (eq > 0 && pairs[i].substring(0, eq) == key) {
      return decodeURIComponent(pairs[i].substring(eq + 1).replaceAll("+", " "));
    }
  }
  return "";
}

const qs = process.env.has("QUERY_STRING") ? process.env.get("QUERY_STRING") : "";
let name = queryParam(qs, "name");
if (name.length == 0) name = "world";

process.stdout.write("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
process.stdout.write("Hello, " + name + " (from {{name}})\n");
