// Renders a plan for `mia workflow show`: readable text, a plain JSON object, or a Mermaid graph.

import { listStaticLegs } from '../definition/legs.js';
import type { ResolvedStep, ResolvedWorkflow } from '../definition/types.js';
import { formatDuration } from '../util/duration.js';
import type { Plan } from './plan.js';

/** How to show a plan: the shell that a step naming none would run in here. */
export interface PlanFormatOptions {
  defaultShell?: string;
}

/** The plan as text for people: narrative, each level's steps in short, the critical path. */
export function formatPlanText(
  plan: Plan,
  workflow: ResolvedWorkflow,
  options: PlanFormatOptions = {},
): string {
  const lines = [`${workflow.name}: ${workflow.narrative}`];
  if (workflow.description !== undefined) lines.push(workflow.description);
  const origin = workflow.extends === undefined ? '' : `, extends ${workflow.extends}`;
  lines.push(`(${workflow.source.kind}: ${workflow.source.path}${origin})`);
  const inputs = Object.entries(workflow.inputs).map(([name, input]) => {
    if (input.default !== undefined) return `${name} (default ${JSON.stringify(input.default)})`;
    return input.required === true ? `${name} (required)` : name;
  });
  if (inputs.length > 0) lines.push(`Inputs: ${inputs.join(', ')}`);

  const steps = new Map(workflow.steps.map((step) => [step.id, step]));
  const width = Math.max(0, ...workflow.steps.map((step) => step.id.length));
  for (const [index, level] of plan.levels.entries()) {
    lines.push('', `Level ${index + 1}`);
    for (const id of level) {
      const step = steps.get(id);
      if (step === undefined) continue;
      const shell = describeShell(step, options);
      const details = [
        `${step.action} (${step.universe})`,
        ...(shell === undefined ? [] : [`shell ${shell}`]),
        ...describeStep(step),
      ];
      lines.push(`  ${id.padEnd(width)}  ${details.join(' · ')}`);
      if (step.beat !== undefined) lines.push(`  ${' '.repeat(width)}  beat: ${step.beat}`);
    }
  }
  const count = plan.criticalPath.length;
  lines.push(
    '',
    `Critical path: ${plan.criticalPath.join(' -> ')} (${count} step${count === 1 ? '' : 's'})`,
  );
  return lines.join('\n');
}

/** `bash`, or `bash (default)` for a step that names no shell; undefined for a step without a script. */
function describeShell(step: ResolvedStep, options: PlanFormatOptions): string | undefined {
  if (step.shell !== 'default') return step.shell;
  return `${options.defaultShell ?? 'bash or sh'} (default)`;
}

function describeStep(step: ResolvedStep): string[] {
  const parts: string[] = [];
  if (step.dependsOn.length > 0) parts.push(`after ${step.dependsOn.join(', ')}`);
  if (step.when !== undefined) parts.push(`when ${String(step.when)}`);
  if (step.timeoutMs !== undefined) parts.push(`timeout ${formatDuration(step.timeoutMs)}`);
  if (step.retry.attempts > 1) {
    const { attempts, delayMs, backoff } = step.retry;
    parts.push(
      `retry ${attempts}x every ${formatDuration(delayMs)}${backoff === 'exponential' ? ' (exponential)' : ''}`,
    );
  }
  if (step.continueOnError) parts.push('continues on error');
  if (step.strategy) parts.push(describeMatrix(step));
  if (step.cache) parts.push(`cached (inputs: ${step.cache.inputs.join(', ') || 'none'})`);
  return parts;
}

/** A matrix step's legs, or when they are decided. */
function describeMatrix(step: ResolvedStep): string {
  const legs = listStaticLegs(step);
  if (legs === undefined) return 'matrix: legs decided when its upstream completes';
  const shown = legs.slice(0, 4).map((leg) => leg.id);
  return `matrix: ${legs.length} leg${legs.length === 1 ? '' : 's'} (${shown.join(', ')}${legs.length > 4 ? ', …' : ''})`;
}

/** The plan as a plain JSON-ready object. */
export function toPlanJson(
  plan: Plan,
  workflow: ResolvedWorkflow,
  options: PlanFormatOptions = {},
) {
  const levelOf = new Map(plan.levels.flatMap((level, index) => level.map((id) => [id, index])));
  return {
    name: workflow.name,
    narrative: workflow.narrative,
    description: workflow.description ?? null,
    source: workflow.source,
    extends: workflow.extends ?? null,
    inputs: workflow.inputs,
    concurrency: workflow.concurrency ?? null,
    levels: plan.levels,
    order: plan.order,
    criticalPath: plan.criticalPath,
    steps: workflow.steps.map((step) => ({
      id: step.id,
      action: step.action,
      universe: step.universe,
      beat: step.beat ?? null,
      tension: step.tension ?? null,
      dependsOn: step.dependsOn,
      dependents: plan.dependents.get(step.id) ?? [],
      level: levelOf.get(step.id) ?? null,
      when: step.when ?? null,
      timeoutMs: step.timeoutMs ?? null,
      retry: step.retry,
      continueOnError: step.continueOnError,
      shell: (step.shell === 'default' ? options.defaultShell : step.shell) ?? null,
      cache: step.cache ?? null,
      hash: step.hash,
      // A matrix step's legs; [] when its matrix is expanded at run time.
      ...(step.strategy ? { legs: (listStaticLegs(step) ?? []).map((leg) => leg.id) } : {}),
    })),
  };
}

/** The plan as a Mermaid flowchart (`graph TD`): nodes numbered, labels escaped, critical path in bold. */
export function formatPlanMermaid(plan: Plan, workflow: ResolvedWorkflow): string {
  const nodeOf = new Map(workflow.steps.map((step, index) => [step.id, `s${index}`]));
  const critical = new Set(
    plan.criticalPath.slice(1).map((id, i) => `${plan.criticalPath[i]}>${id}`),
  );
  const lines = ['graph TD'];
  for (const step of workflow.steps) {
    const label = `${escapeLabel(step.id)}<br/>${escapeLabel(`${step.action} (${step.universe})`)}`;
    lines.push(`  ${nodeOf.get(step.id)}["${label}"]`);
  }
  for (const step of workflow.steps) {
    for (const dep of step.dependsOn) {
      const from = nodeOf.get(dep);
      if (from === undefined) continue;
      const arrow = critical.has(`${dep}>${step.id}`) ? '==>' : '-->';
      lines.push(`  ${from} ${arrow} ${nodeOf.get(step.id)}`);
    }
  }
  return lines.join('\n');
}

function escapeLabel(text: string): string {
  return text.replace(/[#"<>&]/g, (char) => `#${char.charCodeAt(0)};`);
}
