const root = '/work/main/dist';
const { TableModel, searchPattern } = await import(root + '/src/ui/table.js');
const { generateDemoRecords } = await import(root + '/src/records/index.js');
const KEYS = ['msg_id', 'submitted', 'started', 'completed', 'engine_uuid', 'queue', 'stdout'];
const base = generateDemoRecords({ count: 10000, seed: 3 });
const N = 1000000; const recs = new Array(N);
for (let i = 0; i < N; i++) { const r = base[i % base.length]; const o = {}; for (const k of KEYS) o[k] = r[k] ?? null; o.msg_id = r.msg_id.slice(0, 28) + i.toString(16).padStart(8, '0'); recs[i] = o; }
const m = new TableModel(recs, KEYS);
for (const q of ['zzzz', '2026-11-02 14:59']) {
const { pattern, datesToo } = searchPattern(q);
let t = performance.now(); let hits = 0;
for (let i = 0; i < N; i++) if (m.rowMatches(i, pattern, datesToo)) hits++;
console.log(q, 'full scan ms', (performance.now() - t).toFixed(0), hits);
}
