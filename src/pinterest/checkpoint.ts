import { createHash } from 'node:crypto';
import { open, readFile, rename } from 'node:fs/promises';
import { CheckpointError, OutputError } from '../errors.js';

/**
 * What a checkpoint file holds. Batches are numbered in the order the input produces them, which is
 * the same on a re-run of the same command on the same input. `prefix` batches from 0 are all
 * acknowledged (their ids chained into `chain`); `extra` holds acknowledged batches past the prefix
 * (at most the batches in flight at once) with their own hashes.
 */
interface CheckpointFile {
  version: 1;
  adAccount: string;
  test: boolean;
  /** The clock of the first run, reused on resume so the same events fall in the window. */
  now: number;
  firstBatch: string | undefined;
  prefix: number;
  chain: string;
  extra: Record<string, string>;
}

const EMPTY_CHAIN = '';

/** Hash of a batch's identity: its event ids in order. */
export function batchHash(eventIds: readonly string[]): string {
  return createHash('sha256').update(eventIds.join(',')).digest('hex');
}

function extend(chain: string, hash: string): string {
  return createHash('sha256').update(chain).update(hash).digest('hex');
}

export type BatchCheck = 'send' | 'skip';

/**
 * Durable record of acknowledged batches: written to a temporary file, fsynced, renamed over the
 * old one. Writes are coalesced: an acknowledgement made while a write is running goes into the next.
 */
export class Checkpoint {
  private readonly path: string;
  private state: CheckpointFile;
  private readonly resumed: CheckpointFile | undefined;
  private acked = new Map<number, string>();
  private verifyChain = EMPTY_CHAIN;
  private writing: Promise<void> | undefined;
  private dirty = false;

  private constructor(path: string, state: CheckpointFile, resumed: CheckpointFile | undefined) {
    this.path = path;
    this.state = state;
    this.resumed = resumed;
  }

  /** Opens the checkpoint at `path`, resuming it when it exists. */
  static async open(path: string, adAccount: string, test: boolean, now: number): Promise<Checkpoint> {
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new CheckpointError(`--checkpoint ${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`, 1);
      }
    }
    const fresh: CheckpointFile = { version: 1, adAccount, test, now, firstBatch: undefined, prefix: 0, chain: EMPTY_CHAIN, extra: {} };
    if (text === undefined) return new Checkpoint(path, fresh, undefined);
    let old: CheckpointFile;
    try {
      old = JSON.parse(text) as CheckpointFile;
      if (old.version !== 1 || typeof old.prefix !== 'number' || typeof old.chain !== 'string') throw new Error('shape');
    } catch {
      throw new CheckpointError(`--checkpoint ${path} is not a pinconv checkpoint; remove it or choose another file`);
    }
    if (old.adAccount !== adAccount || old.test !== test) {
      throw new CheckpointError(
        `--checkpoint ${path} was written for ad account ${old.adAccount}${old.test ? ' with --test' : ''}; this run sends to ${adAccount}${test ? ' with --test' : ''}. Use another checkpoint file.`,
      );
    }
    const state: CheckpointFile = { ...old, extra: { ...old.extra } };
    const checkpoint = new Checkpoint(path, state, old);
    for (let i = 0; i < old.prefix; i++) checkpoint.acked.set(i, '');
    for (const [index, hash] of Object.entries(old.extra)) checkpoint.acked.set(Number(index), hash);
    return checkpoint;
  }

  /** The clock of the run that wrote the checkpoint, if this run resumes one. */
  get resumedNow(): number | undefined {
    return this.resumed?.now;
  }

  /** Already acknowledged batches count as done; a batch that differs from the recorded one stops the run. */
  check(index: number, hash: string): BatchCheck {
    const resumed = this.resumed;
    if (resumed === undefined) return 'send';
    if (index === 0 && resumed.firstBatch !== undefined && resumed.firstBatch !== hash) throw this.mismatch();
    if (index < resumed.prefix) {
      this.verifyChain = extend(this.verifyChain, hash);
      if (index === resumed.prefix - 1 && this.verifyChain !== resumed.chain) throw this.mismatch();
      return 'skip';
    }
    const recorded = resumed.extra[String(index)];
    if (recorded !== undefined) {
      if (recorded !== hash) throw this.mismatch();
      return 'skip';
    }
    return 'send';
  }

  private mismatch(): CheckpointError {
    return new CheckpointError(
      `--checkpoint ${this.path} was written for a different input (its batches differ from this input's); use another checkpoint file, or delete it to send everything again`,
    );
  }

  /** Records an acknowledged batch; resolves once it is on disk. */
  async ack(index: number, hash: string): Promise<void> {
    if (index === 0) this.state.firstBatch = hash;
    this.state.extra[String(index)] = hash;
    // Fold the contiguous run of acknowledged batches into the prefix chain.
    while (this.state.extra[String(this.state.prefix)] !== undefined) {
      const next = this.state.extra[String(this.state.prefix)] as string;
      delete this.state.extra[String(this.state.prefix)];
      this.state.chain = extend(this.state.chain, next);
      this.state.prefix++;
    }
    await this.save();
  }

  /** Writes the current state; concurrent callers share the next write. */
  save(): Promise<void> {
    this.dirty = true;
    this.writing ??= (async () => {
      try {
        while (this.dirty) {
          this.dirty = false;
          await this.writeNow(JSON.stringify(this.state));
        }
      } finally {
        this.writing = undefined;
      }
    })();
    return this.writing;
  }

  private async writeNow(text: string): Promise<void> {
    const temp = `${this.path}.tmp`;
    try {
      const handle = await open(temp, 'w');
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, this.path);
    } catch (error) {
      throw new OutputError(`--checkpoint ${this.path}: cannot write (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
}
