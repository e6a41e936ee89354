// echo-rust: a JSON echo as a Cargo project (CGI-style WASI command). Answers
//   {"method": ..., "path": ..., "query": ..., "body": <the body as JSON if it parses, else a string>}
// No crates (Wisp builds offline), so JSON is validated and written by hand.
mod json;

use std::env;
use std::io::{self, Read, Write};

fn main() {
    let var = |k: &str| env::var(k).unwrap_or_default();
    let mut body = Vec::new();
    let _ = io::stdin().read_to_end(&mut body);
    let text = String::from_utf8_lossy(&body);

    let body_json = if json::is_valid(&text) { text.trim().to_string() } else { json::string(&text) };
    let doc = format!(
        "{{\"method\":{},\"path\":{},\"query\":{},\"contentType\":{},\"body\":{}}}\n",
        json::string(&var("REQUEST_METHOD")),
        json::string(&var("PATH_INFO")),
        json::string(&var("QUERY_STRING")),
        json::string(&var("CONTENT_TYPE")),
        body_json,
    );
    let mut out = io::stdout().lock();
    let _ = write!(out, "Status: 200 OK\r\nContent-Type: application/json\r\n\r\n{}", doc);
    let _ = out.flush();
}
