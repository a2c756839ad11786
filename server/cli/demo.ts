import type { StudioServerOptions } from '../index.js';

export async function prepareDemo(_say: (line: string) => void): Promise<{ root: string; agent: StudioServerOptions['agent'] }> {
  throw new Error('--demo is not available yet');
}
