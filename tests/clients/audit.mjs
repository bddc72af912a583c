// The GraphQL-over-HTTP specification's audit (graphql-http's auditServer) against a running
// server: node audit.mjs URL [AUTHORIZATION]. One JSON line per audit.
import { auditServer } from 'graphql-http';

const [url, authorization] = process.argv.slice(2);
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers || {});
  if (authorization) headers.set('authorization', authorization);
  return fetch(input, { ...init, headers });
};
for (const result of await auditServer({ url, fetchFn })) {
  const { id, name, status, reason } = result;
  console.log(JSON.stringify({ id, level: name.split(' ')[0], status, name, reason }));
}
