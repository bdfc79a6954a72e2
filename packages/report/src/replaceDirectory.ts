import { mkdir, rename, rm } from 'node:fs/promises';

/**
 * Fills a staging folder next to `dir` and swaps it in only once `fill` has finished, so a failure
 * leaves the previous results whole and a reader never sees a half-written set.
 */
export async function replaceDirectory(dir: string, fill: (staging: string) => Promise<void>): Promise<void> {
  const staging = `${dir}.partial-${process.pid}`;
  const previous = `${dir}.previous-${process.pid}`;
  await rm(staging, { recursive: true, force: true });
  await mkdir(staging, { recursive: true });
  try {
    await fill(staging);
    await rm(previous, { recursive: true, force: true });
    await rename(dir, previous).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
    await rename(staging, dir);
    await rm(previous, { recursive: true, force: true });
  } catch (error) {
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}
