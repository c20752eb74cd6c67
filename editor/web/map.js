// The world map of a version: countries (and US states) coloured by the
// endpoint a client there reaches through geo rules, and for geoproximity
// and latency rules a grid of the endpoint each place reaches. The winners
// come from the server (POST /api/map), which asks the evaluator; shapes
// from world-atlas and us-atlas, drawn with d3-geo and topojson-client.
import { html, useEffect, useMemo, useState } from './vendor/htm-preact.mjs';

export const PALETTE = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1', '#ff9da7',
  '#9c755f', '#86bc86', '#d37295', '#a0cbe8', '#ffbe7d', '#8cd17d', '#499894', '#bab0ac'];
export const colour = i => PALETTE[i % PALETTE.length];

// Shapes without an ISO numeric id in world-atlas at 1:110m.
const UNNUMBERED = { Kosovo: 'XK', Somaliland: 'SO', 'N. Cyprus': 'CY' };

// US state names (us-atlas) to their USPS codes (Route 53's subdivisions).
const STATES = Object.fromEntries(('AL Alabama|AK Alaska|AZ Arizona|AR Arkansas|CA California|CO Colorado|CT Connecticut|' +
  'DE Delaware|DC District of Columbia|FL Florida|GA Georgia|HI Hawaii|ID Idaho|IL Illinois|IN Indiana|IA Iowa|KS Kansas|' +
  'KY Kentucky|LA Louisiana|ME Maine|MD Maryland|MA Massachusetts|MI Michigan|MN Minnesota|MS Mississippi|MO Missouri|' +
  'MT Montana|NE Nebraska|NV Nevada|NH New Hampshire|NJ New Jersey|NM New Mexico|NY New York|NC North Carolina|' +
  'ND North Dakota|OH Ohio|OK Oklahoma|OR Oregon|PA Pennsylvania|RI Rhode Island|SC South Carolina|SD South Dakota|' +
  'TN Tennessee|TX Texas|UT Utah|VT Vermont|VA Virginia|WA Washington|WV West Virginia|WI Wisconsin|WY Wyoming')
  .split('|').map(s => [s.slice(3), s.slice(0, 2)]));
export const STATE_NAMES = Object.fromEntries(Object.entries(STATES).map(([n, c]) => [c, n]));

const W = 960, H = 480;
let shapes;
// loadShapes fetches the atlases once.
export function loadShapes() {
  shapes ||= Promise.all(['countries-110m.json', 'states-10m.json', 'iso-codes.json'].map(f =>
    fetch('vendor/' + f).then(r => r.json()))).then(([world, us, codes]) => {
    const alpha2 = Object.fromEntries(codes.map(([a2, , num]) => [num, a2]));
    const countries = topojson.feature(world, world.objects.countries).features
      .map(f => ({ cc: alpha2[f.id] || UNNUMBERED[f.properties.name], name: f.properties.name, f }));
    const states = topojson.feature(us, us.objects.states).features
      .map(f => ({ code: STATES[f.properties.name], name: f.properties.name, f })).filter(s => s.code);
    return { countries, states };
  });
  return shapes;
}

// top returns the index of the most likely endpoint of a distribution.
function top(dist) {
  let best = -1;
  for (const [i, p] of Object.entries(dist || {})) if (best < 0 || p > dist[best]) best = Number(i);
  return best;
}

function describe(data, dist) {
  const parts = Object.entries(dist || {}).sort((a, b) => b[1] - a[1]).map(([i, p]) => `${data.endpoints[i]} ${Math.round(p * 1000) / 10}%`);
  return parts.length ? parts.join(', ') : 'no answer';
}

