// The discovery of the site's processes from /proc, on fake /proc text: socket tables,
// fd links, process trees, nginx's config, and two sites on one machine.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { connectedListeners, groupsByTree, ProcView, treeOf } from '../../cli/server-stats/discovery';
import { fastcgiTargets, includeGlob, listenPort, nginxConfigPath, parseConfig, tokenize } from '../../cli/server-stats/nginx-config';
import {
  canonicalAddress,
  decodeProcAddress,
  hostPortOf,
  listenersFor,
  parseTcpTable,
  parseUnixListeners,
} from '../../cli/server-stats/proc-net';
import { givenPids } from '../../cli/server-stats/proc-source';
import { socketInode, type ProcStat } from '../../cli/server-stats/proc-stat';
import { SiteProcesses } from '../../cli/server-stats/site-processes';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** One /proc/net/tcp line; addresses as the kernel prints them (hex, host byte order). */
const tcpLine = (sl: number, local: string, remote: string, st: string, inode: number) =>
  `  ${sl}: ${local} ${remote} ${st} 00000000:00000000 00:00000000 00000000   33        0 ${inode} 1 0000000000000000 20 4 30 10 -1\n`;

test('/proc/net/tcp addresses: IPv4 in little-endian hex, IPv6 as four such words, v4-mapped as IPv4', () => {
  assert.equal(decodeProcAddress('0100007F'), '127.0.0.1');
  assert.equal(decodeProcAddress('0100007F', false), '1.0.0.127');
  assert.equal(decodeProcAddress('0201A8C0'), '192.168.1.2');
  assert.equal(decodeProcAddress('00000000000000000000000001000000'), '0:0:0:0:0:0:0:1');
  assert.equal(decodeProcAddress('0000000000000000FFFF00000100007F'), '127.0.0.1');
  // 2001:db8::5 : each 32-bit word byte-swapped
  assert.equal(decodeProcAddress('B80D0120000000000000000005000000'), '2001:db8:0:0:0:0:0:5');
  assert.equal(decodeProcAddress('0100007'), null);
  assert.equal(decodeProcAddress('XX00007F'), null);
});

test('/proc/net/tcp rows: ports in big-endian hex, state 0A listening; tcp6 rows too; the header skipped', () => {
  const text =
    TCP_HEADER + tcpLine(0, '0100007F:1F9A', '00000000:0000', '0A', 23498) + tcpLine(1, '0100007F:C350', '0100007F:1538', '01', 777);
  assert.deepEqual(parseTcpTable(text), [
    { localAddress: '127.0.0.1', localPort: 8090, remoteAddress: '0.0.0.0', remotePort: 0, state: '0A', inode: 23498 },
    { localAddress: '127.0.0.1', localPort: 50000, remoteAddress: '127.0.0.1', remotePort: 5432, state: '01', inode: 777 },
  ]);
  const six = tcpLine(0, '00000000000000000000000000000000:1F9B', '00000000000000000000000000000000:0000', '0A', 99);
  assert.deepEqual(
    parseTcpTable(six).map((r) => [r.localAddress, r.localPort, r.inode]),
    [['0:0:0:0:0:0:0:0', 8091, 99]],
  );
  assert.deepEqual(parseTcpTable('garbage\n  0: zz\n'), []);
});

test('listeners for a site: its port on its address or the wildcard, never another address or a connection', () => {
  const rows = parseTcpTable(
    TCP_HEADER +
      tcpLine(0, '0100007F:1F9A', '00000000:0000', '0A', 1) +
      tcpLine(1, '0201A8C0:1F9B', '00000000:0000', '0A', 2) +
      tcpLine(2, '00000000:1F9B', '00000000:0000', '0A', 3) +
      tcpLine(3, '0100007F:1F9A', '0100007F:C350', '01', 4),
  );
  assert.deepEqual(
    listenersFor(rows, ['127.0.0.1'], 8090).map((r) => r.inode),
    [1],
  );
  assert.deepEqual(
    listenersFor(rows, ['127.0.0.1'], 8091).map((r) => r.inode),
    [3],
  );
  assert.deepEqual(
    listenersFor(rows, ['0:0:0:0:0:0:0:1'], 8090).map((r) => r.inode),
    [],
  );
  assert.equal(canonicalAddress('[::1]'), '0:0:0:0:0:0:0:1');
  assert.equal(canonicalAddress('::ffff:127.0.0.1'), '127.0.0.1');
  assert.equal(canonicalAddress('fe80::1%eth0'), 'fe80:0:0:0:0:0:0:1');
  assert.equal(canonicalAddress('moodle.test'), null);
  assert.deepEqual(hostPortOf('http://[::1]/moodle'), { host: '::1', port: 80 });
  assert.deepEqual(hostPortOf('https://localhost'), { host: 'localhost', port: 443 });
  assert.deepEqual(hostPortOf('http://127.0.0.1:8090'), { host: '127.0.0.1', port: 8090 });
});

