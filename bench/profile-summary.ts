/**
 * Summarises a V8 CPU profile (`.cpuprofile` JSON): the top frames by self time and by total time (a frame counted
 * once per sample however often it recurs on the stack), and self time by package or source directory.
 * `tsx bench/profile-summary.ts <file.cpuprofile>` prints it for any profile (e.g. one from `node --cpu-prof`).
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
  console.log(summariseProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, count));
}
