/**
 * Work that appears while the job runs and waits for its parents: the shape of DynamoDB stream
 * shards (a child shard may be read only after its parent is read to the end, as the KCL's
 * shard graph does). Items are added at any time with the ids of their parents; an item is
 * handed out once every parent it names is complete. A parent never seen, or one that failed,
 * keeps its children waiting: they are reported as blocked, never silently dropped.
 *
 * `seal()` says no more items will come; the source is finished once it is sealed and nothing
 * is ready or running (blocked children count as unfinished work: `blocked()`).
 */
import type { PlainError } from '../errors.js';
import { FINISHED, itemPull, type ItemState, type Pull, type WorkItem, type WorkSource } from './work-source.js';

interface Node<T> {
  readonly item: WorkItem<T>;
  readonly parents: readonly string[];
  state: ItemState;
  cursor?: string;
}

export class DependentSource<T> implements WorkSource<T> {
  private readonly nodes = new Map<string, Node<T>>();
  private readonly ready: string[] = [];
  private sealed = false;
  private wake: (() => void) | undefined;
  private changed: Promise<void> | undefined;
  readonly failures = new Map<string, PlainError>();

  /** Adds an item; duplicates (the same id twice, as shard listings repeat) are ignored. */
  add(item: WorkItem<T>, parents: readonly string[] = []): boolean {
    if (this.sealed) throw new Error(`work source: add(${item.id}) after seal()`);
    if (this.nodes.has(item.id)) return false;
    this.nodes.set(item.id, { item, parents: [...parents], state: 'pending' });
    this.release_(item.id);
    return true;
  }

  seal(): void {
    this.sealed = true;
    this.signal();
  }

  next(): Pull<T> {
    const id = this.ready.shift();
    if (id !== undefined) {
      const node = this.nodes.get(id) as Node<T>;
      node.state = 'running';
      return itemPull(node.cursor === undefined ? node.item : { ...node.item, cursor: node.cursor });
    }
    const running = [...this.nodes.values()].some((n) => n.state === 'running');
    if (this.sealed && !running) return FINISHED;
    this.changed ??= new Promise<void>((resolve) => (this.wake = resolve));
    return { kind: 'wait', until: this.changed };
  }

  advance(id: string, cursor: string): void {
    this.running(id).cursor = cursor;
  }

  complete(id: string): void {
    this.running(id).state = 'done';
    for (const node of this.nodes.values()) {
      if (node.state === 'pending' && node.parents.includes(id)) this.release_(node.item.id);
    }
    this.signal();
  }

  fail(id: string, error: PlainError): void {
    this.running(id).state = 'failed';
    this.failures.set(id, error);
    this.signal();
  }

  release(id: string): void {
    this.running(id).state = 'pending';
    this.release_(id);
  }

  state(id: string): ItemState | undefined {
    return this.nodes.get(id)?.state;
  }

  /** Pending items whose parents are not all complete. */
  blocked(): string[] {
    return [...this.nodes.values()].filter((n) => n.state === 'pending' && !this.ready.includes(n.item.id)).map((n) => n.item.id);
  }

  private release_(id: string): void {
    const node = this.nodes.get(id) as Node<T>;
    const parentsDone = node.parents.every((p) => this.nodes.get(p)?.state === 'done');
    if (parentsDone && !this.ready.includes(id)) {
      this.ready.push(id);
      this.signal();
    }
  }

  private running(id: string): Node<T> {
    const node = this.nodes.get(id);
    if (node?.state !== 'running') throw new Error(`work source: item ${id} is ${node?.state ?? 'unknown'}, not running`);
    return node;
  }

  private signal(): void {
    const wake = this.wake;
    this.wake = undefined;
    this.changed = undefined;
    wake?.();
  }
}
