// wasi:sockets, denied: no outbound network unless a function's config grants it (not yet
// grantable). Every entry point fails with `access-denied`, the error a sandboxed socket gets.

const denied = (): never => {
  throw 'access-denied';
};

class Network {}
class TcpSocket {}
class UdpSocket {}
class IncomingDatagramStream {}
class OutgoingDatagramStream {}
class ResolveAddressStream {}

export function socketImports(): Record<string, object> {
  return {
    'wasi:sockets/network': { Network },
    'wasi:sockets/instance-network': { instanceNetwork: () => new Network() },
    'wasi:sockets/tcp': { TcpSocket },
    'wasi:sockets/tcp-create-socket': { createTcpSocket: denied },
    'wasi:sockets/udp': { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    'wasi:sockets/udp-create-socket': { createUdpSocket: denied },
    'wasi:sockets/ip-name-lookup': { ResolveAddressStream, resolveAddresses: denied },
  };
}
