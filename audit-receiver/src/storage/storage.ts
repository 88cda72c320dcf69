/** One archived object as a listing reports it. */
export interface StoredObject {
  key: string;
  size: number;
  /** When the object was last written (S3 LastModified; the file's mtime). */
  lastModified: Date;
}

/**
 * Where archived objects go. Keys are '/'-separated relative paths built by object-key.ts. Every driver
 * passes the same contract tests (test/storage-contract.ts).
 */
export interface ArchiveStorage {
  /** Writes the whole object, replacing any object under the key. Resolves only once it is durable. */
  put(key: string, body: Buffer): Promise<void>;
  /** The object's bytes, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined>;
  /** Every object whose key starts with `prefix`, in ascending key order. */
  list(prefix: string): AsyncIterable<StoredObject>;
  /** For logs and messages: where this storage writes. Never includes credentials. */
  readonly description: string;
  /** Start-up checks of settings the store must support; throws ConfigError naming the setting. */
  checkSettings?(): Promise<void>;
}
