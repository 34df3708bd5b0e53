import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { createAdaptorServer } from '@hono/node-server';
import type { Hono } from 'hono';

export interface RunningServer {
  address: AddressInfo;
  /** Stops accepting connections and closes the open ones (streams included). */
  close(): Promise<void>;
  /**
   * Sets (or replaces, e.g. on renewal) the TLS credentials of a server started with
   * `{ tls: true }`; existing connections keep theirs. Until called, TLS handshakes fail.
   */
  setTlsCredentials(creds: ServerTlsCredentials): void;
}

export interface ServerTlsCredentials {
  certPem: string;
  keyPem: string;
  /** CA whose certificates clients may present (mutual TLS); a client without one still connects. */
  caPem: string;
}

export interface ListenOptions {
  /**
   * Serve HTTPS and plain HTTP on the same port, told apart by the first byte a client sends
   * (0x16 opens a TLS handshake): one port to open and to list in join tokens.
   */
  tls?: boolean;
}

/** A client that sends nothing this long after connecting is dropped (it holds a socket for free). */
const FIRST_BYTE_TIMEOUT_MS = 10_000;
const TLS_HANDSHAKE = 0x16;

/** The TLS socket a request came on, if it came over TLS (hono node-server passes the request as env.incoming). */
export function tlsSocketOf(env: unknown): TLSSocket | null {
  const socket = (env as { incoming?: { socket?: { encrypted?: boolean } } } | undefined)?.incoming?.socket;
  return socket?.encrypted === true ? (socket as TLSSocket) : null;
}

/** Listens on ip:port; rejects with a clear message when the port is taken. */
export function listen(app: Hono, ip: string, port: number, options: ListenOptions = {}): Promise<RunningServer> {
  const plain = createAdaptorServer({ fetch: app.fetch, hostname: ip, port }) as Server;
  const secure = options.tls
    ? (createAdaptorServer({ fetch: app.fetch, createServer: https.createServer, serverOptions: { requestCert: true, rejectUnauthorized: false } }) as https.Server)
    : null;
  // The HTTP and HTTPS servers never listen themselves, so they do not track their connections
  // (node starts that on 'listening'): the front tracks every socket to close them all on stop.
  const sockets = new Set<net.Socket>();
  const front: net.Server = secure
    ? net.createServer((socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      dispatchByFirstByte(socket, plain, secure);
    })
    : plain;
  return new Promise((resolve, reject) => {
    front.once('error', (e: NodeJS.ErrnoException) => {
      const why = e.code === 'EADDRINUSE' ? 'the address is already in use' : e.code === 'EADDRNOTAVAIL' ? 'the address is not on this host' : e.message;
      reject(new Error(`cannot listen on ${ip}:${port}: ${why}`));
    });
    front.listen(port, ip, () => {
      resolve({
        address: front.address() as AddressInfo,
        close: () =>
          new Promise<void>((done) => {
            front.close(() => done());
            plain.closeAllConnections();
            for (const socket of sockets) socket.destroy();
          }),
        setTlsCredentials: (creds) => {
          if (!secure) throw new Error('setTlsCredentials on a server started without { tls: true }');
          secure.setSecureContext({ cert: creds.certPem, key: creds.keyPem, ca: creds.caPem });
        },
      });
    });
  });
}

function dispatchByFirstByte(socket: net.Socket, plain: Server, secure: https.Server): void {
  socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
  socket.once('error', () => socket.destroy());
  socket.once('data', (first: Buffer) => {
    socket.pause();
    socket.setTimeout(0);
    socket.unshift(first);
    // TLS takes the bytes already read from the socket's buffer and reads the rest from its
    // handle; the HTTP parser reads the stream, so it must flow again.
    if (first[0] === TLS_HANDSHAKE) {
      secure.emit('connection', socket);
    } else {
      plain.emit('connection', socket);
      socket.resume();
    }
  });
}
