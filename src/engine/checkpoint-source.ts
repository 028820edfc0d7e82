/**
 * The work of a migration, backed by its checkpoint: the pending ranges (a resumed run starts
 * each at its saved position), each position a worker reports moved into the checkpoint, and a
 * finished range marked done and saved at once. A range given up or stopped simply stays
 * pending at its last position, for `--resume`.
 */
import type { PlainError } from '../errors.js';
import type { Checkpoint, RangeProgress } from './checkpoint.js';
import { ListSource, type WorkItem, type WorkSource, type Pull } from './work-source.js';

export class CheckpointSource<T> implements WorkSource<T> {
  private readonly list: ListSource<T>;

  constructor(
    private readonly checkpoint: Checkpoint,
    toTask: (range: RangeProgress) => T,
  ) {
    this.list = new ListSource(
      checkpoint.pending().map((r): WorkItem<T> => ({ id: r.id, task: toTask(r), ...(r.resumeAfter === undefined ? {} : { cursor: r.resumeAfter }) })),
    );
  }

  next(): Pull<T> {
    return this.list.next();
  }

  advance(id: string, cursor: string): void {
    this.list.advance(id, cursor);
    this.checkpoint.advance(id, cursor);
  }

  complete(id: string): void {
    this.list.complete(id);
    this.checkpoint.complete(id);
    this.checkpoint.save();
  }

  fail(id: string, error: PlainError): void {
    this.list.fail(id, error);
  }

  release(id: string): void {
    this.list.release(id);
  }

  get failures(): ReadonlyMap<string, PlainError> {
    return this.list.failures;
  }
}
