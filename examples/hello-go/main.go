// hello-go: a WASI command served CGI-style (RFC 3875), built from a bare main.go (no go.mod) with
// GOOS=wasip1 GOARCH=wasm. The request arrives as environment variables (QUERY_STRING,
// REQUEST_METHOD, ...) and stdin; the response is written to stdout: headers, blank line, body.
package main

import (
	"fmt"
	"net/url"
	"os"
)

func main() {
	q, _ := url.ParseQuery(os.Getenv("QUERY_STRING"))
	name := q.Get("name")
	if name == "" {
		name = "world"
	}
	fmt.Printf("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nHello, %s\n", name)
}
