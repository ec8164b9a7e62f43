// The HTML reporter: a golden file on the fixed report, the escaping, and the page itself opened in
// Debian's chromium (playwright-core), offline, with the hostile names of the fixture.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { Report } from '../report.ts';
import { fixtureErrorReport, fixtureReport, golden, HOSTILE_MIGRATION, HOSTILE_TABLE } from './fixture-report.ts';
import type { MigrationTrend } from '../../history/trends.ts';
import { escapeHtml, renderHtml, sparklineSvg, type SparkPoint } from './html.ts';

/** Debian's chromium (`apt-get install chromium`, see .ci/run); CHROMIUM_PATH overrides it. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Tags the report may contain: anything else came from the data. */
const OWN_TAGS = new Set(
  'html head meta title style body main header footer h1 h2 h3 h4 p span section dl dt dd code pre ul li svg rect text g line polyline circle details summary div table thead tbody tr th td article strong a'.split(' '),
);

const NOW = fixtureReport.startedAt;
const point = (at: string, durationMs: number, rowsChanged: number, status = 'success') => ({ at, durationMs, rowsChanged, status });

/** History for the fixture: enough runs for some migrations, one or none for others, a hostile name. */
const history: MigrationTrend[] = [
  {
    engine: 'postgres',
    migration: '0005_add_patches_hash',
    direction: 'up',
    points: [point('2025-01-12T09:00:00.000Z', 3_900, 100_000), point('2025-01-13T09:00:00.000Z', 4_100, 110_000), point('2025-01-14T09:00:00.000Z', 6_000, 115_000, 'timeout'), point(NOW, 4_800, 120_000)],
  },
  { engine: 'postgres', migration: '0006_backfill_billing_interval', direction: 'up', points: [point(NOW, 310, 0, 'error')] },
  { engine: 'pglite', migration: '0005_add_patches_hash', direction: 'up', points: [point('2025-01-14T09:00:00.000Z', 30, 500), point(NOW, 35, 500)] },
  { engine: 'pglite', migration: HOSTILE_MIGRATION, direction: 'up', points: [point('2025-01-14T09:00:00.000Z', 25, 3, 'error'), point(NOW, 22, 3)] },
];

