# Bench peers that are not npm packages: wrk (loopback load) and the real wasmtime engine.
apt_install wrk
if ! python3 -c 'import wasmtime' >/dev/null 2>&1; then pip_install wasmtime==50.0.1; fi
