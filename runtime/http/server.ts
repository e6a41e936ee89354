import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostApp } from './app.js';

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Listen on host:port (port 0 = ephemeral); resolves once the socket is bound. */
export function listen(app: HostApp, port: number, host: string): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = createServer(app.handle);
    server.once('error', reject);
    server.listen(port, host, () => {
      const bound = (server.address() as AddressInfo).port;
      resolve({
        url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}`,
        port: bound,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