describe('renderHtml', () => {
  it('matches the golden file', () => {
    const html = renderHtml(fixtureReport, { history });
    expect(html).toBe(golden('report.html', html));
  });

  it('says why a run that could not start did not', () => {
    const html = renderHtml(fixtureErrorReport);
    expect(html).toContain('<title>rehearse: ERROR</title>');
    expect(html).toContain('rehearse could not run (<code>ENGINE_UNREACHABLE</code>): cannot connect to postgres://postgres@127.0.0.1:5432/postgres: connection refused &lt;&amp;&gt;');
    expect(html).not.toContain('class="target"');
  });

  it('lets no markup from the report through, in text, attributes or SVG titles', () => {
    const html = renderHtml(fixtureReport, { history });
    const tags = new Set([...html.matchAll(/<\/?([a-zA-Z][a-zA-Z0-9]*)/g)].map((m) => m[1]!.toLowerCase()));
    expect([...tags].filter((t) => !OWN_TAGS.has(t))).toEqual([]);
    expect(html).not.toContain('<script');
    expect(html).toContain(escapeHtml(HOSTILE_MIGRATION));
    expect(html).toContain(escapeHtml(HOSTILE_TABLE));
    expect(html).toContain(`<title>${escapeHtml(`${HOSTILE_MIGRATION} up`)}</title>`);
    // every attribute value is quoted and holds no raw quote or angle bracket
    for (const m of html.matchAll(/<[a-z][^>]*>/g)) expect(m[0].replace(/="[^"<]*"/g, '=""'), m[0]).toMatch(/^<[a-z][a-z0-9]*(\s+[a-z][a-z0-9-]*="")*\s*\/?>$/i);
    expect(escapeHtml(`<a href="x" title='y'>&amp;</a>\u0000`)).toBe('&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;amp;&lt;/a&gt;\uFFFD');
  });

  it('needs nothing from the network: no script, no external resource', () => {
    const html = renderHtml(fixtureReport, { docsBaseUrl: 'https://example.com/rehearse/blob/main/' });
    expect(html).not.toMatch(/<(script|link|img|iframe|object|embed)\b/);
    expect(html).not.toMatch(/\b(src|srcset)=/);
    expect(html).not.toMatch(/url\(/);
    // the only absolute URLs are the docs links (navigation, not loads) and the SVG namespace
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<)]+/g)].map((m) => m[0]);
    expect(urls.filter((u) => !u.startsWith('https://example.com/rehearse/blob/main/docs/hazards/') && u !== 'http://www.w3.org/2000/svg')).toEqual([]);
    expect(html).toContain('<a href="https://example.com/rehearse/blob/main/docs/hazards/blocking-lock.md">blocking-lock</a>');
    expect(renderHtml(fixtureReport)).toContain('<a href="docs/hazards/fails-on-data.md">fails-on-data</a>');
  });

  it('refuses a docs link that is not http(s) or relative', () => {
    const evil: Report = { ...fixtureReport, findings: [{ ...fixtureReport.findings[0]!, docs: 'javascript:alert(1)' }] };
    const html = renderHtml(evil);
    expect(html).not.toContain('href="javascript');
    expect(html).toContain('Docs: <code>javascript:alert(1)</code>');
  });

  it('draws one bar per step, a lock bar where a lock blocked traffic, and a blocked bar where probes measured it', () => {
    const html = renderHtml(fixtureReport);
    const svgs = [...html.matchAll(/<svg class="timeline"[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    expect(svgs).toHaveLength(2);
    expect(svgs.map((s) => s.match(/class="step-bar /g)?.length)).toEqual(fixtureReport.targets.map((t) => t.steps.length));
    expect(svgs.map((s) => s.match(/class="lock-bar"/g)?.length ?? 0)).toEqual([1, 1]);
    expect(svgs.map((s) => s.match(/class="blocked-bar"/g)?.length ?? 0)).toEqual([1, 0]);
    // phases as headings, in order: trunk then change on the server, change then rollback on PGlite
    expect(svgs.map((s) => [...s.matchAll(/font-weight="600" fill="#57606a">(\w+)</g)].map((m) => m[1]))).toEqual([
      ['trunk', 'change'],
      ['change', 'rollback'],
    ]);
    // the 4.8 s step takes most of the server's axis (5,670 ms in all)
    const bar = /class="step-bar status-success" x="[\d.]+" y="\d+" width="([\d.]+)"/g;
    const widths = [...svgs[0]!.matchAll(bar)].map((m) => Number(m[1]));
    expect(widths[1]! / 630).toBeCloseTo(4_800 / 5_670, 2);
    expect(svgs[0]).toContain('<title>longest blocked window: insert on public.patches waited 2.3 s (measured)</title>');
  });

  it('shows findings with their evidence, advice and docs, and the statements of each step', () => {
    const html = renderHtml(fixtureReport);
    expect(html).toContain('<dt>sqlstate</dt><dd>23502</dd>');
    expect(html).toContain('<dt>passesOnEmptyDatabase</dt><dd><code>true</code></dd>');
    expect(html).toContain('<p><strong>Advice:</strong> Backfill billing_interval in batches');
    expect(html).toContain(`<p>${escapeHtml(`${HOSTILE_TABLE} was rewritten (8 KiB)\nsecond line`)}</p>`);
    expect(html.match(/<details class="step"/g)).toHaveLength(fixtureReport.targets.reduce((a, t) => a + t.steps.length, 0));
    expect(html).toContain('<td class="mono">UPDATE patches SET hash = md5(body)</td><td class="status status-success">success</td><td class="num">4.8 s</td><td class="num">120,000, 240,000 processed</td>');
    const diff = renderHtml({ ...fixtureReport, findings: [{ ...fixtureReport.findings[2]!, evidence: { diff: '- a <b>\n+ b', tables: ['x'] } }] });
    expect(diff).toContain('<dt>diff</dt><dd><pre>- a &lt;b&gt;\n+ b</pre></dd>');
    expect(diff).toContain('<dt>tables</dt><dd><pre>[\n  &quot;x&quot;\n]</pre></dd>');
  });

  it('renders trends per target only when history is given, and says why when it could not be read', () => {
    expect(renderHtml(fixtureReport)).not.toContain('class="trends"');
    const html = renderHtml(fixtureReport, { history });
    expect(html).toContain('<div class="trends" id="trends-0">');
    expect(html).toContain('<div class="trends" id="trends-1">');
    // two sparklines (duration, rows) for each migration with 2+ points: postgres 0005, pglite 0005 and the hostile one
    expect(html.match(/<svg class="spark"/g)).toHaveLength(6);
    expect(html.match(/not enough history yet/g)).toHaveLength(3);
    expect(html).toContain('not enough history yet (1 run recorded)');
    expect(html).toContain('not enough history yet (0 runs recorded)');
    expect(renderHtml(fixtureReport, { history: [] }).match(/not enough history yet/g)).toHaveLength(6);
    const unavailable = renderHtml(fixtureReport, { history: { unavailable: 'history could not be read from <db>: boom' } });
    expect(unavailable.match(/Trends are unavailable: history could not be read from &lt;db&gt;: boom/g)).toHaveLength(2);
    expect(unavailable).not.toContain('class="spark"');
  });
});

describe('sparklineSvg', () => {
  const points: SparkPoint[] = [
    { at: '2025-01-01T00:00:00.000Z', value: 100, status: 'success', current: false },
    { at: '2025-01-02T00:00:00.000Z', value: 300, status: 'error', current: false },
    { at: '2025-01-03T00:00:00.000Z', value: 200, status: 'success', current: true },
  ];
  const fmt = (n: number) => `${n} ms`;

  it('draws one point per run on a line, scaled between min and max, with the axis labels', () => {
    const svg = sparklineSvg('duration of 0001_x up', points, fmt);
    expect(svg.match(/<circle /g)).toHaveLength(3);
    const line = /<polyline points="([^"]+)"/.exec(svg)![1]!.split(' ').map((xy) => xy.split(',').map(Number));
    expect(line).toHaveLength(3);
    expect(line.map(([x]) => x)).toEqual([...line.map(([x]) => x!)].sort((a, b) => a - b));
    // the highest value is at the top, the lowest at the bottom, the middle one half way
    expect(line[1]![1]).toBeLessThan(line[2]![1]!);
    expect(line[2]![1]).toBeLessThan(line[0]![1]!);
    expect(line[2]![1]).toBeCloseTo((line[0]![1]! + line[1]![1]!) / 2, 0);
    expect(svg).toContain('<text class="axis-max" x="58" y="14" font-size="10" text-anchor="end" fill="#57606a">300 ms</text>');
    expect(svg).toMatch(/<text class="axis-min"[^>]*>100 ms<\/text>/);
    expect(svg).toContain('>2025-01-01</text>');
    expect(svg).toContain('>2025-01-03</text>');
    expect(svg).toContain('aria-label="duration of 0001_x up over 3 runs: 100 ms to 300 ms"');
  });

  it('highlights this run and gives every point a tooltip with its time, value and status', () => {
    const svg = sparklineSvg('d', points, fmt);
    expect(svg.match(/class="point current"/g)).toHaveLength(1);
    expect(svg).toMatch(/<circle class="point current"[^>]*r="4"[^>]*><title>2025-01-03T00:00:00.000Z: 200 ms \(success, this run\)<\/title><\/circle>/);
    expect(svg).toContain('<title>2025-01-02T00:00:00.000Z: 300 ms (error)</title>');
    expect(svg).toMatch(/<circle class="point" [^>]*fill="#c62828"/);
    // equal values draw a flat line in the middle
    const flat = sparklineSvg('d', points.map((p) => ({ ...p, value: 5 })), fmt);
    expect(new Set([...flat.matchAll(/cy="([\d.]+)"/g)].map((m) => m[1])).size).toBe(1);
  });

  it('escapes names, statuses, times and values', () => {
    const hostile = '<script>alert("x")</script>&';
    const svg = sparklineSvg(`rows of ${hostile}`, [{ ...points[0]!, at: `<i>'`, status: hostile }, points[2]!], (n) => `<${n}>`);
    expect(svg).not.toContain('<script');
    expect(svg).not.toContain('<i>');
    expect(svg).toContain(`<title>${escapeHtml(`rows of ${hostile} over 2 runs`)}</title>`);
    expect(svg).toContain(`<title>${escapeHtml(`<i>': <100> (${hostile})`)}</title>`);
    expect(svg).toContain('&lt;200&gt;</text>');
  });

  it('shows the fewer-than-two-points case as text in the report, not as a chart', () => {
    const one: MigrationTrend[] = [{ engine: 'pglite', migration: HOSTILE_MIGRATION, direction: 'up', points: [{ at: NOW, durationMs: 1, rowsChanged: 1, status: 'success' }] }];
    const html = renderHtml(fixtureReport, { history: one });
    expect(html).not.toContain('class="spark"');
    expect(html).toContain(`<tr class="trend"><td class="mono">${escapeHtml(HOSTILE_MIGRATION)} up</td><td colspan="2" class="muted">not enough history yet (1 run recorded)</td></tr>`);
  });
});

/** Pixels of a PNG (8-bit RGB or RGBA, not interlaced) as RGBA rows. */
function decodePng(png: Buffer): { width: number; height: number; pixel: (x: number, y: number) => [number, number, number] } {
  expect(png.subarray(0, 8).equals(Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]))).toBe(true);
  let width = 0;
  let height = 0;
  let channels = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off < png.length; ) {
    const len = png.readUInt32BE(off);
    const type = png.toString('latin1', off + 4, off + 8);
    const data = png.subarray(off + 8, off + 8 + len);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      expect([data[8], data[12]]).toEqual([8, 0]); // bit depth 8, not interlaced
      channels = data[9] === 6 ? 4 : data[9] === 2 ? 3 : 0;
      expect(channels).toBeGreaterThan(0);
    } else if (type === 'IDAT') idat.push(data);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  const out = Buffer.alloc(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)]!;
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let i = 0; i < stride; i++) {
      const a = i >= channels ? out[y * stride + i - channels]! : 0;
      const b = y > 0 ? out[(y - 1) * stride + i]! : 0;
      const c = y > 0 && i >= channels ? out[(y - 1) * stride + i - channels]! : 0;
      let v = line[i]!;
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) {
        const p = a + b - c;
        const pa = Math.abs(p - a);
        const pb = Math.abs(p - b);
        const pc = Math.abs(p - c);
        v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      out[y * stride + i] = v & 0xff;
    }
  }
  return { width, height, pixel: (x, y) => [out[y * stride + x * channels]!, out[y * stride + x * channels + 1]!, out[y * stride + x * channels + 2]!] };
}

