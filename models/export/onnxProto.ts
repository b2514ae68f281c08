// The part of ONNX's protobuf schema that a linear model's graph needs, encoded and decoded with protobufjs. Message
// names, field names and field numbers are copied from onnx/onnx.proto (onnx 1.23.2, the release ops/requirements.txt
// pins; the same numbers hold since IR version 3): ModelProto, OperatorSetIdProto, StringStringEntryProto, GraphProto,
// NodeProto, TensorProto, ValueInfoProto, TypeProto(.Tensor), TensorShapeProto(.Dimension). Fields left out are
// skipped when decoding, as protobuf does with any unknown field.
import protobuf from 'protobufjs';
import { ModelInputError } from '../stats/errors';

// TypeProto.value and Dimension.value are oneofs in onnx.proto; written here as plain optional fields, which have the
// same wire format. TensorProto.dims is unpacked in onnx.proto (proto2 without [packed = true]), double_data packed.
const SCHEMA = `
syntax = "proto2";
package onnx;

message StringStringEntryProto {
  optional string key = 1;
  optional string value = 2;
}

message OperatorSetIdProto {
  optional string domain = 1;
  optional int64 version = 2;
}

message TensorProto {
  repeated int64 dims = 1;
  optional int32 data_type = 2;
  repeated double double_data = 10 [packed = true];
  optional string name = 8;
  optional string doc_string = 12;
  optional bytes raw_data = 9;
}

message TensorShapeProto {
  message Dimension {
    optional int64 dim_value = 1;
    optional string dim_param = 2;
    optional string denotation = 3;
  }
  repeated Dimension dim = 1;
}

message TypeProto {
  message Tensor {
    optional int32 elem_type = 1;
    optional TensorShapeProto shape = 2;
  }
  optional Tensor tensor_type = 1;
  optional string denotation = 6;
}

message ValueInfoProto {
  optional string name = 1;
  optional TypeProto type = 2;
  optional string doc_string = 3;
}

message NodeProto {
  repeated string input = 1;
  repeated string output = 2;
  optional string name = 3;
  optional string op_type = 4;
  optional string domain = 7;
  optional string doc_string = 6;
}

message GraphProto {
  repeated NodeProto node = 1;
  optional string name = 2;
  repeated TensorProto initializer = 5;
  optional string doc_string = 10;
  repeated ValueInfoProto input = 11;
  repeated ValueInfoProto output = 12;
}

message ModelProto {
  optional int64 ir_version = 1;
  repeated OperatorSetIdProto opset_import = 8;
  optional string producer_name = 2;
  optional string producer_version = 3;
  optional string domain = 4;
  optional int64 model_version = 5;
  optional string doc_string = 6;
  optional GraphProto graph = 7;
  repeated StringStringEntryProto metadata_props = 14;
}
`;

/** TensorProto.DataType values used here (onnx.proto: FLOAT = 1, DOUBLE = 11). */
export const ONNX_FLOAT = 1;
export const ONNX_DOUBLE = 11;

export interface OnnxDimension {
  dim_value?: number;
  dim_param?: string;
}

export interface OnnxValueInfo {
  name?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: OnnxDimension[] } } };
  doc_string?: string;
}

export interface OnnxTensor {
  name?: string;
  dims?: number[];
  data_type?: number;
  raw_data?: Uint8Array;
  double_data?: number[];
  doc_string?: string;
}

export interface OnnxNode {
  input?: string[];
  output?: string[];
  name?: string;
  op_type?: string;
  domain?: string;
  doc_string?: string;
}

export interface OnnxGraph {
  name?: string;
  node?: OnnxNode[];
  initializer?: OnnxTensor[];
  input?: OnnxValueInfo[];
  output?: OnnxValueInfo[];
  doc_string?: string;
}

export interface OnnxModel {
  ir_version?: number;
  opset_import?: { domain?: string; version?: number }[];
  producer_name?: string;
  producer_version?: string;
  domain?: string;
  model_version?: number;
  doc_string?: string;
  graph?: OnnxGraph;
  metadata_props?: { key?: string; value?: string }[];
}

let modelType: protobuf.Type | undefined;
function ModelProto(): protobuf.Type {
  modelType ??= protobuf.parse(SCHEMA, { keepCase: true }).root.lookupType('onnx.ModelProto');
  return modelType;
}

/** The serialised ModelProto (the bytes of a .onnx file). */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const type = ModelProto();
  const problem = type.verify(model);
  if (problem) throw new ModelInputError(problem, 'ModelProto');
  return type.encode(type.fromObject(model)).finish();
}

/** Decodes a .onnx file's bytes; bytes that are not a ModelProto are an error naming `where`. */
export function decodeOnnxModel(bytes: Uint8Array, where: string): OnnxModel {
  if (bytes.length === 0) throw new ModelInputError('the file is empty (expected an ONNX ModelProto)', where);
  let decoded: protobuf.Message;
  try {
    decoded = ModelProto().decode(bytes);
  } catch (err) {
    throw new ModelInputError(`not an ONNX model: the protobuf does not decode as a ModelProto (${(err as Error).message})`, where);
  }
  return ModelProto().toObject(decoded, { longs: Number, arrays: true }) as OnnxModel;
}

/** Little-endian float64 bytes, the layout TensorProto.raw_data requires whatever the host's byte order. */
export function float64RawData(values: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(values.length * 8);
  const view = new DataView(bytes.buffer);
  values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return bytes;
}

/** The values of a double tensor, from raw_data (little-endian) or double_data. */
export function float64Values(tensor: OnnxTensor): number[] {
  if (tensor.raw_data && tensor.raw_data.length > 0) {
    const raw = tensor.raw_data;
    const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    return Array.from({ length: raw.byteLength / 8 }, (_, i) => view.getFloat64(i * 8, true));
  }
  return [...(tensor.double_data ?? [])];
}
