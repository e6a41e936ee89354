// Rendering a run: the markdown table and the SVG chart (hand-written: grouped horizontal bars
// per tier, log scale, Wisp in blues and peers in other colours).

import type { LoadSample, Machine } from './machine.js';

export interface Figure {
  median: number;
  p90: number | null;
  min: number | null;
  max: number | null;
  n: number;
  unit: 'ms' | 'req/s' | '%';
  /** (p90 - min) / median: how noisy this figure was. */
  spread: number | null;
  section: string;
  subject: string;
  fn: string;
  tier: string;
  wisp: boolean;
  note?: string;
}

export interface Target {
  id: string;
  text: string;
  /** The figure (or ratio of figures) compared. */
  measured: string;
  value: number | null;
  unit: string;
  limit: number;
  cmp: '<=' | '>=';
  verdict: 'PASS' | 'MISS' | 'UNSTABLE' | 'n/a';
  why?: string;
}

export interface Report {
  suite: string;
  quick: boolean;
  machine: Machine;
  load: LoadSample[];
  durationS: number;
  method: string[];
  figures: Record<string, Figure>;
  na: Record<string, string>;
  targets: Target[];
  peers: Record<string, string>;
}

const fmt = (v: number | null, unit: string): string => {
  if (v === null || !Number.isFinite(v)) return '–';
  if (unit === 'ms') return v < 1 ? `${(v * 1000).toFixed(v < 0.1 ? 1 : 0)} µs` : v < 100 ? `${v.toFixed(2)} ms` : `${v.toFixed(0)} ms`;
  if (unit === 'req/s') return `${Math.round(v).toLocaleString('en-US')}`;
  if (unit === 'x') return `${v.toFixed(2)}x`;
  if (unit === '%') return `${v.toFixed(1)} %`;
  return String(v);
};
export const fmtValue = fmt;

const SECTION_TITLES: Record<string, string> = {
  inproc: 'In-process start (request in -> response out, no HTTP)',
  http: 'End to end over HTTP on 127.0.0.1 (one request at a time, keep-alive client on its own thread)',
  load: 'HTTP under load: wrk -t1 -c2 on loopback',
  spawn: 'Process spawn -> first response',
  fuel: 'Fuel metering overhead on CPU kernels (instrumented vs not, same process)',
};

export function markdown(r: Report): string {
  const m = r.machine;
  const L: string[] = [];
  L.push(`# Wisp cold-start bench${r.quick ? ' (--quick)' : ''}`, '');
  L.push(`${m.date} · node ${m.node} · ${m.cpuModel} · ${m.cores} cores · ${m.memGiB} GiB · commit ${m.gitCommit.slice(0, 12)}${m.gitDirty ? ' (+ uncommitted changes)' : ''} · ${r.durationS.toFixed(0)} s`, '');
  L.push(`Load average (1/5/15 min): ${r.load.map((l) => `${l.at} ${l.load.join('/')}`).join(' · ')}`, '');
  L.push('## Targets', '', '| target | measured | value | limit | verdict |', '|---|---|---|---|---|');
  for (const t of r.targets) {
    L.push(`| ${t.text} | ${t.measured} | ${t.value === null ? '–' : fmt(t.value, t.unit)} | ${t.cmp} ${fmt(t.limit, t.unit)} | **${t.verdict}**${t.why ? ` (${t.why})` : ''} |`);
  }
  L.push('');
  const sections = [...new Set(Object.values(r.figures).map((f) => f.section))];
  for (const s of sections) {
    L.push(`## ${SECTION_TITLES[s] ?? s}`, '', '| figure | median | p90 | min | max | n | spread |', '|---|---|---|---|---|---|---|');
    for (const [name, f] of Object.entries(r.figures).filter(([, f]) => f.section === s)) {
      const label = f.wisp ? `**${name}**` : name;
      L.push(`| ${label}${f.note ? ` — ${f.note}` : ''} | ${fmt(f.median, f.unit)} | ${fmt(f.p90, f.unit)} | ${fmt(f.min, f.unit)} | ${fmt(f.max, f.unit)} | ${f.n} | ${f.spread === null ? '–' : `${(f.spread * 100).toFixed(0)} %`} |`);
    }
    L.push('');
  }
  if (Object.keys(r.na).length) {
    L.push('## Not measured (n/a)', '', '| figure | reason |', '|---|---|');
    for (const [k, v] of Object.entries(r.na)) L.push(`| ${k} | ${v.replace(/\|/g, '/').replace(/\n/g, ' ')} |`);
    L.push('');
  }
  L.push('## Peers', '', ...Object.entries(r.peers).map(([k, v]) => `- ${k}: ${v}`), '');
  L.push('## Method', '', ...r.method.map((x) => `- ${x}`), '');
  return L.join('\n');
}

// ---- SVG ----