test('/proc/net/unix: only listening sockets (flag 00010000) with their paths; fd links name socket inodes', () => {
  const text =
    'Num       RefCount Protocol Flags    Type St Inode Path\n0000000094e1b755: 00000002 00000000 00010000 0001 01 23757 /var/run/postgresql/.s.PGSQL.5432\n0000000069a59c60: 00000003 00000000 00000000 0001 03 158571\n00000000aa: 00000003 00000000 00000000 0001 03 158572 /run/php.sock\n00000000bb: 00000002 00000000 00010000 0001 01 23447 /tmp/a b.sock\n';
  assert.deepEqual(parseUnixListeners(text), [
    { inode: 23757, path: '/var/run/postgresql/.s.PGSQL.5432' },
    { inode: 23447, path: '/tmp/a b.sock' },
  ]);
  assert.equal(socketInode('socket:[23498]'), 23498);
  assert.equal(socketInode('pipe:[13525]'), null);
  assert.equal(socketInode('/dev/null'), null);
  assert.equal(socketInode('socket:[12]x'), null);
});

const ps = (pid: number, ppid: number, comm: string): ProcStat => ({ pid, ppid, comm, ticks: 0, childTicks: 0 });

test('process trees: the roots and all descendants, without those already taken; groups named by the top process', () => {
  const stats = [
    ps(1, 0, 'init'),
    ps(10, 1, 'nginx'),
    ps(11, 10, 'nginx'),
    ps(12, 11, 'sh'),
    ps(20, 1, 'php-fpm8.2'),
    ps(21, 20, 'php-fpm8.2'),
  ];
  assert.deepEqual([...treeOf(stats, new Set([10]))].sort(), [10, 11, 12]);
  assert.deepEqual([...treeOf(stats, new Set([10]), new Set([11]))], [10]);
  assert.deepEqual([...groupsByTree(stats, new Set([10, 11, 12, 20, 21]))].sort(), [
    [10, 'nginx'],
    [11, 'nginx'],
    [12, 'nginx'],
    [20, 'php-fpm'],
    [21, 'php-fpm'],
  ]);
  assert.deepEqual(
    [...givenPids(new Set([20]))(stats)],
    [
      [20, 'php-fpm'],
      [21, 'php-fpm'],
    ],
  );
});

test('TCP peers: our established sockets whose remote end is a local listener; clients of ours are not peers', () => {
  const rows = parseTcpTable(
    TCP_HEADER +
      tcpLine(0, '00000000:1538', '00000000:0000', '0A', 50) +
      tcpLine(1, '0100007F:1F9A', '00000000:0000', '0A', 60) +
      tcpLine(2, '0100007F:C350', '0100007F:1538', '01', 7) +
      tcpLine(3, '0100007F:1F9A', '0100007F:9C40', '01', 8) +
      tcpLine(4, '0100007F:9C41', '0100007F:1538', '01', 9),
  );
  assert.deepEqual(
    connectedListeners(rows, new Set([7, 8])).map((r) => r.inode),
    [50],
  );
  assert.deepEqual(connectedListeners(rows, new Set([8])), []);
});

const SITE_A = `# site A
user www-data;
http {
  include conf.d/*.conf;
  upstream pool_b { server unix:/run/b.sock; }
  server {
    listen 127.0.0.1:8091;
    location ~ [^/]\\.php(/|$) { fastcgi_pass pool_b; }
  }
}`;
const SITE_A_INCLUDED = `server { listen 8090 default_server; server_name "a site";
  location / { try_files $uri $uri/ =404; }
  location ~ \\.php$ { if (!-f $document_root$fastcgi_script_name) { return 404; } fastcgi_pass unix:/run/a.sock; } }`;

