// The plan as an SVG graph: one row per level (first at the top), an edge per dependency, nodes
// coloured by status.

import type { RunDetail, RunStepView } from '../server/protocol.js';
import { createSvgElement } from './dom.js';

const NODE_WIDTH = 140;
const NODE_HEIGHT = 38;
const COLUMN_GAP = 16;
const ROW_GAP = 30;
const PADDING = 10;
const MAX_LABEL = 18;
const MIN_SCALE = 0.8;
/** A matrix step's node shows its legs as chips, this many at most (then "+N"). */
const MAX_CHIPS = 24;
const CHIP = 8;
const CHIP_GAP = 2;
const CHIPS_PER_ROW = 12;
/** The height a node gains to hold its legs' chips (two rows). */
const LEGS_HEIGHT = 2 * (CHIP + CHIP_GAP) + 4;

interface NodePlace {
  step: RunStepView;
  x: number;
  y: number;
}

/** The height of every node: taller when a matrix step's legs are drawn in it. */
function getNodeHeight(run: RunDetail): number {
  return run.steps.some((step) => step.legs !== undefined)
    ? NODE_HEIGHT + LEGS_HEIGHT
    : NODE_HEIGHT;
}

function placeNodes(run: RunDetail, nodeHeight: number): Map<string, NodePlace> {
  const byId = new Map(run.steps.map((step) => [step.id, step]));
  const levels = run.levels.length > 0 ? run.levels : [run.steps.map((step) => step.id)];
  const widest = Math.max(1, ...levels.map((level) => level.length));
  const places = new Map<string, NodePlace>();
  levels.forEach((level, row) => {
    // Centre each row against the widest one.
    const offset = ((widest - level.length) * (NODE_WIDTH + COLUMN_GAP)) / 2;
    level.forEach((id, column) => {
      const step = byId.get(id);
      if (!step) return;
      places.set(id, {
        step,
        x: PADDING + offset + column * (NODE_WIDTH + COLUMN_GAP),
        y: PADDING + row * (nodeHeight + ROW_GAP),
      });
    });
  });
  return places;
}

function drawEdge(
  from: NodePlace,
  to: NodePlace,
  isCritical: boolean,
  nodeHeight: number,
): SVGElement {
  const x1 = from.x + NODE_WIDTH / 2;
  const y1 = from.y + nodeHeight;
  const x2 = to.x + NODE_WIDTH / 2;
  const y2 = to.y;
  const bend = Math.max(12, (y2 - y1) / 2);
  return createSvgElement('path', {
    class: isCritical ? 'dag-edge is-critical' : 'dag-edge',
    d: `M ${x1} ${y1} C ${x1} ${y1 + bend}, ${x2} ${y2 - bend}, ${x2} ${y2}`,
    'marker-end': 'url(#dag-arrow)',
  });
}

function shorten(text: string): string {
  return text.length > MAX_LABEL ? `${text.slice(0, MAX_LABEL - 1)}…` : text;
}

/** A matrix step's legs as chips coloured by status, each selectable, in its node. */
function drawLegs(step: RunStepView, byId: ReadonlyMap<string, RunStepView>): SVGElement[] {
  const legs = step.legs;
  if (legs === undefined) return [];
  const chips = legs.slice(0, MAX_CHIPS).map((id, index) => {
    const leg = byId.get(id);
    const status = leg?.status ?? 'pending';
    return createSvgElement(
      'rect',
      {
        class: 'dag-leg',
        'data-status': status,
        'data-action': 'select-step',
        'data-step': id,
        'data-group': step.id,
        x: 12 + (index % CHIPS_PER_ROW) * (CHIP + CHIP_GAP),
        y: NODE_HEIGHT - 4 + Math.floor(index / CHIPS_PER_ROW) * (CHIP + CHIP_GAP),
        width: CHIP,
        height: CHIP,
        rx: 2,
      },
      createSvgElement('title', {}, `${id}: ${status}`),
    );
  });
  const done = legs.filter((id) => byId.get(id)?.status === 'completed').length;
  const drawn = legs.length > MAX_CHIPS ? `the first ${MAX_CHIPS} drawn; ` : '';
  const count = createSvgElement(
    'text',
    { x: NODE_WIDTH - 10, y: 30, class: 'dag-sub', 'text-anchor': 'end' },
    createSvgElement(
      'title',
      {},
      `${done} of ${legs.length} legs completed (${drawn}the step list shows every leg)`,
    ),
    `${done}/${legs.length} legs`,
  );
  return [...chips, count];
}

