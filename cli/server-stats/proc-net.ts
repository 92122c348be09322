// Parsers for Linux's socket tables (/proc/net/tcp, tcp6, unix) and for the addresses in a
// base URL: pure functions, so the discovery of a site's processes can be tested on text.
import { isIPv4, isIPv6 } from 'node:net';

/** An address as compared here: dotted IPv4 (IPv4-mapped IPv6 too), or IPv6 as 8 full groups. */
export type Address = string;

export interface TcpRow {
  readonly localAddress: Address;
  readonly localPort: number;
  readonly remoteAddress: Address;
  readonly remotePort: number;
  /** The kernel's TCP state: 0A listening, 01 established. */
  readonly state: string;
  readonly inode: number;
}

export const TCP_LISTEN = '0A';
export const TCP_ESTABLISHED = '01';

/** The bytes of one 32-bit word as /proc prints it (%08X of the value in host byte order). */
function wordBytes(hex: string, littleEndian: boolean): number[] {
  const bytes = [0, 2, 4, 6].map((i) => parseInt(hex.slice(i, i + 2), 16));
  return littleEndian ? bytes.reverse() : bytes;
}

/** "0100007F" -> 127.0.0.1; 32 hex digits -> IPv6 (::ffff:a.b.c.d as a.b.c.d). */
export function decodeProcAddress(hex: string, littleEndian = true): Address | null {
  if (!/^[0-9A-Fa-f]+$/.test(hex) || (hex.length !== 8 && hex.length !== 32)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < hex.length; i += 8) bytes.push(...wordBytes(hex.slice(i, i + 8), littleEndian));
  if (bytes.length === 4) return bytes.join('.');
  const mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
  if (mapped) return bytes.slice(12).join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((((bytes[i] as number) << 8) | (bytes[i + 1] as number)).toString(16));
  return groups.join(':');
}

/** The rows of /proc/net/tcp or tcp6 (the header and lines that do not parse are skipped). */
export function parseTcpTable(text: string, littleEndian = true): TcpRow[] {
  const rows: TcpRow[] = [];
  for (const line of text.split('\n')) {
    // sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || !/^\d+:$/.test(f[0] as string)) continue;
    const [localHex, localPortHex] = (f[1] as string).split(':');
    const [remoteHex, remotePortHex] = (f[2] as string).split(':');
    const localAddress = decodeProcAddress(localHex ?? '', littleEndian);
    const remoteAddress = decodeProcAddress(remoteHex ?? '', littleEndian);
    const inode = Number(f[9]);
    if (localAddress === null || remoteAddress === null || !Number.isInteger(inode)) continue;
    rows.push({
      localAddress,
      localPort: parseInt(localPortHex ?? '', 16),
      remoteAddress,
      remotePort: parseInt(remotePortHex ?? '', 16),
      state: f[3] as string,
      inode,
    });
  }
  return rows;
}

export interface UnixListener {
  readonly inode: number;
  readonly path: string;
}

/** __SO_ACCEPTCON in /proc/net/unix's Flags: the socket listens. */
const SO_ACCEPTCON = 0x10000;

/** The listening sockets of /proc/net/unix that have a path (abstract ones start with "@"). */
export function parseUnixListeners(text: string): UnixListener[] {
  const out: UnixListener[] = [];
  for (const line of text.split('\n')) {
    // Num RefCount Protocol Flags Type St Inode Path
    const f = line.trim().split(/\s+/);
    if (f.length < 8 || !/^[0-9a-f]+:$/i.test(f[0] as string)) continue;
    if ((parseInt(f[3] as string, 16) & SO_ACCEPTCON) === 0) continue;
    out.push({ inode: Number(f[6]), path: f.slice(7).join(' ') });
  }
  return out;
}

/** An IPv6 literal as 8 full groups ("::1" -> "0:0:0:0:0:0:0:1"), to compare with the tables'. */
export function canonicalAddress(ip: string): Address | null {
  const bare = ip.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  if (isIPv4(bare)) return bare;
  if (!isIPv6(bare)) return null;
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  if (mapped) return mapped[1] as string;
  const [head, tail] = bare.includes('::') ? bare.split('::') : [bare, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...fill, ...right].map((g) => parseInt(g, 16).toString(16)).join(':');
}

export function isLoopback(address: Address): boolean {
  return /^127\./.test(address) || address === '0:0:0:0:0:0:0:1';
}

export function isWildcard(address: Address): boolean {
  return address === '0.0.0.0' || address === '0:0:0:0:0:0:0:0';
}

/** The listening rows a connection to one of `addresses` at `port` reaches. */
export function listenersFor(rows: readonly TcpRow[], addresses: readonly Address[], port: number): TcpRow[] {
  return rows.filter(
    (r) => r.state === TCP_LISTEN && r.localPort === port && (isWildcard(r.localAddress) || addresses.includes(r.localAddress)),
  );
}

/** Host and port of a base URL (the scheme's default port when it names none). */
export function hostPortOf(baseUrl: string): { host: string; port: number } {
  const url = new URL(baseUrl);
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port };
}
