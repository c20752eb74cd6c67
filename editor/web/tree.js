// The tree of a version: rules and endpoints as boxes laid out top-down by
// dagre (vendor/dagre.min.js), an edge per item labelled by what selects
// it, zoom (wheel) and pan (drag). Selecting a box or an edge reports its
// id; problems and a simulation's path are drawn on the boxes and edges.
import { html, useMemo, useRef, useState, useEffect } from './vendor/htm-preact.mjs';

const FONT = '12px system-ui, sans-serif';
const LINE = 16, ELINE = 14;
const canvas = document.createElement('canvas').getContext('2d');
function textWidth(s, bold) {
  canvas.font = (bold ? 'bold ' : '') + FONT;
  return canvas.measureText(s).width;
}

// layout places the graph's nodes and edge labels.
function layout(g, labels) {
  const d = new dagre.graphlib.Graph({ multigraph: true });
  d.setGraph({ rankdir: 'TB', nodesep: 28, ranksep: 56, edgesep: 14, marginx: 16, marginy: 16 });
  d.setDefaultEdgeLabel(() => ({}));
  for (const n of ordered(g)) {
    const w = Math.max(...n.lines.map((s, i) => textWidth(s, i === 0)));
    d.setNode(n.id, { width: Math.max(70, w + 24), height: n.lines.length * LINE + 12 });
  }
  // dagre places the children of a node right to left in the order their
  // edges were added: add them backwards, so that items read left to right.
  for (const e of [...g.edges].reverse()) {
    const lines = labels?.[e.path] || e.lines;
    const w = lines.length ? Math.max(...lines.map(s => textWidth(s))) + 10 : 0;
    d.setEdge(e.from, e.to, { width: w, height: lines.length ? lines.length * ELINE + 6 : 0, labelpos: 'c', lines }, e.key);
  }
  dagre.layout(d);
  const nodes = new Map(g.nodes.map(n => [n.id, { ...n, ...d.node(n.id) }]));
  const edges = g.edges.map(e => ({ ...e, ...d.edge({ v: e.from, w: e.to, name: e.key }) }));
  inItemOrder(nodes, edges);
  const { width, height } = d.graph();
  return { nodes, edges, width, height };
}

// ordered lists the nodes breadth-first from the start, each rule's items
// in order, then the others: dagre starts from its insertion order, so
// Primary tends to stay left of Secondary.
function ordered(g) {
  const byId = new Map(g.nodes.map(n => [n.id, n]));
  const seen = new Set(['start']), out = [byId.get('start')];
  for (let i = 0; i < out.length; i++) {
    for (const e of g.edges) if (e.from === out[i].id && !seen.has(e.to)) { seen.add(e.to); out.push(byId.get(e.to)); }
  }
  return [...out, ...g.nodes.filter(n => !seen.has(n.id))];
}

// inItemOrder puts the leaves of each rule that hang from it alone back in
// item order (dagre breaks ties between siblings either way): each takes a
// slot, its edge the geometry of the edge to that slot.
function inItemOrder(nodes, edges) {
  const degree = new Map();
  for (const e of edges) degree.set(e.to, (degree.get(e.to) || 0) + 1);
  const isLeaf = id => degree.get(id) === 1 && !edges.some(e => e.from === id);
  for (const n of nodes.values()) {
    const out = edges.filter(e => e.from === n.id && isLeaf(e.to));
    if (out.length < 2 || new Set(out.map(e => nodes.get(e.to).y)).size > 1) continue;
    const slots = out.map(e => ({ x: nodes.get(e.to).x, geo: { points: e.points, x: e.x, y: e.y } })).sort((a, b) => a.x - b.x);
    out.forEach((e, i) => { nodes.get(e.to).x = slots[i].x; Object.assign(e, slots[i].geo); });
  }
}

