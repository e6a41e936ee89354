// hello-c: a WASI command served CGI-style (RFC 3875). The request arrives as environment
// variables (QUERY_STRING, REQUEST_METHOD, ...) and stdin; the response is written to stdout.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// Copy the value of `key` from a query string into out (no percent-decoding beyond '+').
static void query_param(const char *qs, const char *key, char *out, size_t cap) {
  size_t klen = strlen(key);
  out[0] = '\0';
  while (qs && *qs) {
    if (strncmp(qs, key, klen) == 0 && qs[klen] == '=') {
      const char *v = qs + klen + 1;
      size_t i = 0;
      while (v[i] && v[i] != '&' && i + 1 < cap) {
        out[i] = v[i] == '+' ? ' ' : v[i];
        i++;
      }
      out[i] = '\0';
      return;
    }
    qs = strchr(qs, '&');
    if (qs) qs++;
  }
}

int main(void) {
  char name[256];
  query_param(getenv("QUERY_STRING"), "name", name, sizeof name);
  printf("Status: 200 OK\r\n");
  printf("Content-Type: text/plain; charset=utf-8\r\n\r\n");
  printf("Hello, %s\n", name[0] ? name : "world");
  return 0;
}
