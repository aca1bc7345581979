// What a normalising cache must know of steerql's schema, read from the
// committed SDL so it cannot drift: every paged list with the arguments that
// tell one list from another (Relay's key arguments: all but first, after,
// last, before), and every object type without an `id` (which a cache
// embeds in its parent instead of normalising).
import { readFileSync } from 'node:fs';
import { buildSchema, getNamedType, isObjectType } from 'graphql';

const PAGING = new Set(['first', 'after', 'last', 'before']);

export function schemaFacts(sdl = readFileSync(new URL('../../schema.graphql', import.meta.url), 'utf8')) {
  const schema = buildSchema(sdl);
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name].filter(Boolean));
  const connections = {};
  const keyless = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const fields = type.getFields();
    if (!roots.has(type.name) && !fields.id) keyless.push(type.name);
    for (const field of Object.values(fields)) {
      if (!getNamedType(field.type).name.endsWith('Connection')) continue;
      const keyArgs = field.args.map((a) => a.name).filter((a) => !PAGING.has(a));
      (connections[type.name] ??= {})[field.name] = keyArgs.length ? keyArgs : false;
    }
  }
  return { connections, keyless: keyless.sort() };
}