interface Bar {
  label: string;
  value: number;
  lo: number | null;
  hi: number | null;
  wisp: boolean;
  subject: string;
}
interface Panel {
  title: string;
  unit: string;
  better: string;
  bars: Bar[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const PALETTE = ['#e4572e', '#76b041', '#ffc914', '#8e6c8a', '#17becf', '#7f7f7f', '#bcbd22', '#8c564b', '#e377c2'];
const WISP = ['#1f4e9a', '#4f8fe0', '#9cc3f5'];

export function panelsOf(r: Report): Panel[] {
  const panels: Panel[] = [];
  const bars = (pred: (f: Figure) => boolean, label: (name: string, f: Figure) => string): Bar[] =>
    Object.entries(r.figures)
      .filter(([, f]) => pred(f))
      .map(([name, f]) => ({ label: label(name, f), value: f.median, lo: f.min, hi: f.p90, wisp: f.wisp, subject: f.subject }));
  for (const tier of ['cold', 'warm', 'prewarmed', 'hot', 'process']) {
    const b = bars((f) => f.section === 'inproc' && f.tier === tier, (_n, f) => `${f.fn} · ${f.subject}`);
    if (b.length) panels.push({ title: `in-process ${tier} start`, unit: 'ms', better: 'lower is better', bars: b.sort((x, y) => x.label.localeCompare(y.label)) });
  }
  for (const tier of ['cold', 'warm', 'prewarmed', 'hot']) {
    const b = bars((f) => f.section === 'http' && f.tier === tier, (_n, f) => `${f.fn} · ${f.subject}`);
    if (b.length) panels.push({ title: `HTTP ${tier}, one request at a time`, unit: 'ms', better: 'lower is better', bars: b.sort((x, y) => x.label.localeCompare(y.label)) });
  }
  const rps = bars((f) => f.section === 'load' && f.tier === 'rps', (_n, f) => `${f.fn} · ${f.subject}`);
  if (rps.length) panels.push({ title: 'HTTP throughput, wrk c=2', unit: 'req/s', better: 'higher is better', bars: rps });
  const p99 = bars((f) => f.section === 'load' && f.tier === 'p99', (_n, f) => `${f.fn} · ${f.subject}`);
  if (p99.length) panels.push({ title: 'HTTP p99 latency under load, wrk c=2', unit: 'ms', better: 'lower is better', bars: p99 });
  const sp = bars((f) => f.section === 'spawn', (_n, f) => `${f.fn} · ${f.subject}`);
  if (sp.length) panels.push({ title: 'spawn -> first response', unit: 'ms', better: 'lower is better', bars: sp });
  return panels;
}

export function svg(r: Report): string {
  const panels = panelsOf(r);
  const W = 980;
  const labelW = 330;
  const plotW = W - labelW - 110;
  const barH = 13;
  const gap = 4;
  const colour = new Map<string, string>();
  let wi = 0;
  let pi = 0;
  const colourOf = (b: Bar) => {
    if (!colour.has(b.subject)) colour.set(b.subject, b.wisp ? WISP[wi++ % WISP.length]! : PALETTE[pi++ % PALETTE.length]!);
    return colour.get(b.subject)!;
  };
  const out: string[] = [];
  let y = 50;
  for (const p of panels) {
    const vals = p.bars.flatMap((b) => [b.value, b.lo ?? b.value, b.hi ?? b.value]).filter((v) => v > 0);
    const lo = 10 ** Math.floor(Math.log10(Math.min(...vals)));
    const hi = 10 ** Math.ceil(Math.log10(Math.max(...vals)));
    const x = (v: number) => labelW + (plotW * (Math.log10(Math.max(v, lo)) - Math.log10(lo))) / (Math.log10(hi) - Math.log10(lo) || 1);
    out.push(`<text x="10" y="${y}" font-size="14" font-weight="bold">${esc(p.title)} (${p.unit}, log scale, ${p.better})</text>`);
    y += 10;
    const top = y;
    const h = p.bars.length * (barH + gap);
    for (let d = lo; d <= hi * 1.0001; d *= 10) {
      const xx = x(d).toFixed(1);
      out.push(`<line x1="${xx}" y1="${top}" x2="${xx}" y2="${top + h}" stroke="#ddd"/>`);
      const lab = p.unit === 'ms' ? (d < 1 ? `${+(d * 1000).toPrecision(3)} µs` : `${+d.toPrecision(3)} ms`) : `${+d.toPrecision(3)}`;
      out.push(`<text x="${xx}" y="${top + h + 12}" font-size="10" text-anchor="middle" fill="#666">${lab}</text>`);
    }
    for (const b of p.bars) {
      const c = colourOf(b);
      out.push(`<text x="${labelW - 6}" y="${y + barH - 3}" font-size="11" text-anchor="end"${b.wisp ? ' font-weight="bold"' : ''}>${esc(b.label)}</text>`);
      out.push(`<rect x="${labelW}" y="${y}" width="${Math.max(1, x(b.value) - labelW).toFixed(1)}" height="${barH}" fill="${c}"/>`);
      if (b.lo !== null && b.hi !== null && b.hi > b.lo) {
        out.push(`<line x1="${x(b.lo).toFixed(1)}" y1="${y + barH / 2}" x2="${x(b.hi).toFixed(1)}" y2="${y + barH / 2}" stroke="#000" stroke-width="1"/>`);
      }
      out.push(`<text x="${(x(Math.max(b.value, b.hi ?? 0)) + 4).toFixed(1)}" y="${y + barH - 3}" font-size="10">${esc(fmt(b.value, p.unit))}</text>`);
      y += barH + gap;
    }
    y += 34;
  }
  const m = r.machine;
  const head = [
    `<text x="10" y="20" font-size="16" font-weight="bold">Wisp cold-start bench${r.quick ? ' (--quick)' : ''}: Wisp (bold, blue) vs peers — median, whisker min..p90</text>`,
    `<text x="10" y="36" font-size="11" fill="#444">${esc(`${m.date} · node ${m.node} · ${m.cpuModel} · ${m.cores} cores · commit ${m.gitCommit.slice(0, 12)} · load ${r.load[0]?.load.join('/') ?? ''}`)}</text>`,
  ];
  return `<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${y + 10}" viewBox="0 0 ${W} ${y + 10}" font-family="DejaVu Sans, Arial, sans-serif">\n<rect width="100%" height="100%" fill="#fff"/>\n${[...head, ...out].join('\n')}\n</svg>\n`;
}
