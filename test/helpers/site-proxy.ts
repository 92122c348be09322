// A reverse proxy in front of the simulator, for what the simulator does not do itself: serve
// the site under a path (base_url https://host/moodle), and inject faults into chosen requests
// (login requests answered 503, ...). Absolute URLs in Location headers and bodies are
// rewritten, as a web server in front of a Moodle with that wwwroot would have them.
import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxiedRequest {
  readonly method: string;
  /** As the client sent it, prefix included. */
  readonly path: string;
  readonly status: number;
}

/** Returns a status to answer instead of forwarding, or null to forward. */
export type Fault = (req: { readonly method: string; readonly path: string }) => number | null;

export interface SiteProxy {
  /** The site's URL through the proxy: origin + prefix. */
  readonly url: string;
  readonly requests: ProxiedRequest[];
  setFault(fault: Fault | null): void;
  close(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function startSiteProxy(target: string, options: { prefix?: string; fault?: Fault } = {}): Promise<SiteProxy> {
  const prefix = options.prefix ?? '';
  let fault: Fault | null = options.fault ?? null;
  const requests: ProxiedRequest[] = [];
  let base = '';
  const agent = new http.Agent({ keepAlive: true });

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? '/';
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    const answer = (status: number, text: string, headers: http.OutgoingHttpHeaders = {}) => {
      requests.push({ method, path, status });
      res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', ...headers });
      res.end(text);
    };
    if (!path.startsWith(prefix + '/')) return answer(404, 'not under the site path');
    const injected = fault?.({ method, path });
    if (injected != null) return answer(injected, `<html><body>injected ${injected}</body></html>`);
    const upstream = http.request(
      target + path.slice(prefix.length),
      { method, headers: { ...req.headers, host: new URL(target).host }, agent },
      (up) => {
        const chunks: Buffer[] = [];
        up.on('data', (c: Buffer) => chunks.push(c));
        up.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8').split(target).join(base);
          const headers: http.OutgoingHttpHeaders = { ...up.headers };
          delete headers['content-length'];
          delete headers['transfer-encoding'];
          if (typeof headers.location === 'string') headers.location = headers.location.split(target).join(base);
          answer(up.statusCode ?? 502, text, headers);
        });
      },
    );
    upstream.on('error', (e) => answer(502, `upstream: ${e.message}`));
    upstream.end(body);
  };

  const server = http.createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}${prefix}`;
  return {
    url: base,
    requests,
    setFault: (f) => (fault = f),
    close: () =>
      new Promise<void>((resolve) => {
        agent.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
