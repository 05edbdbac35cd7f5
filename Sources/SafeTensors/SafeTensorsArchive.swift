// The safetensors file format (https://github.com/huggingface/safetensors), as charlm uses it:
//
//     [8 bytes]  N, the header length, UInt64 little-endian
//     [N bytes]  UTF-8 JSON object: name → {"dtype": "F32", "shape": [..], "data_offsets": [b, e]},
//                plus an optional "__metadata__": {string: string}; padded with spaces
//     [rest]     the data buffer; each tensor's bytes are data[b..<e], row-major, little-endian
//
// This layer knows nothing of the model: it reads and writes named Float32 tensors and string
// metadata. Reading is in SafeTensorsArchive+Reading.swift, writing in +Writing.swift.

/// A row-major Float32 tensor: its shape and its values.
///
/// Two tensors are equal when their shapes are equal and their values are bit-identical, so
/// NaN equals the same NaN and `-0.0` differs from `0.0`: equality means "the same bytes on disk".
public struct TensorData: Sendable, Equatable {
  /// The size of each dimension, outermost first; `[]` is a scalar (one value).
  public let shape: [Int]
  /// The values in row-major order; `values.count` is the product of `shape`.
  public let values: [Float]

  /// Creates a tensor of the given shape holding `values` in row-major order.
  /// - Precondition: every dimension is non-negative and `values.count` equals their product.
  public init(shape: [Int], values: [Float]) {
    precondition(shape.allSatisfy { $0 >= 0 }, "TensorData: negative dimension in shape \(shape)")
    precondition(
      TensorData.elementCount(of: shape) == values.count,
      "TensorData: \(values.count) values do not fill shape \(shape)")
    self.shape = shape
    self.values = values
  }

  /// Creates a tensor of the given shape filled with `value`.
  /// - Precondition: every dimension is non-negative and their product fits in `Int`.
  public init(shape: [Int], repeating value: Float = 0) {
    guard let count = TensorData.elementCount(of: shape) else {
      preconditionFailure("TensorData: shape \(shape) is negative or too large")
    }
    self.init(shape: shape, values: [Float](repeating: value, count: count))
  }

  /// The number of values the shape holds, or nil if a dimension is negative or the product
  /// overflows `Int` (checked left to right, as the official safetensors reader does).
  static func elementCount(of shape: [Int]) -> Int? {
    var count = 1
    for dim in shape {
      guard dim >= 0 else { return nil }
      let (product, overflow) = count.multipliedReportingOverflow(by: dim)
      if overflow { return nil }
      count = product
    }
    return count
  }

  /// Bitwise equality: same shape and the same bit pattern in every value.
  public static func == (a: TensorData, b: TensorData) -> Bool {
    a.shape == b.shape && a.values.count == b.values.count
      && zip(a.values, b.values).allSatisfy { $0.bitPattern == $1.bitPattern }
  }
}

/// Named Float32 tensors and string metadata, as stored in one safetensors file.
///
/// Files are written deterministically (the same archive always gives the same bytes): tensors
/// and metadata keys in the byte order of their UTF-8 names, the header padded with spaces so
/// the data starts at an 8-byte boundary. Python's `safetensors` and PyTorch read them as is.
public struct SafeTensorsArchive: Sendable, Equatable {
  /// The tensors by name. The name `__metadata__` is reserved by the format.
  public var tensors: [String: TensorData]
  /// String-to-string metadata, stored as the header's `__metadata__` (omitted when empty).
  public var metadata: [String: String]

  /// Creates an archive of the given tensors and metadata.
  public init(tensors: [String: TensorData] = [:], metadata: [String: String] = [:]) {
    self.tensors = tensors
    self.metadata = metadata
  }

  /// The header key the format reserves for the metadata map.
  static let metadataKey = "__metadata__"

  /// The largest header the reader accepts, in bytes (the official reader's limit too).
  public static let maximumHeaderLength = 100_000_000

  /// The only dtype this layer reads and writes.
  static let float32DType = "F32"
}

extension String {
  /// The string as one printable line for an error message: control characters escaped and
  /// at most 80 characters, so a hostile name cannot break or flood the message.
  var forMessage: String {
    var out = ""
    var count = 0
    for scalar in unicodeScalars {
      if count == 80 {
        out += "…"
        break
      }
      if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
        out += scalar.escaped(asASCII: true)
      } else {
        out.unicodeScalars.append(scalar)
      }
      count += 1
    }
    return out
  }
}
