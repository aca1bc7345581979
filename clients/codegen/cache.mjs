// steerql's client cache kit: Apollo Client InMemoryCache options and an
// urql graphcache `keys` map, built from the schema's facts
// (schema-facts.mjs) and the generated possibleTypes.
//
// - Page with `edges` (`edges { cursor node { id ... } }`): the Relay
//   pagination policies merge pages by cursor; `nodes` alone carries no
//   cursor, so pages read that way replace each other.
// - After a create, the new record is in no cached list yet: evict the
//   list (`cache.evict({ fieldName: 'cases' }); cache.gc()`) or refetch it.
// - `availableTransitions` depends on who asks: reset the cache
//   (`client.resetStore()`) when the token changes.
import { readFileSync } from 'node:fs';
import { relayStylePagination } from '@apollo/client/utilities';
import { schemaFacts } from './schema-facts.mjs';

const possibleTypesFile = new URL('./generated/possibleTypes.json', import.meta.url);

/// The GraphQL type a global ID names (`base64url("<Type>:<n>")`).
export function typenameOf(id) {
  const text = Buffer.from(String(id), 'base64url').toString('utf8');
  const [type, n] = text.split(':');
  return /^[A-Z][A-Za-z]*$/.test(type) && /^[1-9][0-9]*$/.test(n ?? '') ? type : undefined;
}

export function apolloCacheOptions(facts = schemaFacts()) {
  const { possibleTypes } = JSON.parse(readFileSync(possibleTypesFile, 'utf8'));
  const typePolicies = {};
  for (const [type, fields] of Object.entries(facts.connections)) {
    typePolicies[type] = { fields: {} };
    for (const [field, keyArgs] of Object.entries(fields)) {
      typePolicies[type].fields[field] = relayStylePagination(keyArgs);
    }
  }
  // node(id:) and nodes(ids:) read what the cache holds under that id.
  const redirect = (id, toReference) => {
    const __typename = typenameOf(id);
    return __typename ? toReference({ __typename, id }) : undefined;
  };
  Object.assign((typePolicies.Query ??= { fields: {} }).fields, {
    node: { read: (existing, { args, toReference }) => existing ?? redirect(args.id, toReference) },
    nodes: {
      read: (existing, { args, toReference }) => existing ?? args.ids.map((id) => redirect(id, toReference) ?? null),
    },
  });
  // Counts are one value per matter: a newer read replaces an older.
  typePolicies.DefendantCounts = { merge: true };
  typePolicies.Case = typePolicies.Case ?? { fields: {} };
  typePolicies.Case.fields.availableTransitions = { merge: (_, incoming) => incoming };
  return { possibleTypes, typePolicies };
}

/// urql graphcache's `keys`: types without an id are embedded in their parent.
export function urqlKeys(facts = schemaFacts()) {
  return Object.fromEntries(facts.keyless.map((type) => [type, () => null]));
}
