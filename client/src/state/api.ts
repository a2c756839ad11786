import { type Api, createApi } from '../lib/trpc.js';

let current: Api | null = null;

export function connectApi(token: string): Api {
  current = createApi(token);
  return current;
}

export function api(): Api {
  if (!current) throw new Error('the API is used before connectApi()');
  return current;
}
