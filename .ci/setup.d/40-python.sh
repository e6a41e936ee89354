# Python functions: componentize-py (PyPI; bundles CPython 3.x for wasm32-wasi and its own WASI
# adapter) into the Python that `python3` runs.
if ! command -v componentize-py >/dev/null 2>&1 || [ "$(componentize-py --version 2>/dev/null)" != "componentize-py 0.25.1" ]; then
  pip_install componentize-py==0.25.1
fi
