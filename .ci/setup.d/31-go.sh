# Go (examples/*-go, `wisp new go`): Go's own GOOS=wasip1 port, which needs Go >= 1.21. Debian 12's
# golang-go is 1.19 (no wasip1), so the usual install is the upstream tarball in /usr/local/go.
# Wisp looks for `go` on PATH, then /usr/local/go/bin/go (WISP_GO overrides both).
wisp_go=""
if [ -n "${WISP_GO:-}" ]; then wisp_go="$WISP_GO"
elif command -v go >/dev/null 2>&1; then wisp_go="$(command -v go)"
elif [ -x /usr/local/go/bin/go ]; then wisp_go=/usr/local/go/bin/go
else
  # Newer Debian packages (bookworm-backports: golang-1.2x-go) if the machine has them configured.
  wisp_go_pkg="$(apt-cache search --names-only '^golang-1\.(2[1-9]|[3-9][0-9])-go$' 2>/dev/null | awk '{print $1}' | sort -V | tail -1)"
  if [ -n "$wisp_go_pkg" ]; then
    apt_install "$wisp_go_pkg"
    wisp_go_ver="${wisp_go_pkg#golang-}"; wisp_go_ver="${wisp_go_ver%-go}"
    [ -x "/usr/lib/go-$wisp_go_ver/bin/go" ] && wisp_go="/usr/lib/go-$wisp_go_ver/bin/go"
  fi
fi
if [ -z "$wisp_go" ]; then
  echo "setup: ERROR: Go >= 1.21 not found (Debian 12's golang-go is 1.19, too old for GOOS=wasip1)." >&2
  echo "setup:        install it from https://go.dev/dl into /usr/local/go, or set WISP_GO=/path/to/go" >&2
  return 1
fi
wisp_go_minor="$("$wisp_go" env GOVERSION | sed -n 's/^go1\.\([0-9]*\).*/\1/p')"
if [ -z "$wisp_go_minor" ] || [ "$wisp_go_minor" -lt 21 ]; then
  echo "setup: ERROR: $wisp_go is $("$wisp_go" env GOVERSION), too old for GOOS=wasip1 (needs go1.21+): install Go from https://go.dev/dl" >&2
  return 1
fi
echo "setup: go: $wisp_go ($("$wisp_go" env GOVERSION))"
unset wisp_go wisp_go_pkg wisp_go_ver wisp_go_minor
