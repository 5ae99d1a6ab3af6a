import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";

/**
 * A real HTTP server on 127.0.0.1 that serves artifacts by name and counts the requests; with
 * `tls`, a real HTTPS server (a mirror must be https://).
 */
export class DependencyServer {
  readonly requests: string[] = [];
  /** The Authorization header of each request (undefined: none), in order. */
  readonly authorizations: (string | undefined)[] = [];
  private readonly files = new Map<string, Buffer>();
  private server: Server | undefined;

  constructor(private readonly options: { tls?: { key: string; cert: string } } = {}) {}

  serve(name: string, content: Buffer): string {
    this.files.set(`/${name}`, content);
    return this.url(name);
  }

  url(name: string): string {
    if (this.server === undefined) throw new Error("DependencyServer not started");
    return `${this.options.tls ? "https" : "http"}://127.0.0.1:${(this.server.address() as AddressInfo).port}/${name}`;
  }

  count(name?: string): number {
    return name === undefined ? this.requests.length : this.requests.filter((r) => r === `/${name}`).length;
  }

  async start(): Promise<this> {
    const handle = (req: IncomingMessage, res: ServerResponse) => {
      this.requests.push(req.url ?? "");
      this.authorizations.push(req.headers.authorization);
      const body = this.files.get(req.url ?? "");
      if (body === undefined) {
        res.writeHead(404).end("not found");
        return;
      }
      res.writeHead(200, { "content-type": "application/x-xz", "content-length": body.length }).end(body);
    };
    const tls = this.options.tls;
    this.server = tls ? createHttpsServer({ key: tls.key, cert: tls.cert }, handle) : createServer(handle);
    await new Promise<void>((resolve) => this.server!.listen(0, "127.0.0.1", resolve));
    return this;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
