// Jest's transform: @swc/jest, then every module's body runs in a scope that binds the JavaScript intrinsics it uses
// in hot loops (Math, typed arrays, …) to local constants. Jest runs each test file in a vm context whose global
// object answers lookups through an interceptor: a numeric loop that reads `Math` on every iteration runs tens of
// times slower there than in plain Node. The bindings are the same objects, so behaviour does not change.
const { createTransformer } = require('@swc/jest');

const swc = createTransformer({ jsc: { target: 'es2022' } });
const INTRINSICS = [
  'Math',
  'Number',
  'Array',
  'Object',
  'Float64Array',
  'Float32Array',
  'Int32Array',
  'Int16Array',
  'Int8Array',
  'Uint32Array',
  'Uint16Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'BigInt64Array',
  'BigUint64Array',
  'Map',
  'Set',
  'Infinity',
  'NaN',
  'isFinite',
  'isNaN',
];
const PREFIX = `(function () { const ${INTRINSICS.map((name) => `${name} = globalThis.${name}`).join(', ')}; return (function () {`;
const SUFFIX = '\n}).call(this); }).call(this);';

module.exports = {
  process(src, filename, options) {
    const out = swc.process(src, filename, options);
    return { ...out, code: PREFIX + out.code + SUFFIX };
  },
  getCacheKey(src, filename, options) {
    return `${swc.getCacheKey(src, filename, options)}:intrinsics-1`;
  },
};
