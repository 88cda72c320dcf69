import type { ArchiveConfig } from '../config.js';
import type { ArchiveStorage } from './storage.js';

/**
 * The storage driver for a configuration. Drivers are imported on demand so that a file archive never
 * loads the AWS SDK, and an S3 archive loads it once, here.
 */
export async function openStorage(config: ArchiveConfig): Promise<ArchiveStorage> {
  if (config.kind === 'file') {
    const { FileStorage } = await import('./file-storage.js');
    return new FileStorage(config.root);
  }
  const { S3Storage } = await import('./s3-storage.js');
  return new S3Storage(config);
}
