// WASI preview1 for plain preview1 command modules, without the component adapter (the fast
// path: docs/runtime.md).

export { Preview1Host, type HostRef, type Preview1Config, type Preview1Imports } from './host.js';
export { linkPreview1 } from './link.js';
export { Errno, MODULE as PREVIEW1_MODULE, PREVIEW1_FUNCTIONS, baseName, importAliases, isPreview1Command } from './abi.js';
