// What `mia workflow ls` shows of each built-in template, made at build time, so that listing
// parses only the workspace's own files. A summary is used only for the exact bytes it was made from.

import { readFileSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hashSha256 } from '../util/hash.js';

/** The file the build writes next to the compiled module. */
export const TEMPLATE_SUMMARIES_FILE = 'template-summaries.json';

/** The fields of a workflow file that a listing shows. */
export interface WorkflowSummary {
  narrative?: string;
  description?: string;
  extends?: string;
}

/** Summaries by template file name, each with the sha256 of the bytes it was made from. */
export type TemplateSummaries = Record<string, { sha256: string; summary: WorkflowSummary }>;

/** The listed fields of a workflow's parsed data. */
export function pickSummary(data: unknown): WorkflowSummary {
  if (data === null || typeof data !== 'object' || Array.isArray(data)) return {};
  const record = data as Record<string, unknown>;
  const summary: WorkflowSummary = {};
  if (typeof record.narrative === 'string') summary.narrative = record.narrative;
  if (typeof record.description === 'string') summary.description = record.description;
  if (typeof record.extends === 'string') summary.extends = record.extends;
  return summary;
}

/** The summary made from exactly these bytes of this template file, or undefined. */
export function matchTemplateSummary(
  summaries: TemplateSummaries,
  fileName: string,
  bytes: Buffer,
): WorkflowSummary | undefined {
  const stored = Object.hasOwn(summaries, fileName) ? summaries[fileName] : undefined;
  if (stored === undefined || stored.sha256 !== hashSha256(bytes)) return undefined;
  return stored.summary;
}

let builtSummaries: TemplateSummaries | undefined;

/** The summaries the build wrote (none when running from the sources, as under vitest). */
export function getBuiltTemplateSummaries(): TemplateSummaries {
  if (builtSummaries === undefined) {
    try {
      builtSummaries = JSON.parse(
        readFileSync(new URL(`./${TEMPLATE_SUMMARIES_FILE}`, import.meta.url), 'utf8'),
      ) as TemplateSummaries;
    } catch {
      // None (running from the sources) or unreadable: every template is read from its file.
      builtSummaries = {};
    }
  }
  return builtSummaries;
}

/**
 * Summarizes every template of `dir` that parses without a problem (a template with problems is
 * left out, so that listing parses it and shows the problem as it would any file).
 */
export async function generateTemplateSummaries(dir: string): Promise<TemplateSummaries> {
  // Imported here: listing with the summaries needs no YAML parser.
  const { parseWorkflowFile } = await import('./parse.js');
  const summaries: TemplateSummaries = {};
  for (const fileName of (await readdir(dir)).sort()) {
    if (!/\.ya?ml$/.test(fileName)) continue;
    const path = join(dir, fileName);
    const parsed = await parseWorkflowFile(path);
    if (parsed.problems.length > 0) continue;
    if (parsed.sha256 === undefined) continue;
    summaries[fileName] = { sha256: parsed.sha256, summary: pickSummary(parsed.data) };
  }
  return summaries;
}
