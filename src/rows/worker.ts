import { parentPort } from 'node:worker_threads';
import { recycleBlocks } from '../events/bytes.js';
import { ChunkProcessor, type ChunkConfig } from './chunk.js';

/**
 * Worker thread: parses and normalises the chunks it is given, one at a time, in order. A message with
 * a config starts a new pass (rows/pool.ts). A chunk comes with blocks the main thread gave back
 * (BlockLease), which its events are written into.
 */
type Message = { config: ChunkConfig } | { id: number; bytes: Uint8Array; startLine: number; index: number; skipHeader: boolean; spare: ArrayBuffer[] };

let processor: ChunkProcessor | undefined;
parentPort?.on('message', (message: Message) => {
  if ('config' in message) {
    processor = new ChunkProcessor(message.config);
    return;
  }
  recycleBlocks(message.spare);
  const result = (processor as ChunkProcessor).process(message.bytes, message.startLine, message.index, message.skipHeader);
  // The chunk's blocks, and the numbers of the orders settled into them, move to the main thread without a copy.
  const transfer = result.bytes ? result.bytes.map((block) => block.buffer as ArrayBuffer) : [];
  if (result.heads) transfer.push(result.heads.heads.buffer as ArrayBuffer, result.heads.lines.buffer as ArrayBuffer);
  parentPort?.postMessage({ id: message.id, result }, transfer);
});
