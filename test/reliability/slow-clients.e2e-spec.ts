// Promise: slow or stalled clients (slow-loris) cannot block other clients, and the server bounds how long they may take.
import * as net from 'node:net';
import type { Server } from 'node:http';
import { startTestServer, TestServer } from '../support/server';

describe('slow clients', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer();
  });
  afterAll(() => s.close());

  it('serves others while 50 connections trickle their headers (all still open when the answers arrive)', async () => {
    const { port } = new URL(s.url);
    const sockets = await Promise.all(
      Array.from(
        { length: 50 },
        () =>
          new Promise<net.Socket>((resolve) => {
            const sock = net.connect(Number(port), '127.0.0.1', () => {
              sock.write('GET /health HTTP/1.1\r\nHost: x\r\nX-Slow: ');
              resolve(sock);
            });
            sock.on('error', () => undefined);
          }),
      ),
    );
    const open = new Set(sockets);
    for (const sock of sockets) sock.on('close', () => open.delete(sock));
    const drip = setInterval(() => sockets.forEach((sock) => sock.write('a')), 100);
    try {
      // No time bound (a loaded CI box is slow): the others are answered while every slow header
      // is still open — before the 10 s headers timeout could have freed a server that waited on them.
      const answers = await Promise.all(Array.from({ length: 20 }, () => s.http.get('/health')));
      expect(answers.every((a) => a.status === 200)).toBe(true);
      expect(open.size).toBe(50);
    } finally {
      clearInterval(drip);
      sockets.forEach((sock) => sock.destroy());
    }
  });

  it('bounds header and request time', () => {
    const server: Server = s.app.getHttpServer();
    expect(server.headersTimeout).toBe(10_000);
    expect(server.requestTimeout).toBe(120_000);
  });
});
