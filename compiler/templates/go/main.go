// {{name}}: a Wisp function in Go, served CGI-style (RFC 3875). The request arrives as
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE, HTTP_*) and the
// body on stdin; write header lines, a blank line and the body to stdout.
// Build: wisp build . (GOOS=wasip1 GOARCH=wasm, Go >= 1.21, standard library only).
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
	fmt.Print("Status: 200 OK\r\n")
	fmt.Print("Content-Type: text/plain; charset=utf-8\r\n\r\n")
	fmt.Printf("Hello, %s (from {{name}})\n", name)
}
