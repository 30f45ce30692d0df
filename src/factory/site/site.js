// DuckPond site charts: each <div class="chart" data-manifest="..."> draws
// one series with uPlot, reading Snappy Parquet with hyparquet. The first
// view shows the whole range at the coarsest resolution; a duration button
// or a drag-zoom picks the finest resolution whose points in the visible
// window stay within the page's target. A view fetches only the files that
// overlap its window.
import { parquetReadObjects } from 'hyparquet';

const DAY = 86400;
const DURATIONS = [['1 day', DAY], ['1 week', 7 * DAY], ['1 month', 30 * DAY], ['1 year', 365 * DAY], ['all', 0]];
const AGGREGATES = new Set(['avg', 'min', 'max', 'sum', 'count']);
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf', '#8c564b', '#e377c2'];
const target = Number(document.body.dataset.targetPoints || 1500);
const fileCache = new Map();  // url -> Promise of rows

// Seconds since the epoch, from what hyparquet returns for a timestamp.
function seconds(v) {
  if (v instanceof Date) return v.getTime() / 1000;
  if (typeof v === 'bigint') return Number(v) / 1e6;
  return Number(v);
}

function loadFile(url) {
  if (!fileCache.has(url)) {
    fileCache.set(url, fetch(url).then((r) => {
      if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }).then((file) => parquetReadObjects({ file })));
  }
  return fileCache.get(url);
}

// "temperature.C.avg" -> {base: "temperature.C", agg: "avg", name: "temperature", unit: "C"}
function describe(column) {
  const parts = column.split('.');
  let agg = '';
  if (parts.length > 1 && AGGREGATES.has(parts[parts.length - 1])) agg = parts.pop();
  const base = parts.join('.');
  const unit = parts.length > 1 ? parts.pop() : '';
  return { base, agg, name: parts.join('.') || base, unit };
}

const NUMERIC = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*|BOOLEAN)$/;

// A drawable number, or null (NULL, NaN, infinities and non-numbers are gaps).
function value(v) {
  if (v == null) return null;
  const n = Number(v);
  return Number.isFinite(n) ? n : null;
}

// What to draw: per base numeric column, its average (or its one value) as a
// line and its min/max as a band around it when the reduction has them.
function plan(columns, timeColumn) {
  const bases = new Map();
  for (const [name, type] of columns) {
    if (name === timeColumn || !NUMERIC.test(type)) continue;
    const d = describe(name);
    if (d.agg === 'count') continue;
    if (!bases.has(d.base)) bases.set(d.base, { ...d, cols: {} });
    bases.get(d.base).cols[d.agg || 'value'] = name;
  }
  const out = [];
  for (const b of bases.values()) {
    const line = b.cols.avg || b.cols.value || b.cols.sum || b.cols.min || b.cols.max;
    out.push({ label: b.unit ? `${b.name} (${b.unit})` : b.name, line, min: b.cols.min, max: b.cols.max });
  }
  return out;
}

class Chart {
  constructor(el) {
    this.el = el;
    this.manifestUrl = el.dataset.manifest;
    this.base = this.manifestUrl.replace(/manifest\.json$/, '');
    this.init().catch((e) => this.fail(e));
  }

  fail(e) {
    this.el.dataset.state = 'error';
    this.el.querySelector('.plot').textContent = `cannot draw this series: ${e.message}`;
    console.error(e);
  }

  async init() {
    const r = await fetch(this.manifestUrl);
    if (!r.ok) throw new Error(`${this.manifestUrl}: HTTP ${r.status}`);
    this.m = await r.json();
    // Finest first; a raw series (no resolution) counts as the finest.
    this.resolutions = [...this.m.resolutions].filter((x) => x.files.length)
      .sort((a, b) => (a.seconds || 0) - (b.seconds || 0));
    if (!this.resolutions.length) {
      this.el.dataset.state = 'empty';
      this.el.querySelector('.plot').textContent = 'No data yet.';
      return;
    }
    this.min = Math.min(...this.resolutions.map((x) => x.min));
    this.max = Math.max(...this.resolutions.map((x) => x.max));
    if (this.max - this.min < 1) {  // one instant: a window around it
      this.min -= 3600;
      this.max += 3600;
    }
    this.lines = plan(this.m.columns, this.m.time_column);
    const buttons = this.el.querySelector('.buttons');
    for (const [label, span] of DURATIONS) {
      const b = document.createElement('button');
      b.textContent = label;
      b.addEventListener('click', () => this.show(span ? Math.max(this.min, this.max - span) : this.min, this.max)
        .catch((e) => this.fail(e)));
      buttons.appendChild(b);
    }
    // The first view: everything, at the coarsest resolution.
    await this.show(this.min, this.max, this.resolutions[this.resolutions.length - 1]);
  }

  // The finest resolution whose points in [lo, hi] stay within the target;
  // the coarsest when none does.
  pick(lo, hi) {
    for (const r of this.resolutions) {
      const spanAll = Math.max(r.max - r.min, 1);
      const points = r.seconds ? (hi - lo) / r.seconds : r.rows * ((hi - lo) / spanAll);
      if (points <= target) return r;
    }
    return this.resolutions[this.resolutions.length - 1];
  }

  async show(lo, hi, resolution) {
    const r = resolution || this.pick(lo, hi);
    const files = r.files.filter((f) => f.max >= lo && f.min <= hi);
    const parts = await Promise.all(files.map((f) => loadFile(this.base + f.path)));
    const rows = parts.flat().map((row) => ({ ...row, __t: seconds(row[this.m.time_column]) }))
      .sort((a, b) => a.__t - b.__t);
    const data = [rows.map((row) => row.__t)];
    const series = [{}];
    const bands = [];
    this.lines.forEach((line, i) => {
      const color = COLORS[i % COLORS.length];
      const at = data.length;
      data.push(rows.map((row) => value(row[line.line])));
      series.push({ label: line.label, stroke: color, width: 1.5, spanGaps: false });
      if (line.min && line.max) {
        data.push(rows.map((row) => value(row[line.max])));
        series.push({ label: `${line.label} max`, stroke: color + '55', width: 0.5 });
        data.push(rows.map((row) => value(row[line.min])));
        series.push({ label: `${line.label} min`, stroke: color + '55', width: 0.5 });
        bands.push({ series: [at + 1, at + 2], fill: color + '22' });
      }
    });
    this.el.dataset.resolution = r.name;
    this.el.dataset.files = String(files.length);
    this.el.dataset.points = String(rows.length);
    const plotEl = this.el.querySelector('.plot');
    if (!this.plot) {
      this.plot = new uPlot({
        width: Math.max(plotEl.clientWidth || 800, 320),
        height: 320,
        series,
        bands,
        scales: { x: { time: true } },
        axes: [{}, { label: this.lines.map((l) => l.label).join(', ') }],
        cursor: { drag: { x: true, y: false } },
        hooks: {
          setSelect: [(u) => {
            if (u.select.width < 2) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, width: 0, top: 0, height: 0 }, false);
            this.show(a, b).catch((e) => this.fail(e));
          }],
        },
      }, data, plotEl);
    } else {
      this.plot.setData(data, false);
    }
    this.plot.setScale('x', { min: lo, max: hi });
    this.el.dataset.lo = String(lo);
    this.el.dataset.hi = String(hi);
    this.el.dataset.state = 'drawn';
  }
}

for (const el of document.querySelectorAll('.chart[data-manifest]')) new Chart(el);