// curve draws an edge through dagre's points.
function curve(points) {
  let p = `M${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const a = points[i], b = points[i + 1];
    p += ` Q${a.x},${a.y} ${(a.x + b.x) / 2},${(a.y + b.y) / 2}`;
  }
  const last = points[points.length - 1];
  return p + ` L${last.x},${last.y}`;
}

function Lines({ lines, x, y, step, firstBold }) {
  return html`<text x=${x} y=${y}>${lines.map((s, i) =>
    html`<tspan x=${x} dy=${i ? step : 0} class=${firstBold && i === 0 ? 'name' : ''}>${s}</tspan>`)}</text>`;
}

// Tree draws g. labels: edge label lines by item path (the server's
// graph); problems: Map of node/edge id to problems; path: a simulation's
// {visited, answered (node ids), chosen, skipped (edge keys)}.
export function Tree({ g, labels, problems, path, selected, onSelect }) {
  const lay = useMemo(() => layout(g, labels), [g, labels]);
  const svg = useRef(null);
  const [zoomed, setView] = useState(null);
  // fit shows the whole tree, at most at its natural size, from the top.
  const fit = () => {
    const r = svg.current?.getBoundingClientRect();
    const w = Math.max(lay.width, r?.width || 0), h = Math.max(lay.height, r?.height || 0);
    setView([lay.width / 2 - w / 2, 0, w, h]);
  };
  const [auto, setAuto] = useState(true);
  useEffect(() => { if (auto || !zoomed) fit(); }, [lay]);
  const view = zoomed || [0, 0, lay.width, lay.height];

  const toGraph = (ev) => {
    const r = svg.current.getBoundingClientRect();
    const k = Math.max(view[2] / r.width, view[3] / r.height);
    const cx = view[0] + view[2] / 2 - (r.width / 2) * k, cy = view[1]; // xMidYMin
    return [cx + (ev.clientX - r.left) * k, cy + (ev.clientY - r.top) * k, k];
  };
  const wheel = (ev) => {
    ev.preventDefault();
    const [gx, gy] = toGraph(ev);
    const f = ev.deltaY > 0 ? 1.15 : 1 / 1.15;
    setAuto(false);
    setView([gx - (gx - view[0]) * f, gy - (gy - view[1]) * f, view[2] * f, view[3] * f]);
  };
  const down = (ev) => {
    if (ev.target.closest('.node, .elabel')) return;
    const start = [ev.clientX, ev.clientY], from = view;
    const [, , k] = toGraph(ev);
    let moved = false;
    const move = (m) => {
      moved = true;
      setAuto(false);
      setView([from[0] - (m.clientX - start[0]) * k, from[1] - (m.clientY - start[1]) * k, from[2], from[3]]);
    };
    const up = () => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (!moved) onSelect(null);
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };
  const cls = (base, id, extra) => [base, extra, selected === id && 'selected', problems.get(id)?.some(p => p.severity === 'error') ? 'error'
    : problems.get(id)?.length && 'warning'].filter(Boolean).join(' ');

  return html`
    <div class="tree-wrap">
      <div class="tree-tools">
        <button title="Zoom in" onClick=${() => { setAuto(false); setView([view[0] + view[2] * 0.1, view[1] + view[3] * 0.1, view[2] * 0.8, view[3] * 0.8]); }}>+</button>
        <button title="Zoom out" onClick=${() => { setAuto(false); setView([view[0] - view[2] * 0.125, view[1] - view[3] * 0.125, view[2] * 1.25, view[3] * 1.25]); }}>−</button>
        <button title="Fit the tree" onClick=${() => { setAuto(true); fit(); }}>fit</button>
      </div>
      <svg class="tree" ref=${svg} viewBox=${view.join(' ')} preserveAspectRatio="xMidYMin meet" onWheel=${wheel} onPointerDown=${down}>
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead" />
          </marker>
          <marker id="arrow-chosen" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse">
            <path d="M0,0 L10,5 L0,10 z" class="arrowhead chosen" />
          </marker>
        </defs>
        ${lay.edges.map(e => {
          const state = path?.chosen.has(e.key) ? 'chosen' : path?.skipped.has(e.key) ? 'skipped' : path ? 'dim' : '';
          return html`<path class=${cls('edge', e.key, state)} data-key=${e.key} d=${curve(e.points)}
            marker-end=${state === 'chosen' ? 'url(#arrow-chosen)' : 'url(#arrow)'} />`;
        })}
        ${lay.edges.filter(e => e.lines.length).map(e => {
          const state = path?.chosen.has(e.key) ? 'chosen' : path?.skipped.has(e.key) ? 'skipped' : '';
          return html`<g class=${cls('elabel', e.key, state)} data-key=${e.key} transform=${`translate(${e.x - e.width / 2},${e.y - e.height / 2})`}
              onClick=${() => onSelect(e.key)}>
            <rect width=${e.width} height=${e.height} rx="3" />
            <${Lines} lines=${e.lines} x="5" y=${ELINE - 1} step=${ELINE} />
          </g>`;
        })}
        ${[...lay.nodes.values()].map(n => {
          const state = path?.answered.has(n.id) ? 'answered' : path?.visited.has(n.id) ? 'visited' : path ? 'dim' : '';
          const count = problems.get(n.id)?.length;
          return html`<g class=${cls('node', n.id, [n.kind, 't-' + n.type, n.unreachable && 'unreachable', n.missing && 'missing', state].filter(Boolean).join(' '))}
              data-id=${n.id} transform=${`translate(${n.x - n.width / 2},${n.y - n.height / 2})`} onClick=${() => onSelect(n.id)}>
            <title>${n.unreachable ? 'not reached from the start' : n.path}</title>
            <rect width=${n.width} height=${n.height} rx=${n.kind === 'start' ? n.height / 2 : 5} />
            <${Lines} lines=${n.lines} x="12" y=${LINE + 2} step=${LINE} firstBold=${true} />
            ${count ? html`<g class="badge" transform=${`translate(${n.width - 4},-4)`}><circle r="8" /><text y="4">${count}</text></g>` : ''}
          </g>`;
        })}
      </svg>
    </div>`;
}

// pathOf turns an explanation into what the tree lights up, for the link
// of the explanation that evaluated this document.
export function pathOf(ex, link) {
  const p = { visited: new Set(), answered: new Set(), chosen: new Set(), skipped: new Set() };
  const l = ex?.links?.[link];
  if (!l) return null;
  if (l.steps.length || l.endpoints.length) p.chosen.add('start#-1');
  for (const s of l.steps) {
    p.visited.add('rule:' + s.rule);
    for (const it of s.items) {
      const key = 'rule:' + s.rule + '#' + it.index;
      if (it.chosen) p.chosen.add(key);
      else if (!it.healthy && it.applies) p.skipped.add(key);
    }
  }
  for (const e of l.endpoints) p.answered.add('endpoint:' + e);
  if (!l.steps.length && l.endpoints.length) p.visited.add('start');
  p.visited.add('start');
  return p;
}
