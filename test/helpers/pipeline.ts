import { Readable } from 'node:stream';
import { resolveCsvOptions, resolveSendOptions, type PipelineOptions } from '../../src/options.js';
import { buildEvents, type EventItem } from '../../src/pipeline.js';
import { Report } from '../../src/report.js';

export const NOW = '2026-11-28T00:00:00Z';

/** Runs the core pipeline on text given as stdin; returns the events and the report. */
export async function runPipeline(input: string | Buffer, raw: Record<string, unknown> = {}, kind: 'send' | 'csv' = 'send'): Promise<{ events: EventItem[]; report: Report; options: PipelineOptions }> {
  const options =
    kind === 'send'
      ? resolveSendOptions({ dryRun: true, now: NOW, quiet: true, threads: 1, ...raw })
      : resolveCsvOptions({ out: '-', now: NOW, quiet: true, threads: 1, ...raw });
  const report = new Report();
  const events: EventItem[] = [];
  for await (const batch of buildEvents(options, report, { stdin: Readable.from([Buffer.from(input)]) })) events.push(...batch);
  return { events, report, options };
}
