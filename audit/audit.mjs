// GraphQL over HTTP conformance: runs every server audit of the
// `graphql-http` package against a running steerql and fails unless all pass.
// Usage: STEERQL_AUDIT_URL=http://127.0.0.1:8080/graphql STEERQL_AUDIT_TOKEN=... node audit.mjs
import { serverAudits } from 'graphql-http';

const url = process.env.STEERQL_AUDIT_URL ?? 'http://127.0.0.1:8080/graphql';
const token = process.env.STEERQL_AUDIT_TOKEN;

// Every audit request carries the bearer token, as a real client's would.
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  if (token) headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};

let passed = 0;
let failed = 0;
for (const audit of serverAudits({ url, fetchFn })) {
  let result;
  try {
    result = await audit.fn();
  } catch (err) {
    // Network failures are thrown rather than reported; say why (e.g. ECONNREFUSED).
    const cause = err?.cause?.code ?? err?.cause?.message;
    result = { status: 'error', reason: `${err?.message ?? err}${cause ? ` (${cause})` : ''}` };
  }
  if (result.status === 'ok') {
    passed += 1;
    console.log(`ok      ${audit.id} ${audit.name}`);
  } else {
    failed += 1;
    console.log(`${result.status.padEnd(7)} ${audit.id} ${audit.name}: ${result.reason}`);
  }
}
console.log(`${passed} passed, ${failed} failed`);
// The suite's size is pinned too: an audit that silently stops running is a failure.
const expected = Number(process.env.STEERQL_AUDIT_EXPECT ?? passed);
if (passed !== expected) console.log(`expected exactly ${expected} audits to pass`);
process.exit(failed === 0 && passed === expected ? 0 : 1);