function drawNode(
  place: NodePlace,
  isSelected: boolean,
  nodeHeight: number,
  byId: ReadonlyMap<string, RunStepView>,
): SVGElement {
  const { step, x, y } = place;
  return createSvgElement(
    'g',
    {
      class: isSelected ? 'dag-node is-selected' : 'dag-node',
      'data-status': step.status,
      'data-action': 'select-step',
      'data-step': step.id,
      transform: `translate(${x} ${y})`,
    },
    createSvgElement('title', {}, `${step.id}: ${step.status}`),
    createSvgElement('rect', { width: NODE_WIDTH, height: nodeHeight, rx: 8 }),
    createSvgElement('text', { x: 12, y: 16, class: 'dag-label' }, shorten(step.id)),
    createSvgElement('text', { x: 12, y: 30, class: 'dag-sub' }, step.status),
    ...drawLegs(step, byId),
  );
}

/** Draws the plan of `run` into `container`, replacing what was there. */
export function renderDag(
  container: HTMLElement,
  run: RunDetail,
  selectedStepId: string | null,
): void {
  const signature = JSON.stringify([run.levels, run.steps.map((s) => s.status), selectedStepId]);
  if (container.dataset.signature === signature) return;
  container.dataset.signature = signature;
  const nodeHeight = getNodeHeight(run);
  const places = placeNodes(run, nodeHeight);
  const byId = new Map(run.steps.map((step) => [step.id, step]));
  const rows = Math.max(1, run.levels.length);
  const columns = Math.max(1, ...run.levels.map((level) => level.length));
  const width = PADDING * 2 + columns * NODE_WIDTH + (columns - 1) * COLUMN_GAP;
  const height = PADDING * 2 + rows * nodeHeight + (rows - 1) * ROW_GAP;
  const critical = new Set(run.criticalPath);
  const edges: SVGElement[] = [];
  for (const place of places.values()) {
    for (const dependency of place.step.dependsOn) {
      const from = places.get(dependency);
      if (from)
        edges.push(
          drawEdge(
            from,
            place,
            critical.has(dependency) && critical.has(place.step.id),
            nodeHeight,
          ),
        );
    }
  }
  const svg = createSvgElement(
    'svg',
    {
      viewBox: `0 0 ${width} ${height}`,
      width,
      height,
      role: 'img',
      'aria-label': `Plan: ${run.steps.length} steps in ${run.levels.length} levels; select steps in the chart`,
    },
    createSvgElement(
      'defs',
      {},
      createSvgElement(
        'marker',
        {
          id: 'dag-arrow',
          viewBox: '0 0 10 10',
          refX: 9,
          refY: 5,
          markerWidth: 7,
          markerHeight: 7,
          orient: 'auto',
        },
        createSvgElement('path', { d: 'M 0 0 L 10 5 L 0 10 z', class: 'dag-arrow' }),
      ),
    ),
    ...edges,
    ...[...places.values()].map((place) =>
      drawNode(place, place.step.id === selectedStepId, nodeHeight, byId),
    ),
  );
  // A wide plan shrinks to fit, but not below a readable size: past that, the panel scrolls.
  svg.style.minWidth = `${Math.round(width * MIN_SCALE)}px`;
  container.replaceChildren(svg);
}
