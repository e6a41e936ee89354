# Ruby functions: nothing from apt or PyPI. ruby.wasm comes from npm (@ruby/3.4-wasm-wasi@2.10.1,
# in package-lock.json); the wasi-vfs packing step runs the wizer CLI from
# @bytecodealliance/wizer@10.0.0 and the glue step binaryen@132 (both in package-lock.json,
# installed by the `npm ci` in .ci/setup). This only checks that they are there after npm ci.
ruby_check() {
  [ -f node_modules/@ruby/3.4-wasm-wasi/dist/ruby+stdlib.wasm ] || echo "setup: warning: @ruby/3.4-wasm-wasi missing (npm ci)"
  [ -d node_modules/@bytecodealliance/wizer ] || echo "setup: warning: @bytecodealliance/wizer missing (npm ci)"
}
if [ -d node_modules ]; then ruby_check; fi
