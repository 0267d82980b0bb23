import { parentPort, workerData } from 'node:worker_threads';
import type { EventRules } from './order.js';
import { settlePartition } from './partition.js';

/** Worker thread: settles the spill partitions it is given. */
const rules = workerData as EventRules;
parentPort?.on('message', (message: { id: number; path: string; runPath: string }) => {
  try {
    parentPort?.postMessage({ id: message.id, settled: settlePartition(message.path, message.runPath, rules) });
  } catch (error) {
    parentPort?.postMessage({ id: message.id, error: (error as NodeJS.ErrnoException).code ?? 'error' });
  }
});
