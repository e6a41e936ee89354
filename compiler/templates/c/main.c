// {{name}}: a Wisp function in C, served CGI-style (RFC 3875). The request arrives as
// environment variables (REQUEST_METHOD, PATH_INFO, QUERY_STRING, CONTENT_TYPE, HTTP_*) and the
// body on stdin; write header lines, a blank line and the body to stdout.
// Build: wisp build . (clang --target=wasm32-wasi with wasi-libc).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void) {
  const char *qs = getenv("QUERY_STRING");
  char name[256] = "world";
  const char *p = qs ? strstr(qs, "name=") : NULL;
  if (p && (p == qs || p[-1] == '&') && p[5] && p[5] != '&') {
    size_t i = 0;
    for (p += 5; *p && *p != '&' && i + 1 < sizeof name; p++) name[i++] = *p == '+' ? ' ' : *p;
    name[i] = '\0';
  }
  printf("Status: 200 OK\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n");
  printf("Hello, %s (from {{name}})\n", name);
  return 0;
}
