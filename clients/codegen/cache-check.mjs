// Checks the cache kit against the committed schema with Apollo Client's
// InMemoryCache: pages merge by cursor under their key arguments, node(id:)
// reads the cached record, counts and available steps are replaced without
// data-loss warnings, and urql's keys cover every type without an id.
// Run by .ci/run after graphql-codegen (which writes possibleTypes.json).
import assert from 'node:assert/strict';
import { InMemoryCache, gql } from '@apollo/client';
import { apolloCacheOptions, typenameOf, urqlKeys } from './cache.mjs';
import { schemaFacts } from './schema-facts.mjs';

const warnings = [];
console.warn = (...args) => warnings.push(args.join(' '));
console.error = (...args) => warnings.push(args.join(' '));

const facts = schemaFacts();
assert.deepEqual(facts.connections.Query.cases, ['filter', 'orderBy']);
assert.equal(facts.connections.Query.auditCheckpoints, false);
for (const type of ['PageInfo', 'DefendantCounts', 'CaseConnection', 'CaseEdge', 'AvailableTransition']) {
  assert.ok(facts.keyless.includes(type), `${type} has no id, so urql must embed it`);
}
for (const type of ['Case', 'Committee', 'AuditCheckpoint', 'CaseReference']) {
  assert.ok(!facts.keyless.includes(type), `${type} has an id`);
}
assert.equal(Object.keys(urqlKeys(facts)).length, facts.keyless.length);

const options = apolloCacheOptions(facts);
assert.ok(options.possibleTypes.Node.includes('AuditCheckpoint'), 'possibleTypes lists every Node');
const cache = new InMemoryCache(options);
const id = (type, n) => Buffer.from(`${type}:${n}`).toString('base64url');
assert.equal(typenameOf(id('Case', 12)), 'Case');
assert.equal(typenameOf('not an id'), undefined);

const PAGE = gql`
  query Page($first: Int!, $after: String, $filter: CaseFilter) {
    cases(first: $first, after: $after, filter: $filter) {
      edges { cursor node { id code defendantCounts { total cadres } availableTransitions { transition } } }
      pageInfo { hasNextPage endCursor }
    }
  }
`;
const matter = (n, steps) => ({
  __typename: 'Case',
  id: id('Case', n),
  code: `NA-VA-${n}`,
  defendantCounts: { __typename: 'DefendantCounts', total: n, cadres: 0 },
  availableTransitions: steps.map((transition) => ({ __typename: 'AvailableTransition', transition })),
});
const page = (ns, hasNextPage, steps = ['SUSPEND', 'CLOSE']) => ({
  cases: {
    __typename: 'CaseConnection',
    edges: ns.map((n) => ({ __typename: 'CaseEdge', cursor: `c${n}`, node: matter(n, steps) })),
    pageInfo: { __typename: 'PageInfo', hasNextPage, endCursor: `c${ns.at(-1)}` },
  },
});
cache.writeQuery({ query: PAGE, variables: { first: 2 }, data: page([1, 2], true) });
cache.writeQuery({ query: PAGE, variables: { first: 2, after: 'c2' }, data: page([3, 4], false, ['RESUME']) });
const merged = cache.readQuery({ query: PAGE, variables: { first: 2 } });
assert.deepEqual(merged.cases.edges.map((e) => e.node.code), ['NA-VA-1', 'NA-VA-2', 'NA-VA-3', 'NA-VA-4']);
assert.equal(merged.cases.pageInfo.hasNextPage, false);
// Another filter is another list.
const other = cache.readQuery({ query: PAGE, variables: { first: 2, filter: { kind: 'INCIDENT' } } });
assert.equal(other, null);

// node(id:) reads the matter the list cached, with no request.
const NODE = gql`
  query One($id: ID!) { node(id: $id) { id ... on Case { code } } }
`;
assert.equal(cache.readQuery({ query: NODE, variables: { id: id('Case', 3) } })?.node?.code, 'NA-VA-3');

// A newer read of a matter replaces its counts and its steps.
cache.writeQuery({ query: PAGE, variables: { first: 2 }, data: page([1, 2], true, ['REOPEN']) });
const again = cache.readQuery({ query: PAGE, variables: { first: 2 } });
assert.deepEqual(again.cases.edges[0].node.availableTransitions.map((s) => s.transition), ['REOPEN']);
assert.deepEqual(warnings, [], 'no cache warnings');
console.log(`cache kit: ${Object.keys(facts.connections).length} types with paged lists, ${facts.keyless.length} keyless types, Apollo cache checks passed`);
