/** Small batches shaped like OpenFaaS's own examples, stamped with the current time, for `send`. */
export function sampleBatch(eventType: string, now: Date): unknown[] {
  const time = now.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z'); // nanoseconds, as OpenFaaS writes them
  if (eventType === 'function_usage') {
    return [
      {
        event: 'function_usage',
        namespace: 'openfaas-fn',
        function_name: 'nodeinfo',
        started: time,
        duration: 48213000,
        memory_bytes: 134217728,
      },
    ];
  }
  return [
    {
      actor: {
        sub: 'user-sample',
        name: 'Sample User',
        issuer: 'https://gw.example.test',
        fed_issuer: 'https://idp.example.test',
      },
      path: '/system/functions',
      method: 'POST',
      actions: ['Function:Create'],
      response_code: 202,
      time,
    },
    { path: '/system/info', method: 'PUT', actions: [], response_code: 401, time },
  ];
}
