// JSON Schemas for the event types OpenFaaS sends to eventSubscription.endpoint, as documented on the
// OpenFaaS Auditing and Metering pages. Members not named here are allowed and archived unchanged:
// a newer OpenFaaS may add fields, and the archive must keep them.

const rfc3339 = { type: 'string', format: 'date-time' } as const;

/** `X-Openfaas-Event: api_access`: one request to the OpenFaaS REST API. */
export const apiAccessEvent = {
  $id: 'api_access',
  type: 'object',
  required: ['path', 'method', 'response_code', 'time'],
  properties: {
    // Absent, empty or null when the request was not authenticated.
    actor: {
      type: ['object', 'null'],
      properties: {
        sub: { type: 'string' },
        name: { type: 'string' },
        issuer: { type: 'string' },
        fed_issuer: { type: 'string' },
      },
    },
    path: { type: 'string' },
    method: { type: 'string', minLength: 1 },
    actions: { type: 'array', items: { type: 'string' } },
    response_code: { type: 'integer', minimum: 100, maximum: 599 },
    time: rfc3339,
  },
} as const;

/** `X-Openfaas-Event: function_usage`: one metered function invocation. */
export const functionUsageEvent = {
  $id: 'function_usage',
  type: 'object',
  required: ['event', 'namespace', 'function_name', 'started', 'duration', 'memory_bytes'],
  properties: {
    event: { type: 'string' },
    namespace: { type: 'string', minLength: 1 },
    function_name: { type: 'string', minLength: 1 },
    started: rfc3339,
    // Nanoseconds.
    duration: { type: 'integer', minimum: 0 },
    memory_bytes: { type: 'integer', minimum: 0 },
  },
} as const;