// WorldMap draws data (the answer of POST /api/map); onPick receives the
// place clicked, as a simulation's Location.
export function WorldMap({ data, names, onPick, client }) {
  const [sh, setShapes] = useState(null);
  useEffect(() => { loadShapes().then(setShapes); }, []);
  const proj = useMemo(() => d3.geoEquirectangular().fitSize([W, H], { type: 'Sphere' }), []);
  const path = useMemo(() => d3.geoPath(proj), [proj]);
  const grid = useMemo(() => data?.grid && runs(data.grid, proj), [data, proj]);
  if (!sh || !data) return html`<div class="map loading">Loading the map…</div>`;
  const geo = !!data.countries;
  if (!geo && !data.grid) {
    return html`<p class="welcome">This version has no geo, geoproximity or latency rule: where a client is does not change its answer.</p>`;
  }

  const click = (ev) => {
    const svg = ev.currentTarget;
    const pt = new DOMPoint(ev.clientX, ev.clientY).matrixTransform(svg.getScreenCTM().inverse());
    const [lon, lat] = proj.invert([pt.x, pt.y]);
    if (!geo || data.grid) {
      if (Math.abs(lat) <= 90 && Math.abs(lon) <= 180) onPick({ Latitude: Math.round(lat * 100) / 100, Longitude: Math.round(lon * 100) / 100 });
      return;
    }
    const el = ev.target.closest('[data-cc], [data-state]');
    if (el?.dataset.state) onPick({ Country: 'US', Subdivision: el.dataset.state });
    else if (el?.dataset.cc) onPick({ Country: el.dataset.cc });
  };
  const used = new Set();
  const fill = (dist) => { const t = top(dist); if (t >= 0) used.add(t); return t >= 0 ? colour(t) : null; };
  if (grid) for (const r of grid) used.add(r.v);
  const marker = client && proj([client.Longitude, client.Latitude]);

  return html`
    <div class="map">
      <svg viewBox="0 0 ${W} ${H}" preserveAspectRatio="xMidYMin meet" onClick=${click} class=${geo ? 'geo' : 'proximity'}>
        <path class="sphere" d=${path({ type: 'Sphere' })} />
        ${sh.countries.map(c => {
          const f = geo ? fill(data.countries[c.cc]) : null;
          return html`<path class=${'country' + (f ? ' coloured' : '')} data-cc=${c.cc || ''} d=${path(c.f)} fill=${f || undefined}>
            <title>${(names[c.cc] || c.name) + (c.cc ? ' (' + c.cc + ')' : '') + (geo ? ': ' + describe(data, data.countries[c.cc]) : '')}</title></path>`;
        })}
        ${geo && sh.states.map(s => {
          const f = fill(data.states[s.code]);
          return html`<path class=${'state' + (f ? ' coloured' : '')} data-state=${s.code} d=${path(s.f)} fill=${f || undefined}>
            <title>${s.name} (US-${s.code}): ${describe(data, data.states[s.code])}</title></path>`;
        })}
        ${grid && html`<g class="grid" shape-rendering="crispEdges">${grid.map(r => html`<rect x=${r.x} y=${r.y} width=${r.w} height=${r.h} fill=${colour(r.v)} />`)}</g>`}
        ${grid && sh.countries.map(c => html`<path class="border" d=${path(c.f)} />`)}
        ${(data.sites || []).map(s => {
          const [x, y] = proj([s.lon, s.lat]);
          const i = data.endpoints.indexOf(s.endpoint);
          return html`<g class="site" transform=${`translate(${x},${y})`}>
            <circle r="5" fill=${i >= 0 ? colour(i) : '#555'} />
            <text x=${x > W - 150 ? -8 : 8} y="4" text-anchor=${x > W - 150 ? 'end' : 'start'}>${s.label}${s.bias ? ` (bias ${s.bias > 0 ? '+' : ''}${s.bias})` : ''}</text>
            <title>${s.rule} ${s.path}</title></g>`;
        })}
        ${marker && html`<g class="client" transform=${`translate(${marker[0]},${marker[1]})`}><circle r="6" /><circle r="2" /></g>`}
      </svg>
      <div class="legend">
        ${[...used].sort((a, b) => a - b).map(i => html`<span><i class="swatch" style=${{ background: colour(i) }}></i>${data.endpoints[i]}</span>`)}
        <span class="hint">${geo && !data.grid ? 'Click a country or US state to simulate a client there.' : 'Click anywhere to simulate a client at that point.'}</span>
      </div>
    </div>`;
}

// runs merges each grid row's cells into rectangles of one winner.
function runs(grid, proj) {
  const out = [];
  for (let r = 0; r < grid.rows; r++) {
    for (let c = 0; c < grid.cols;) {
      const v = grid.cells[r * grid.cols + c];
      let e = c + 1;
      while (e < grid.cols && grid.cells[r * grid.cols + e] === v) e++;
      if (v >= 0) {
        const [x0, y0] = proj([-180 + c * grid.step, -90 + (r + 1) * grid.step]);
        const [x1, y1] = proj([-180 + e * grid.step, -90 + r * grid.step]);
        out.push({ x: x0, y: y0, w: x1 - x0, h: y1 - y0, v });
      }
      c = e;
    }
  }
  return out;
}
