// {{name}}: a Wisp function in Rust, served CGI-style (RFC 3875). The request arrives as
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE, HTTP_*) and the
// body on stdin; write header lines, a blank line and the body to stdout.
use std::env;
use std::io::{self, Write};

fn main() {
    let qs = env::var("QUERY_STRING").unwrap_or_default();
    let name = qs
        .split('&')
        .find_map(|kv| kv.strip_prefix("name="))
        .filter(|v| !v.is_empty())
        .map(|v| v.replace('+', " "))
        .unwrap_or_else(|| "world".to_string());
    let mut out = io::stdout().lock();
    let _ = write!(out, "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
    let _ = writeln!(out, "Hello, {} (from {{name}})", name);
    let _ = out.flush();
}
