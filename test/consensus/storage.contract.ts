// One behavioural contract every Storage implementation must satisfy.
import { describe, expect, it } from 'vitest';
import type { Entry } from '../../src/consensus/core/types.js';
import { makeConf } from '../../src/consensus/core/conf.js';
import type { Storage } from '../../src/consensus/storage.js';

const ent = (index: number, term: number, text = `e${index}`): Entry =>
  ({ index, term, type: 'normal', data: new TextEncoder().encode(text) });
const ents = (lo: number, hi: number, term: number): Entry[] =>
  Array.from({ length: hi - lo + 1 }, (_, i) => ent(lo + i, term));
const indexesAndTerms = (es: readonly Entry[]): string[] => es.map((e) => `${e.index}/${e.term}`);

export function storageContract(name: string, open: () => { storage: Storage; reopen: () => Storage }): void {
  describe(`Storage contract: ${name}`, () => {
    it('starts empty', () => {
      const { storage } = open();
      expect(storage.load()).toEqual({ hardState: { term: 0, vote: '', commit: 0 }, snapshot: null, entries: [] });
      expect(storage.firstIndex()).toBe(1);
      expect(storage.lastIndex()).toBe(0);
    });

    it('persists hard state and entries across reopen', () => {
      const { storage, reopen } = open();
      storage.save({ hardState: { term: 3, vote: 'b', commit: 2 }, entries: ents(1, 3, 1) });
      const again = reopen().load();
      expect(again.hardState).toEqual({ term: 3, vote: 'b', commit: 2 });
      expect(indexesAndTerms(again.entries)).toEqual(['1/1', '2/1', '3/1']);
      expect(new TextDecoder().decode(again.entries[1]!.data)).toBe('e2');
      expect(again.entries[0]!.type).toBe('normal');
    });

    it('truncates a conflicting suffix on append', () => {
      const { storage } = open();
      storage.save({ entries: ents(1, 5, 1) });
      storage.save({ entries: ents(3, 4, 2) });
      expect(indexesAndTerms(storage.entries(1, 100))).toEqual(['1/1', '2/1', '3/2', '4/2']);
      expect(storage.lastIndex()).toBe(4);
    });

    it('rejects a gap', () => {
      const { storage } = open();
      storage.save({ entries: ents(1, 2, 1) });
      expect(() => storage.save({ entries: ents(5, 5, 1) })).toThrow(/gap/);
    });

    it('compacts: drops entries up to the snapshot and keeps the rest', () => {
      const { storage, reopen } = open();
      storage.save({ entries: ents(1, 6, 1) });
      const conf = makeConf(['a', 'b'], ['c']);
      storage.save({ compaction: { index: 4, term: 1, confState: conf, data: new Uint8Array([7]) }, entries: [] });
      const s = reopen();
      expect(s.firstIndex()).toBe(5);
      expect(s.lastIndex()).toBe(6);
      expect(s.snapshot()).toEqual({ index: 4, term: 1, confState: conf, data: new Uint8Array([7]) });
      expect(indexesAndTerms(s.load().entries)).toEqual(['5/1', '6/1']);
    });

    it('ignores an older compaction', () => {
      const { storage } = open();
      storage.save({ entries: ents(1, 6, 1) });
      const conf = makeConf(['a']);
      storage.save({ compaction: { index: 4, term: 1, confState: conf, data: new Uint8Array() }, entries: [] });
      storage.save({ compaction: { index: 2, term: 1, confState: conf, data: new Uint8Array() }, entries: [] });
      expect(storage.snapshot()?.index).toBe(4);
    });

    it('a snapshot from the leader replaces the whole log, then new entries follow it', () => {
      const { storage, reopen } = open();
      storage.save({ entries: ents(1, 8, 1) });
      const snap = { index: 10, term: 3, confState: makeConf(['a']), data: new Uint8Array([1, 2]) };
      storage.save({ snapshot: snap, entries: ents(11, 12, 3), hardState: { term: 3, vote: '', commit: 10 } });
      const s = reopen().load();
      expect(s.snapshot).toEqual(snap);
      expect(indexesAndTerms(s.entries)).toEqual(['11/3', '12/3']);
      expect(s.hardState.commit).toBe(10);
    });

    it('an update is atomic: a failed save leaves nothing behind', () => {
      const { storage } = open();
      storage.save({ entries: ents(1, 2, 1), hardState: { term: 1, vote: '', commit: 0 } });
      expect(() => storage.save({ hardState: { term: 9, vote: 'x', commit: 0 }, entries: ents(7, 7, 9) })).toThrow();
      expect(storage.hardState().term).toBe(1);
    });
  });
}