test('nginx config: tokens (quotes, comments), includes, the server blocks on the port and their fastcgi_pass (upstreams followed)', () => {
  assert.deepEqual(tokenize(`a "b c" 'd;' e; # f {\n{ }`), ['a', 'b c', 'd;', 'e', ';', '{', '}']);
  const asked: string[] = [];
  const config = parseConfig(SITE_A, (p) => (asked.push(p), [SITE_A_INCLUDED]));
  assert.deepEqual(asked, ['conf.d/*.conf']);
  assert.deepEqual(fastcgiTargets(config, 8090), [{ kind: 'unix', path: '/run/a.sock' }]);
  assert.deepEqual(fastcgiTargets(config, 8091), [{ kind: 'unix', path: '/run/b.sock' }]);
  // No server block on the port: every server's targets.
  assert.equal(fastcgiTargets(config, 9999).length, 2);
  assert.deepEqual(
    fastcgiTargets(
      parseConfig('server { listen [::]:80; fastcgi_pass 127.0.0.1:9000; }', () => []),
      80,
    ),
    [{ kind: 'tcp', host: '127.0.0.1', port: 9000 }],
  );
  assert.deepEqual(['8090', '127.0.0.1:8090', '[::]:8090', '*:8090', 'localhost', 'unix:/x'].map(listenPort), [
    8090,
    8090,
    8090,
    8090,
    80,
    null,
  ]);
  assert.equal(nginxConfigPath('nginx: master process nginx -c /var/tmp/site/etc/nginx.conf\0'), '/var/tmp/site/etc/nginx.conf');
  assert.equal(nginxConfigPath('nginx: master process /usr/sbin/nginx -g daemon on; master_process on;'), '/etc/nginx/nginx.conf');
  const glob = includeGlob('conf.d/*.conf', '/etc/nginx/nginx.conf');
  assert.equal(glob.dir, '/etc/nginx/conf.d');
  assert.deepEqual(['a.conf', 'a.conf.bak', 'b.txt'].filter(glob.test), ['a.conf']);
});

interface FakeProcess {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly sockets?: readonly number[];
  readonly cmdline?: string;
}

/** A machine with two Moodle sites: A (nginx :8090 -> /run/a.sock -> postgres :5432) and B (:8091 -> /run/b.sock -> :5433). */
function twoSites() {
  const processes: FakeProcess[] = [
    { pid: 1, ppid: 0, comm: 'systemd' },
    { pid: 100, ppid: 1, comm: 'nginx', sockets: [1001, 1002], cmdline: 'nginx: master process nginx -c /etc/nginx/nginx.conf' },
    { pid: 101, ppid: 100, comm: 'nginx', sockets: [1001, 1002] },
    { pid: 200, ppid: 1, comm: 'php-fpm8.2', sockets: [2001] },
    { pid: 201, ppid: 200, comm: 'php-fpm8.2', sockets: [2001] },
    { pid: 202, ppid: 200, comm: 'php-fpm8.2', sockets: [2001] },
    { pid: 300, ppid: 1, comm: 'php-fpm8.1', sockets: [3001] },
    { pid: 301, ppid: 300, comm: 'php-fpm8.1', sockets: [3001] },
    { pid: 400, ppid: 1, comm: 'postgres', sockets: [4001] },
    { pid: 401, ppid: 400, comm: 'postgres' },
    { pid: 500, ppid: 1, comm: 'postgres', sockets: [5001] },
    { pid: 501, ppid: 500, comm: 'postgres' },
  ];
  let tcp =
    TCP_HEADER +
    tcpLine(0, '0100007F:1F9A', '00000000:0000', '0A', 1001) +
    tcpLine(1, '0100007F:1F9B', '00000000:0000', '0A', 1002) +
    tcpLine(2, '0100007F:1538', '00000000:0000', '0A', 4001) +
    tcpLine(3, '0100007F:1539', '00000000:0000', '0A', 5001);
  const unix =
    'Num RefCount Protocol Flags Type St Inode Path\n0: 00000002 00000000 00010000 0001 01 2001 /run/a.sock\n0: 00000002 00000000 00010000 0001 01 3001 /run/b.sock\n';
  const files: Record<string, string> = { '/etc/nginx/nginx.conf': SITE_A, '/etc/nginx/conf.d/a.conf': SITE_A_INCLUDED };
  const view: ProcView = {
    stats: () => processes.map((p) => ps(p.pid, p.ppid, p.comm)),
    socketInodes: (pid) => [...(processes.find((p) => p.pid === pid)?.sockets ?? [])],
    tcpRows: () => parseTcpTable(tcp),
    netns: () => 'net:[1]',
    unixListeners: () => parseUnixListeners(unix),
    cmdline: (pid) => processes.find((p) => p.pid === pid)?.cmdline ?? '',
    includeFiles: (pattern) => (pattern === 'conf.d/*.conf' ? [SITE_A_INCLUDED] : []),
    readFile: (path) => files[path] ?? null,
  };
  return {
    view,
    processes,
    /** A process of a pool opens a connection (inode) to a database port. */
    connect(pid: number, inode: number, portHex: string, ephemeralHex: string) {
      const i = processes.findIndex((p) => p.pid === pid);
      const p = processes[i] as FakeProcess;
      processes[i] = { ...p, sockets: [...(p.sockets ?? []), inode] };
      tcp += tcpLine(9, `0100007F:${ephemeralHex}`, `0100007F:${portHex}`, '01', inode);
    },
  };
}

