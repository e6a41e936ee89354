// wasi:filesystem, deny-by-default: no preopened directories, so a guest has no path to
// open anything. The Descriptor class exists only because the glue imports it by name; the
// adapter asks stdio descriptors for their type and flags through wasi:cli, not this.

type FsError = { tag: 'access' } | { tag: 'bad-descriptor' };
const denied = (): never => {
  throw 'access' satisfies FsError['tag'];
};

export class Descriptor {
  readViaStream = denied;
  writeViaStream = denied;
  appendViaStream = denied;
  advise = denied;
  syncData = denied;
  getFlags = denied;
  getType = denied;
  setSize = denied;
  setTimes = denied;
  read = denied;
  write = denied;
  readDirectory = denied;
  sync = denied;
  createDirectoryAt = denied;
  stat = denied;
  statAt = denied;
  setTimesAt = denied;
  linkAt = denied;
  openAt = denied;
  readlinkAt = denied;
  removeDirectoryAt = denied;
  renameAt = denied;
  symlinkAt = denied;
  unlinkFileAt = denied;
  isSameObject = () => false;
  metadataHash = denied;
  metadataHashAt = denied;
}

export class DirectoryEntryStream {
  readDirectoryEntry = denied;
}

export function filesystemImports(): Record<string, object> {
  return {
    'wasi:filesystem/preopens': { getDirectories: () => [] },
    'wasi:filesystem/types': {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
  };
}
