/**
 * Who calls: the person who started the studio (their token), or one of the studio's own agent
 * sessions (a credential bound to its task). Every procedure declares what an agent may do
 * (server/trpc.ts).
 */
export type Principal = { kind: 'person' } | { kind: 'agent'; taskId: string };

export const PERSON: Principal = { kind: 'person' };
