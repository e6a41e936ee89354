# Rust (examples/*-rust, `wisp new rust`): Debian's rustc 1.63 + cargo + the wasm32 std
# (wasm32-wasi target). Wisp always runs /usr/bin/rustc and /usr/bin/cargo: a rustup toolchain
# earlier on PATH cannot add wasm targets on these machines. rust-lld comes with rustc.
apt_install rustc cargo libstd-rust-dev-wasm32
if [ ! -x /usr/bin/rustc ] || [ ! -d /usr/lib/rustlib/wasm32-wasi/lib ]; then
  echo "setup: ERROR: /usr/bin/rustc with the wasm32-wasi std is missing after installing rustc cargo libstd-rust-dev-wasm32" >&2
  return 1
fi
