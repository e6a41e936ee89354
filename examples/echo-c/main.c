// echo-c: JSON echo as a WASI command served CGI-style (RFC 3875). The answer is
// application/json {"method","path","body"} with the request body as a JSON string: the raw
// text, escaped by hand (no JSON library in wasi-libc).
#include <stdio.h>
#include <stdlib.h>

// Write s (len bytes) as a JSON string literal. Bytes >= 0x80 pass through unchanged, so UTF-8
// text stays UTF-8.
static void json_string(const unsigned char *s, size_t len) {
  static const char hex[] = "0123456789abcdef";
  putchar('"');
  for (size_t i = 0; i < len; i++) {
    unsigned char c = s[i];
    switch (c) {
      case '"': fputs("\\\"", stdout); break;
      case '\\': fputs("\\\\", stdout); break;
      case '\n': fputs("\\n", stdout); break;
      case '\r': fputs("\\r", stdout); break;
      case '\t': fputs("\\t", stdout); break;
      default:
        if (c < 0x20) printf("\\u00%c%c", hex[c >> 4], hex[c & 15]);
        else putchar(c);
    }
  }
  putchar('"');
}

static void json_cstr(const char *s) {
  size_t n = 0;
  if (!s) s = "";
  while (s[n]) n++;
  json_string((const unsigned char *)s, n);
}

int main(void) {
  // Read the whole body from stdin.
  size_t cap = 65536, len = 0, n;
  unsigned char *body = malloc(cap);
  if (!body) return 1;
  while ((n = fread(body + len, 1, cap - len, stdin)) > 0) {
    len += n;
    if (len == cap) {
      unsigned char *bigger = realloc(body, cap *= 2);
      if (!bigger) return 1;
      body = bigger;
    }
  }
  printf("Status: 200 OK\r\nContent-Type: application/json\r\n\r\n");
  fputs("{\"method\":", stdout);
  json_cstr(getenv("REQUEST_METHOD"));
  fputs(",\"path\":", stdout);
  json_cstr(getenv("PATH_INFO"));
  fputs(",\"body\":", stdout);
  json_string(body, len);
  fputs("}\n", stdout);
  free(body);
  return 0;
}
