import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ArchiveStorage, StoredObject } from './storage.js';

/**
 * The archive as a directory tree with the same key layout as S3. Each put writes a temporary file,
 * fsyncs it, renames it over the key and fsyncs the directory, so a key holds either the old object or
 * the whole new one, never part of one, and survives a crash once put resolves.
 */
export class FileStorage implements ArchiveStorage {
  readonly description: string;

  constructor(private readonly root: string) {
    this.description = `file:${root}`;
  }

  async put(key: string, body: Buffer): Promise<void> {
    const path = this.pathOf(key);
    const dir = dirname(path);
    await mkdir(dir, { recursive: true });
    // A dot-name in the same directory: same file system for the rename, and skipped by list().
    const temp = join(dir, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      const handle = await open(temp, 'wx', 0o644);
      try {
        await handle.writeFile(body);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temp, path);
    } catch (err) {
      await rm(temp, { force: true });
      throw err;
    }
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      return await readFile(this.pathOf(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncIterable<StoredObject> {
    // Walk only the directories the prefix can reach; keys come out sorted because each level is.
    yield* this.walk('', prefix);
  }

  private async *walk(dirKey: string, prefix: string): AsyncGenerator<StoredObject> {
    let entries;
    try {
      entries = await readdir(dirKey ? this.pathOf(dirKey) : this.root, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    // S3 lists in UTF-8 byte order of the whole key, so a directory sorts as its name plus '/'.
    const sortName = (e: { name: string; isDirectory(): boolean }) =>
      Buffer.from(e.isDirectory() ? `${e.name}/` : e.name);
    const names = entries
      .filter((e) => !e.name.startsWith('.'))
      .sort((a, b) => Buffer.compare(sortName(a), sortName(b)));
    for (const entry of names) {
      const key = dirKey + entry.name;
      if (entry.isDirectory()) {
        const child = `${key}/`;
        if (child.startsWith(prefix) || prefix.startsWith(child)) yield* this.walk(child, prefix);
      } else if (entry.isFile() && key.startsWith(prefix)) {
        const info = await stat(this.pathOf(key));
        yield { key, size: info.size, lastModified: info.mtime };
      }
    }
  }

  private pathOf(key: string): string {
    const parts = key.replace(/\/$/, '').split('/');
    if (
      key.startsWith('/') ||
      parts.some((p) => p === '' || p === '.' || p === '..' || p.includes('\\') || p.includes('\0'))
    ) {
      // Keys come from object-key.ts and are safe; this keeps a future bug from writing outside the root.
      throw new Error(`refusing unsafe archive key ${JSON.stringify(key)}`);
    }
    return join(this.root, ...parts);
  }
}
