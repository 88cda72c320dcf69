/** What `export` keeps. Every given criterion must hold. */
export interface EventFilter {
  actor?: string;
  action?: string;
  pathPrefix?: string;
  method?: string;
  /** An exact code, or a class: 4 for 4xx, 5 for 5xx. */
  status?: { code: number } | { class: number };
}

export function parseStatus(text: string): EventFilter['status'] | undefined {
  if (/^[1-5]\d\d$/.test(text)) return { code: Number(text) };
  const m = /^([1-5])xx$/i.exec(text);
  return m ? { class: Number(m[1]) } : undefined;
}

export function matches(filter: EventFilter, event: Record<string, unknown>): boolean {
  if (filter.actor !== undefined && (event.actor as Record<string, unknown> | null | undefined)?.sub !== filter.actor)
    return false;
  if (filter.action !== undefined && !(Array.isArray(event.actions) && event.actions.includes(filter.action)))
    return false;
  if (filter.pathPrefix !== undefined && !(typeof event.path === 'string' && event.path.startsWith(filter.pathPrefix)))
    return false;
  if (filter.method !== undefined && String(event.method).toUpperCase() !== filter.method.toUpperCase()) return false;
  if (filter.status !== undefined) {
    const code = event.response_code;
    if (typeof code !== 'number') return false;
    if ('code' in filter.status ? code !== filter.status.code : Math.floor(code / 100) !== filter.status.class)
      return false;
  }
  return true;
}
