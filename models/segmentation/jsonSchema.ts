// A small JSON Schema (2020-12) checker for the schemas osteoflow writes itself: the model sidecar and the
// segmentation activity contract. The Python worker checks the same files with the `jsonschema` package, so only
// keywords both sides treat alike are used: type, const, enum, properties, required, additionalProperties, items,
// minItems, maxItems, uniqueItems, minimum, maximum, exclusiveMinimum, exclusiveMaximum, minLength, pattern,
// $ref (to #/$defs/…), oneOf. Annotations ($schema, $id, title, description, $comment, default, examples) are ignored;
// any other keyword is an error in the schema, so a schema can never ask for a check that silently does not happen.

export interface SchemaProblem {
  /** Where in the value, e.g. `input.channels[1].modality` ('(top level)' for the value itself). */
  path: string;
  message: string;
}

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', '$comment', 'default', 'examples', '$defs']);
const KEYWORDS = new Set([
  'type',
  'const',
  'enum',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'minItems',
  'maxItems',
  'uniqueItems',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'pattern',
  '$ref',
  'oneOf',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function matchesType(value: unknown, type: string): boolean {
  const actual = typeOf(value);
  return actual === type || (type === 'number' && actual === 'integer');
}

function show(value: unknown): string {
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path ? `${path}.${key}` : key;
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Every problem of `value` against `schema` (an empty list when it conforms). `root` resolves `$ref`s. */
export function checkSchema(value: unknown, schema: Schema, root: Schema = schema, path = ''): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  const at = path || '(top level)';
  const add = (message: string, where = at) => problems.push({ path: where, message });
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`schema keyword '${key}' is not supported by this checker`);
  }

  if (typeof schema.$ref === 'string') {
    const match = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(schema.$ref);
    const target = match ? ((root.$defs as Record<string, Schema> | undefined) ?? {})[match[1]] : undefined;
    if (!target) throw new Error(`schema $ref '${schema.$ref}' does not resolve`);
    problems.push(...checkSchema(value, target, root, path));
  }

  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? (schema.type as string[]) : [schema.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      add(
        `must be ${types.map((t) => (t === 'integer' ? 'an integer' : t === 'array' || t === 'object' ? `an ${t}` : `a ${t}`)).join(' or ')}, got ${show(value)}`,
      );
      return problems; // further keywords would only repeat the same fault
    }
  }
  if ('const' in schema && !deepEqual(value, schema.const)) add(`must be ${show(schema.const)}, got ${show(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => deepEqual(e, value)))
    add(`must be one of ${schema.enum.map(show).join(', ')}, got ${show(value)}`);

  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) add(`must be ≥ ${schema.minimum}, got ${value}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) add(`must be ≤ ${schema.maximum}, got ${value}`);
    if (typeof schema.exclusiveMinimum === 'number' && value <= schema.exclusiveMinimum) add(`must be > ${schema.exclusiveMinimum}, got ${value}`);
    if (typeof schema.exclusiveMaximum === 'number' && value >= schema.exclusiveMaximum) add(`must be < ${schema.exclusiveMaximum}, got ${value}`);
  }
  if (typeof value === 'string') {
    if (typeof schema.minLength === 'number' && value.length < schema.minLength) add(`must have at least ${schema.minLength} character(s)`);
    if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) add(`must match ${schema.pattern}, got ${show(value)}`);
  }

  if (Array.isArray(value)) {
    if (typeof schema.minItems === 'number' && value.length < schema.minItems) add(`must have at least ${schema.minItems} item(s), got ${value.length}`);
    if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) add(`must have at most ${schema.maxItems} item(s), got ${value.length}`);
    if (schema.uniqueItems === true) {
      const seen = new Set<string>();
      value.forEach((item, i) => {
        const key = JSON.stringify(item);
        if (seen.has(key)) add(`repeats ${show(item)}`, join(path, i));
        seen.add(key);
      });
    }
    if (schema.items && typeof schema.items === 'object')
      value.forEach((item, i) => problems.push(...checkSchema(item, schema.items as Schema, root, join(path, i))));
  }

  if (typeOf(value) === 'object') {
    const object = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const key of (schema.required as string[] | undefined) ?? []) if (!(key in object)) add('is missing', join(path, key));
    for (const [key, item] of Object.entries(object)) {
      if (properties[key]) problems.push(...checkSchema(item, properties[key], root, join(path, key)));
      else if (schema.additionalProperties === false) add(`is not allowed (expected only ${Object.keys(properties).join(', ')})`, join(path, key));
      else if (schema.additionalProperties && typeof schema.additionalProperties === 'object')
        problems.push(...checkSchema(item, schema.additionalProperties as Schema, root, join(path, key)));
    }
  }

  if (Array.isArray(schema.oneOf)) {
    const branches = (schema.oneOf as Schema[]).map((branch) => checkSchema(value, branch, root, path));
    const passing = branches.filter((b) => b.length === 0).length;
    if (passing > 1) add(`matches more than one of the allowed forms`);
    if (passing === 0) {
      // Report the branch whose `const` discriminators the value carries, else every branch's first problem.
      const chosen = (schema.oneOf as Schema[]).findIndex((branch) => discriminatorsMatch(value, branch, root));
      if (chosen >= 0) problems.push(...branches[chosen]);
      else add(`matches none of the allowed forms: ${branches.map((b) => `${b[0].path}: ${b[0].message}`).join('; or ')}`);
    }
  }
  return problems;
}

function discriminatorsMatch(value: unknown, branch: Schema, root: Schema): boolean {
  let schema = branch;
  if (typeof schema.$ref === 'string') schema = ((root.$defs as Record<string, Schema>) ?? {})[schema.$ref.replace('#/$defs/', '')] ?? schema;
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const consts = Object.entries(properties).filter(([, s]) => 'const' in s);
  if (consts.length === 0 || typeOf(value) !== 'object') return false;
  return consts.every(([key, s]) => deepEqual((value as Record<string, unknown>)[key], s.const));
}

/** One line per problem, for error messages. */
export function describeProblems(problems: SchemaProblem[]): string {
  return problems.map((p) => `'${p.path}' ${p.message}`).join('; ');
}
