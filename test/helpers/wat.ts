// A module from WebAssembly text, with every feature binaryen knows (the tests' fixtures import at
// most one name per module, so binaryen's compact import encoding, which Node 20 cannot load,
// never comes up).
import binaryen from 'binaryen';

export function wasm(text: string): Uint8Array<ArrayBuffer> {
  const m = binaryen.parseText(text);
  m.setFeatures(binaryen.Features.All);
  const bytes = m.emitBinary() as Uint8Array<ArrayBuffer>;
  m.dispose();
  return bytes;
}
