// Turns ruby.wasm's reactor module (@ruby/3.4-wasm-wasi, ruby+stdlib.wasm) into a WASI command:
//   - the JS-interop imports (rb-js-abi-host.*: only `require "js"` uses them) become traps, and
//     the canonical_abi resource intrinsics become identity functions;
//   - a new `_start` runs the reactor's `_initialize` (wasi-vfs + constructors), `ruby-init` with
//     ARGS, then evaluates CODE; a Ruby exception escaping CODE exits with status 1.
// Run as a child process (binaryen's heap grows to ~1 GB on this 30 MB module and is never given
// back): node glue.mjs BINARYEN_URL IN.wasm OUT.wasm
const [binaryenUrl, input, output] = process.argv.slice(2);
const { readFileSync, writeFileSync } = await import('node:fs');
const binaryen = (await import(binaryenUrl)).default;

const ARGS = ['ruby', '--disable-all', '-EUTF-8', '-e_=0'];
const CODE = 'require "/wisp/boot"';

const m = binaryen.readBinary(readFileSync(input));
let procExit;
const functions = [];
for (let i = 0, n = m.getNumFunctions(); i < n; i++) functions.push(binaryen.getFunctionInfo(m.getFunctionByIndex(i)));
for (const f of functions) {
  if (!f.module) continue;
  if (f.module === 'wasi_snapshot_preview1') {
    if (f.base === 'proc_exit') procExit = f.name;
    continue;
  }
  const body =
    f.module === 'canonical_abi' ? (f.results === binaryen.none ? m.nop() : m.local.get(0, f.results)) : m.unreachable();
  m.removeFunction(f.name);
  m.addFunction(f.name, f.params, f.results, [], body);
}
if (!procExit) throw new Error('no wasi_snapshot_preview1.proc_exit import');

const exported = {};
for (let i = 0; i < m.getNumExports(); i++) {
  const e = binaryen.getExportInfo(m.getExportByIndex(i));
  exported[e.name.split(':')[0]] = e.value;
}
for (const name of ['_initialize', 'cabi_realloc', 'ruby-init', 'rb-eval-string-protect']) {
  if (!exported[name]) throw new Error(`ruby.wasm does not export ${name}`);
}

const { i32, none } = binaryen;
const P = 0; // local: pointer being filled
const R = 1; // local: eval's return area
const ptr = () => m.local.get(P, i32);
const alloc = (align, size) =>
  m.local.set(P, m.call(exported.cabi_realloc, [m.i32.const(0), m.i32.const(0), m.i32.const(align), m.i32.const(size)], i32));
const bytesAt = (bytes, off) => [...bytes].map((b, i) => m.i32.store8(off + i, 0, ptr(), m.i32.const(b)));

const enc = new TextEncoder();
const args = ARGS.map((a) => enc.encode(`${a}\0`)); // ruby-init wants C strings
const body = [m.call(exported._initialize, [], none)];
body.push(alloc(4, args.length * 8 + args.reduce((s, a) => s + a.length, 0)));
let off = args.length * 8;
args.forEach((a, i) => {
  body.push(m.i32.store(i * 8, 0, ptr(), m.i32.add(ptr(), m.i32.const(off))));
  body.push(m.i32.store(i * 8 + 4, 0, ptr(), m.i32.const(a.length)));
  body.push(...bytesAt(a, off));
  off += a.length;
});
body.push(m.call(exported['ruby-init'], [ptr(), m.i32.const(args.length)], none));
const code = enc.encode(CODE);
body.push(alloc(1, code.length), ...bytesAt(code, 0));
body.push(m.local.set(R, m.call(exported['rb-eval-string-protect'], [ptr(), m.i32.const(code.length)], i32)));
// tuple<handle, s32>: the state (non-zero: an exception escaped) is the second word.
body.push(m.if(m.i32.load(4, 0, m.local.get(R, i32)), m.call(procExit, [m.i32.const(1)], none)));
m.addFunction('wisp_start', none, none, [i32, i32], m.block(null, body));
m.addFunctionExport('wisp_start', '_start');
if (!m.validate()) throw new Error('binaryen: the rewritten module does not validate');
writeFileSync(output, m.emitBinary());
