// echo-go: a JSON echo as a Go module (CGI-style WASI command). Answers
//   {"method": ..., "path": ..., "query": ..., "body": <the body as JSON if it parses, else a string>}
package main

import (
	"bufio"
	"encoding/json"
	"io"
	"os"
)

type echo struct {
	Method      string `json:"method"`
	Path        string `json:"path"`
	Query       string `json:"query"`
	ContentType string `json:"contentType"`
	Body        any    `json:"body"`
}

func main() {
	body, _ := io.ReadAll(os.Stdin)
	e := echo{
		Method:      os.Getenv("REQUEST_METHOD"),
		Path:        os.Getenv("PATH_INFO"),
		Query:       os.Getenv("QUERY_STRING"),
		ContentType: os.Getenv("CONTENT_TYPE"),
		Body:        string(body),
	}
	if json.Valid(body) {
		e.Body = json.RawMessage(body)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	out.WriteString("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n")
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(e); err != nil {
		os.Stderr.WriteString("echo-go: " + err.Error() + "\n")
	}
}
