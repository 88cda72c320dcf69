import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ArchiveStorage, StoredObject } from '../audit-receiver/src/storage/storage.js';

/** Key and size of each listed object (lastModified is checked on its own). */
async function collect(list: AsyncIterable<StoredObject>): Promise<{ key: string; size: number }[]> {
  const out: { key: string; size: number }[] = [];
  for await (const item of list) out.push({ key: item.key, size: item.size });
  return out;
}

/** What every storage driver must do, run against each of them (test/storage.test.ts). */
export function storageContract(name: string, open: () => Promise<ArchiveStorage>): void {
  describe(`${name} storage`, () => {
    it('returns exactly the bytes that were put, including non-ASCII and binary bytes', async () => {
      const storage = await open();
      const body = Buffer.concat([Buffer.from('{"s":"é\u2028✓"}\n', 'utf8'), Buffer.from([0, 255, 10])]);
      await storage.put('api_access/year=2026/month=12/day=01/x.ndjson', body);
      assert.deepEqual(await storage.get('api_access/year=2026/month=12/day=01/x.ndjson'), body);
    });

    it('keeps keys with characters that must be encoded on the wire (space, + = ! * $ & é)', async () => {
      const storage = await open();
      const key = "k/a b+c=d/!'()*~$&,;@é.ndjson";
      await storage.put(key, Buffer.from('odd key\n'));
      assert.equal((await storage.get(key))?.toString(), 'odd key\n');
      assert.deepEqual(await collect(storage.list('k/')), [{ key, size: 8 }]);
    });

    it('stores an empty object', async () => {
      const storage = await open();
      await storage.put('e/empty.ndjson', Buffer.alloc(0));
      assert.deepEqual(await storage.get('e/empty.ndjson'), Buffer.alloc(0));
    });

    it('replaces the object when the same key is put again (a retried delivery)', async () => {
      const storage = await open();
      await storage.put('r/k.ndjson', Buffer.from('first, longer body\n'));
      await storage.put('r/k.ndjson', Buffer.from('second\n'));
      assert.equal((await storage.get('r/k.ndjson'))?.toString(), 'second\n');
      assert.deepEqual(await collect(storage.list('r/')), [{ key: 'r/k.ndjson', size: 7 }]);
    });

    it('lists when each object was last written', async () => {
      const storage = await open();
      const before = Date.now();
      await storage.put('t/k.ndjson', Buffer.from('x'));
      const [item] = await (async () => {
        const all: StoredObject[] = [];
        for await (const o of storage.list('t/')) all.push(o);
        return all;
      })();
      // S3 keeps whole seconds; allow for that and for clock differences with the server.
      assert.ok(item && Math.abs(item.lastModified.getTime() - before) < 5000, String(item?.lastModified));
    });

    it('returns undefined for a key that was never put', async () => {
      const storage = await open();
      assert.equal(await storage.get('nothing/here.ndjson'), undefined);
    });

    it('lists the keys under a prefix in ascending byte order, with sizes', async () => {
      const storage = await open();
      for (const key of ['l/a/c', 'l/b', 'l/a-b/c', 'l/a/b', 'm/other']) await storage.put(key, Buffer.from(key));
      assert.deepEqual(await collect(storage.list('l/')), [
        { key: 'l/a-b/c', size: 7 },
        { key: 'l/a/b', size: 5 },
        { key: 'l/a/c', size: 5 },
        { key: 'l/b', size: 3 },
      ]);
      assert.deepEqual(
        (await collect(storage.list('l/a/'))).map((o) => o.key),
        ['l/a/b', 'l/a/c'],
      );
      assert.deepEqual(await collect(storage.list('zzz/')), []);
    });

    it('lists past the first page of results (more than 1000 objects)', async () => {
      const storage = await open();
      const keys = Array.from({ length: 1003 }, (_, i) => `p/${String(i).padStart(4, '0')}.ndjson`);
      for (let i = 0; i < keys.length; i += 25) {
        await Promise.all(keys.slice(i, i + 25).map((k) => storage.put(k, Buffer.from('{}\n'))));
      }
      const listed = await collect(storage.list('p/'));
      assert.equal(listed.length, 1003);
      assert.deepEqual(
        listed.map((o) => o.key),
        keys,
      );
    });

    it('keeps every object of many concurrent puts', async () => {
      const storage = await open();
      const keys = Array.from({ length: 40 }, (_, i) => `c/${i}.ndjson`);
      await Promise.all(keys.map((k) => storage.put(k, Buffer.from(k))));
      for (const key of keys) assert.equal((await storage.get(key))?.toString(), key);
    });
  });
}
