/**
 * Summarises a V8 CPU profile (`.cpuprofile` JSON): the top frames by self time and by total time (a frame counted
 * once per sample however often it recurs on the stack), and self time by package or source directory.
 * `tsx bench/profile-summary.ts <file.cpuprofile>` prints it for any profile (e.g. one from `node --cpu-prof`);
 * `tsx bench/profile-summary.ts <file> 30 <phase>` prints the frames one phase of the breakdown spends its time in.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
export interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function frameName(n: ProfileNode): string {
  const { functionName, url, lineNumber } = n.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, 'nm:')
    .replace(/.*\/wt-[^/]+\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

function area(n: ProfileNode): string {
  const url = n.callFrame.url.replace(/^file:\/\//, '');
  if (!url) return n.callFrame.functionName || '(native)';
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return pkg[1]!;
  if (url.startsWith('node:')) return url.split('/')[0]!;
  const own = /wt-[^/]+\/([^/]+)\//.exec(url);
  return own ? own[1]! + '/' : url;
}

function top(map: Map<string, number>, total: number, count: number): string[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([k, v]) => `${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
}

/**
 * The phase of a request a frame belongs to, for the inclusive breakdown (phaseBreakdown): the middleware, the
 * platform's own step or Node's part it is, or undefined for a frame that only passes the call on (router, events,
 * promises). Node's own frames count only when nothing above them in the stack is more specific.
 */
const PHASES: Array<[RegExp, string]> = [
  [/bench\/profile-verification\.ts|^dispatch :0|node:inspector/, 'profiler (starting and stopping it)'],
  [/bench\/load\.ts|node:_http_client|node:_http_agent/, 'load generator (bench/load.ts)'],
  [/nm:helmet\//, 'helmet'],
  [
    /api\/app\.ts.*(observeRequests|:\d+$)|nm:prom-client\/|nm:pino\/|nm:sonic-boom\/|infra\/logger/,
    'request id, logging, metrics',
  ],
  [/sameOriginForCookies/, 'same-origin check'],
  [/nm:serve-static\/|nm:send\//, 'static files (not matched)'],
  [/nm:express-rate-limit\/|api\/rate-limits\.ts/, 'rate limiting'],
  [
    /nm:(body-parser|raw-body|iconv-lite|type-is|content-type|media-typer|bytes)\//,
    'body parsing (express.json)',
  ],
  [/api\/nul-characters\.ts/, 'NUL check (refuseNulCharacters)'],
  [/api\/auth\.ts|nm:jose\//, 'authentication (optional)'],
  [/nm:zod\//, 'zod (the body)'],
  [
    /nm:(pg|pg-protocol|pg-types|postgres-[a-z]+|@mikro-orm\/[a-z]+|knex)\/|db\/prepared-query\.ts/,
    'the statement (pg driver, ORM fork)',
  ],
  [
    /pki\/|domain\/licence-(verification|identifier|document)|domain\/canonical|api\/services\/verification-snapshot/,
    'the checks (pki/, domain/)',
  ],
  [
    /api\/services\/(verification|licence-status)\.ts|domain\/(format|licence-lifecycle|calendar)|db\/verification-counts/,
    'building the report (lifecycle, unit, counts)',
  ],
  [/api\/routes\/verification\.ts/, 'route handler'],
  [/^stringify |nm:express\/lib\/response\.js/, 'res.json: JSON.stringify, headers'],
  [
    /nm:(router|path-to-regexp|express|finalhandler|parseurl|forwarded|proxy-addr|accepts|negotiator|on-finished)\//,
    'Express routing and request helpers',
  ],
  [
    /node:_http_outgoing|node:net|writev|writeBuffer|writeString|stream_base_commons|node:internal\/streams\/writable/,
    'response write (socket)',
  ],
  [
    /node:_http_server|node:_http_common|node:_http_incoming|HTTPParser|parserOn/,
    'HTTP request parsing (Node)',
  ],
  [/\(garbage collector\)/, 'garbage collector'],
  [/\(idle\)|\(program\)/, 'idle / program'],
];
const NODE_FRAME = /node:|^[a-zA-Z_]+ :0$/;

function phaseOf(name: string): string | undefined {
  return PHASES.find(([re]) => re.test(name))?.[1];
}

/**
 * Inclusive time per phase: each sample goes to the innermost frame on its stack that names a phase (its own code
 * or a package's; Node's and V8's frames only when no such frame is on the stack), so a middleware's share holds
 * what it calls but not the middleware it hands on to.
 */
export function phaseBreakdown(profile: CpuProfile, within?: string): string[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const phases = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    let own: string | undefined;
    let node: string | undefined;
    for (let cur: number | undefined = id; cur !== undefined && !own; cur = parent.get(cur)) {
      const name = frameName(byId.get(cur)!);
      const phase = phaseOf(name);
      if (!phase) continue;
      if (NODE_FRAME.test(name) && !/^stringify /.test(name)) node ??= phase;
      else own = phase;
    }
    const phase = own ?? node ?? 'other (Node internals: events, promises, timers)';
    // With `within`: the self time of the frames inside that one phase instead.
    const key =
      within === undefined ? phase : phase.startsWith(within) ? frameName(byId.get(id)!) : undefined;
    if (key !== undefined) phases.set(key, (phases.get(key) ?? 0) + dt);
  });
  return top(phases, all, within === undefined ? PHASES.length + 1 : 25);
}

export function summariseProfile(profile: CpuProfile, count = 30): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  const areas = new Map<string, number>();
  let all = 0;
  profile.samples.forEach((id, i) => {
    const dt = profile.timeDeltas[i] ?? 0;
    all += dt;
    const node = byId.get(id)!;
    self.set(frameName(node), (self.get(frameName(node)) ?? 0) + dt);
    areas.set(area(node), (areas.get(area(node)) ?? 0) + dt);
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const name = frameName(byId.get(cur)!);
      if (!seen.has(name)) total.set(name, (total.get(name) ?? 0) + dt);
      seen.add(name);
    }
  });
  return [
    `total ${(all / 1000).toFixed(0)} ms sampled`,
    '— inclusive time by phase (innermost phase on the stack) —',
    ...phaseBreakdown(profile),
    '— self time by area —',
    ...top(areas, all, 25),
    '— self time by frame —',
    ...top(self, all, count),
    '— total time by frame —',
    ...top(total, all, count * 2),
  ].join('\n');
}

if (require.main === module) {
  const file = process.argv[2];
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts <file.cpuprofile>');
  const count = Number(process.argv[3] ?? 30);
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  // A phase's name (its start) as the third argument: the frames that phase's time is spent in.
  const within = process.argv[4];
  console.log(within ? phaseBreakdown(profile, within).join('\n') : summariseProfile(profile, count));
}