describe('renderHtml in chromium', () => {
  it('renders offline with no errors, survives hostile names, opens a step, and a screenshot shows it', { timeout: 30_000 }, async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`chromium is needed to test the HTML report (Debian: apt-get install chromium); not found at ${CHROMIUM}`);
    const dir = mkdtempSync(join(tmpdir(), 'rehearse-html-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, renderHtml(fixtureReport, { history }));
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
    try {
      const context = await browser.newContext({ offline: true, viewport: { width: 1100, height: 900 } });
      const attempted: string[] = [];
      await context.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        attempted.push(url);
        return route.abort();
      });
      const page = await context.newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });

      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });

      expect(await page.title()).toBe('rehearse: FAIL');
      const verdict = page.locator('#verdict');
      expect(await verdict.isVisible()).toBe(true);
      expect(await verdict.textContent()).toBe('FAIL');

      // one bar per step in each target's timeline, and the bars have a real size on screen
      const bars = await page.$$eval('svg.timeline', (svgs) => svgs.map((s) => s.querySelectorAll('rect.step-bar').length));
      expect(bars).toEqual(fixtureReport.targets.map((t) => t.steps.length));
      const box = await page.locator('svg.timeline').first().boundingBox();
      expect(box!.width).toBeGreaterThan(600);
      expect(box!.height).toBeGreaterThan(100);

      // the trends: two sparklines per migration with history, drawn with a size, this run highlighted
      expect(await page.locator('svg.spark').count()).toBe(6);
      const spark = await page.locator('#trends-0 svg.spark').first().boundingBox();
      expect(spark!.width).toBeGreaterThan(200);
      expect(await page.locator('svg.spark circle.current').count()).toBe(6);

      // hostile names are text: no script or <b> element exists, the names read as written
      expect(await page.locator('script').count()).toBe(0);
      expect(await page.locator('b').count()).toBe(0);
      const text = await page.locator('body').innerText();
      expect(text).toContain(HOSTILE_MIGRATION);
      expect(text).toContain(HOSTILE_TABLE);
      const hostileSummary = page.locator('details.step > summary', { hasText: HOSTILE_MIGRATION }).first();
      expect(await hostileSummary.isVisible()).toBe(true);

      // a step's details open on a click and show its statements
      const step = page.locator('details.step[data-step="0-1"]');
      const statement = step.locator('td', { hasText: 'UPDATE patches SET hash = md5(body)' });
      expect(await statement.isVisible()).toBe(false);
      await step.locator('summary').click();
      expect(await step.getAttribute('open')).not.toBeNull();
      expect(await statement.isVisible()).toBe(true);
      expect(await step.locator('table.statements tbody tr').count()).toBe(2);

      // the screenshot: a PNG of a reasonable size, with the page drawn on it (not blank), the
      // red of the failed step's bar and the green of the successful ones among its pixels
      const png = await page.screenshot({ fullPage: true });
      expect(png.length).toBeGreaterThan(20_000);
      const { width, height, pixel } = decodePng(png);
      expect(width).toBe(1100);
      expect(height).toBeGreaterThan(900);
      let nonWhite = 0;
      let red = 0;
      let green = 0;
      let samples = 0;
      for (let y = 0; y < height; y += 2) {
        for (let x = 0; x < width; x += 2) {
          const [r, g, b] = pixel(x, y);
          samples++;
          if (r < 240 || g < 240 || b < 240) nonWhite++;
          if (Math.abs(r - 0xc6) < 12 && Math.abs(g - 0x28) < 12 && Math.abs(b - 0x28) < 12) red++;
          if (Math.abs(r - 0x2e) < 12 && Math.abs(g - 0x7d) < 12 && Math.abs(b - 0x32) < 12) green++;
        }
      }
      expect(nonWhite / samples).toBeGreaterThan(0.02);
      expect(red).toBeGreaterThan(20);
      expect(green).toBeGreaterThan(20);

      expect(problems).toEqual([]);
      expect(attempted).toEqual([]);
      expect(requests.filter((u) => !u.startsWith('file:'))).toEqual([]);
      await context.close();
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
