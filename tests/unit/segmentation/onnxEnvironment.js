// A jest environment for tests that run onnxruntime-node in-process. The native binding creates its output tensors'
// typed arrays in Node's main realm, and onnxruntime-common rejects them (`instanceof Float32Array` against the
// test context's own Float32Array; microsoft/onnxruntime#16622). Here the test context shares the main realm's
// typed arrays and ArrayBuffer, so both sides see one Float32Array. Use with a docblock:
//   /** @jest-environment ./tests/unit/segmentation/onnxEnvironment.js */
const { TestEnvironment } = require('jest-environment-node');

const SHARED = [
  'ArrayBuffer',
  'SharedArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
];

class OnnxEnvironment extends TestEnvironment {
  constructor(config, context) {
    super(config, context);
    for (const name of SHARED) if (globalThis[name]) this.global[name] = globalThis[name];
  }
}

module.exports = OnnxEnvironment;
