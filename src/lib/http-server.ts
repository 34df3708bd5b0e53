import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  address: AddressInfo;
  /** Stops accepting connections and closes the open ones (streams included). */
  close(): Promise<void>;
}

/** Listens on ip:port; rejects with a clear message when the port is taken. */
export function listen(app: Hono, ip: string, port: number): Promise<RunningServer> {
  const server = createAdaptorServer({ fetch: app.fetch, hostname: ip, port }) as Server;
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'the address is already in use' : e.code === 'EADDRNOTAVAIL' ? 'the address is not on this host' : e.message;
      reject(new Error(`cannot listen on ${ip}:${port}: ${why}`));
    });
    server.listen(port, ip, () => {
      resolve({
        address: server.address() as AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