const byGroup = (m: Map<number, string>) => {
  const out: Record<string, number[]> = {};
  for (const [pid, g] of m) (out[g] ??= []).push(pid);
  for (const pids of Object.values(out)) pids.sort((a, b) => a - b);
  return out;
};

test('two sites on one machine: site A is its nginx, its pool (from the config) and, once a PHP process talks to it, its database; nothing of site B', () => {
  const m = twoSites();
  const site = new SiteProcesses(m.view, { addresses: ['127.0.0.1'], port: 8090, label: '127.0.0.1:8090' });
  // The nginx serves both sites: its processes are sampled; the pool is site A's only.
  assert.deepEqual(byGroup(site.choose(m.view.stats())), { nginx: [100, 101], 'php-fpm': [200, 201, 202] });
  assert.match(site.notes().join('\n'), /no TCP connection from php-fpm to a local database was seen/);
  m.connect(202, 9001, '1538', 'C350');
  // Site B's PHP talks to its own database: not site A's.
  m.connect(301, 9002, '1539', 'C351');
  assert.deepEqual(byGroup(site.choose(m.view.stats())), { nginx: [100, 101], 'php-fpm': [200, 201, 202], postgres: [400, 401] });
  assert.equal(site.describe(), 'nginx (127.0.0.1:8090) -> php-fpm (unix:/run/a.sock) -> postgres (127.0.0.1:5432)');
  assert.deepEqual(site.notes(), []);
  // The connection ends: the database stays known, its backends come and go with the tree.
  m.processes.push({ pid: 402, ppid: 400, comm: 'postgres' });
  assert.deepEqual(byGroup(site.choose(m.view.stats())).postgres, [400, 401, 402]);

  const b = new SiteProcesses(m.view, { addresses: ['127.0.0.1'], port: 8091, label: '127.0.0.1:8091' });
  assert.deepEqual(byGroup(b.choose(m.view.stats())), { nginx: [100, 101], 'php-fpm': [300, 301], postgres: [500, 501] });
});

test('a server with nothing behind it (the simulator) is sampled alone and said so; nothing listening is said', () => {
  const m = twoSites();
  m.processes.push({ pid: 700, ppid: 1, comm: 'node', sockets: [7001] });
  const tcp = m.view.tcpRows('self');
  const view: ProcView = {
    ...m.view,
    tcpRows: () => [...tcp, ...parseTcpTable(TCP_HEADER + tcpLine(0, '00000000:4E20', '00000000:0000', '0A', 7001))],
  };
  const sim = new SiteProcesses(view, { addresses: ['127.0.0.1'], port: 20000, label: '127.0.0.1:20000' });
  assert.deepEqual(byGroup(sim.choose(view.stats())), { node: [700] });
  assert.deepEqual(sim.notes(), [
    'server stats: 127.0.0.1:20000 is served by node, with no PHP pool or database behind it that /proc shows: only it is sampled',
  ]);
  const none = new SiteProcesses(view, { addresses: ['127.0.0.1'], port: 9999, label: '127.0.0.1:9999' });
  assert.deepEqual(byGroup(none.choose(view.stats())), {});
  assert.deepEqual(none.notes(), ['server stats: nothing listens on 127.0.0.1:9999 on this machine: no local process is sampled']);
});

test('a restarted web server is found again by its port', () => {
  const m = twoSites();
  const site = new SiteProcesses(m.view, { addresses: ['127.0.0.1'], port: 8090, label: '127.0.0.1:8090' });
  site.choose(m.view.stats());
  m.processes.splice(
    1,
    2,
    { pid: 110, ppid: 1, comm: 'nginx', sockets: [1001], cmdline: 'nginx: master process nginx -c /etc/nginx/nginx.conf' },
    { pid: 111, ppid: 110, comm: 'nginx', sockets: [1001] },
  );
  assert.deepEqual(byGroup(site.choose(m.view.stats())).nginx, [110, 111]);
});
