/**
 * Undoing changes applied to the committed state whose journal record could not be made durable (a full
 * disk): the journal writer runs the undos of every refused record, newest first, in one synchronous step,
 * so the in-memory state returns to exactly what the journal holds.
 */
import type { CollectionState } from './collection-state.js';

/** Reverts one applied change. */
export type Undo = () => void;

/** Captures the current version of document `id` (or its absence) to restore it later. */
export function restoreLater(state: CollectionState, id: string): Undo {
  const before = state.docs.get(id);
  return () => {
    if (before) state.put(before);
    else state.remove(id);
  };
}

/** One Undo that runs `undos` newest first. */
export function inReverse(undos: readonly Undo[]): Undo {
  return () => {
    for (let i = undos.length - 1; i >= 0; i--) undos[i]();
  };
}
