// hello-rust: a WASI command served CGI-style (RFC 3875), built from a bare main.rs. The request
// arrives as environment variables (QUERY_STRING, REQUEST_METHOD, ...) and stdin; the response is
// written to stdout: header lines, a blank line, the body.
use std::env;
use std::io::{self, Write};

/// The value of `key` in a query string ('+' -> ' ', %XX decoded).
fn query_param(qs: &str, key: &str) -> Option<String> {
    qs.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match (b[i], b.get(i + 1).and_then(|&c| hex(c)), b.get(i + 2).and_then(|&c| hex(c))) {
            (b'+', _, _) => out.push(b' '),
            (b'%', Some(hi), Some(lo)) => {
                out.push(hi << 4 | lo);
                i += 2;
            }
            (c, _, _) => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn main() {
    let qs = env::var("QUERY_STRING").unwrap_or_default();
    let name = query_param(&qs, "name").filter(|n| !n.is_empty()).unwrap_or_else(|| "world".into());
    let mut out = io::stdout().lock();
    let _ = write!(out, "Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, {}\n", name);
    let _ = out.flush();
}
