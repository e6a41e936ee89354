# C (examples, test fixtures): clang + lld + wasi-libc + the wasm32 compiler-rt builtins.
apt_install clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32
