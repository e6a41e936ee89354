"""Peer: the real wasmtime (PyPI `wasmtime`) on the same preview1 core modules Wisp's peers run.

Usage: python3 wasmtime_bench.py CONFIG_JSON  ->  one JSON object on stdout, samples in ms.
CONFIG: {"commands": {"hello-c": path, ...}, "kernels": path|null, "rounds": n, "per_round": n,
         "kernel_rounds": n}
Tiers: cold = Module(engine, bytes) compile + new Store/WASI + instantiate + _start;
       warm = module compiled: new Store/WASI + instantiate + _start.
Each with an Engine without fuel and one with consume_fuel (store fuel 10^10), interleaved.
Kernels (test/fuel/fixtures/kernels.c): plain vs consume_fuel, interleaved, after warm-up.
Times include wasmtime-py's ctypes call overhead (a few µs per call into the C API).
"""
import json, sys, time

try:
    import wasmtime
    from wasmtime import Config, Engine, ExitTrap, Linker, Module, Store, WasiConfig
except Exception as e:  # noqa: BLE001
    print(json.dumps({"error": f"python wasmtime not importable: {e} (pip install wasmtime)"}))
    sys.exit(0)

cfg = json.loads(sys.argv[1])
now = time.perf_counter_ns


def engine(fuel):
    c = Config()
    c.consume_fuel = fuel
    return Engine(c)


engines = {"plain": engine(False), "fuel": engine(True)}
linkers = {}
for k, e in engines.items():
    l = Linker(e)
    l.define_wasi()
    linkers[k] = l


def run(kind, module, out_path="/dev/null"):
    store = Store(engines[kind])
    if kind == "fuel":
        store.set_fuel(10**10)
    w = WasiConfig()
    w.env = [("QUERY_STRING", "name=bench"), ("REQUEST_METHOD", "GET")]
    w.argv = ["main"]
    w.stdout_file = out_path
    store.set_wasi(w)
    inst = linkers[kind].instantiate(store, module)
    try:
        inst.exports(store)["_start"](store)
    except ExitTrap as t:
        if t.code != 0:
            raise


res = {"version": getattr(wasmtime, "__version__", None), "commands": {}, "kernels": {}}
try:
    from importlib.metadata import version

    res["version"] = version("wasmtime")
except Exception:  # noqa: BLE001
    pass

for name, path in cfg["commands"].items():
    data = open(path, "rb").read()
    # correctness once
    import tempfile, os

    fd, tmp = tempfile.mkstemp()
    os.close(fd)
    run("plain", Module(engines["plain"], data), tmp)
    body = open(tmp).read()
    os.unlink(tmp)
    if "Hello, bench" not in body:
        res["commands"][name] = {"error": f"unexpected output {body!r}"}
        continue
    samples = {f"{k}.{t}": [] for k in engines for t in ("cold", "warm")}
    mods = {k: Module(e, data) for k, e in engines.items()}
    for k in engines:  # warm-up
        for _ in range(3):
            run(k, mods[k])
    for r in range(cfg["rounds"] + 1):
        order = list(engines) if r % 2 == 0 else list(reversed(list(engines)))
        for k in order:
            t = now()
            m = Module(engines[k], data)
            run(k, m)
            if r:
                samples[f"{k}.cold"].append((now() - t) / 1e6)
            for _ in range(cfg["per_round"]):
                t = now()
                run(k, mods[k])
                if r:
                    samples[f"{k}.warm"].append((now() - t) / 1e6)
    res["commands"][name] = samples

if cfg.get("kernels"):
    data = open(cfg["kernels"], "rb").read()
    kin = {}
    for k, e in engines.items():
        store = Store(e)
        if k == "fuel":
            store.set_fuel(2**62)
        inst = Linker(e).instantiate(store, Module(e, data))
        kin[k] = (store, inst.exports(store))
    calls = {
        "sha-256 1 MiB": ("sha256", [1 << 20]),
        "fib(30)": ("fib", [30]),
        "sieve 5M": ("sieve", [5000000]),
        "collatz 300k": ("collatz", [300000]),
        "interp 3M (switch + call_indirect)": ("interp", [3000000]),
    }
    for kname, (fn, args) in calls.items():
        s = {k: [] for k in engines}
        fuel_used = None
        for k in engines:
            store, ex = kin[k]
            for _ in range(3):
                ex[fn](store, *args)
        for r in range(cfg["kernel_rounds"]):
            order = list(engines) if r % 2 == 0 else list(reversed(list(engines)))
            for k in order:
                store, ex = kin[k]
                if k == "fuel":
                    store.set_fuel(2**62)
                t = now()
                ex[fn](store, *args)
                s[k].append((now() - t) / 1e6)
                if k == "fuel":
                    fuel_used = 2**62 - store.get_fuel()
        res["kernels"][kname] = {"plain": s["plain"], "fuel": s["fuel"], "fuelUsed": fuel_used}

print(json.dumps(res))
