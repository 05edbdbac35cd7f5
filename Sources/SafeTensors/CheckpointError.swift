/// A checkpoint file could not be read or written.
///
/// Every case names the file (`source`: the path as given, or the label passed to
/// ``SafeTensorsArchive/decode(_:source:)``), and its ``description`` is one line that says
/// what happened and what to do next, fit to print on standard error as is.
public enum CheckpointError: Error, CustomStringConvertible, Equatable, Sendable {
  /// No file exists at the path.
  case fileNotFound(source: String)
  /// The path names a directory or another non-regular file (FIFO, socket, device).
  case notARegularFile(source: String, kind: String)
  /// The file exists but could not be opened or read; `reason` is the system's message.
  case unreadable(source: String, reason: String)
  /// The file has no bytes at all.
  case empty(source: String)
  /// The file ends inside `part`: `expected` bytes were needed from the start of that part,
  /// only `available` follow.
  case truncated(source: String, part: FilePart, expected: UInt64, available: Int)
  /// The 8-byte header length is larger than the reader accepts: not a safetensors file,
  /// or a corrupted one.
  case headerTooLarge(source: String, length: UInt64, limit: Int)
  /// The JSON header is not valid UTF-8 JSON, or not of the shape safetensors prescribes.
  case malformedHeader(source: String, detail: String)
  /// The entry of tensor `name` in the header is invalid (missing field, wrong type, bad shape
  /// or offsets, byte count not matching the shape).
  case invalidTensor(source: String, name: String, detail: String)
  /// Tensor `name` is stored in a dtype this reader does not read (only F32 is read).
  case unsupportedDType(source: String, name: String, dtype: String)
  /// Two tensor entries share a name (or names Swift considers equal: canonically
  /// equivalent Unicode).
  case duplicateName(source: String, name: String)
  /// The tensors do not tile the data buffer exactly: a gap, an overlap, or bytes left over.
  case badLayout(source: String, detail: String)
  /// The `__metadata__` map is invalid (not an object, or a value that is not a string).
  case invalidMetadata(source: String, detail: String)
  /// Writing failed during `step`; the previous file at `source`, if any, is unchanged.
  case writeFailed(source: String, step: String, reason: String)
  /// A valid safetensors file that is not a charlm model (no or unreadable `charlm.*` metadata).
  case notACharlmModel(source: String, detail: String)
  /// A charlm model of a format version this build does not read.
  case unsupportedFormatVersion(source: String, version: String, supported: String)
  /// A charlm model whose tensors or vocabulary do not match its own configuration.
  case inconsistentModel(source: String, detail: String)

  /// The three consecutive parts of a safetensors file.
  public enum FilePart: Sendable, Equatable {
    /// The 8-byte little-endian header length.
    case headerLength
    /// The JSON header.
    case header
    /// The tensor data buffer.
    case data
  }

  /// The file (or label) the error is about.
  public var source: String {
    switch self {
    case .fileNotFound(let s), .notARegularFile(let s, _), .unreadable(let s, _), .empty(let s),
      .truncated(let s, _, _, _), .headerTooLarge(let s, _, _), .malformedHeader(let s, _),
      .invalidTensor(let s, _, _), .unsupportedDType(let s, _, _), .duplicateName(let s, _),
      .badLayout(let s, _), .invalidMetadata(let s, _), .writeFailed(let s, _, _),
      .notACharlmModel(let s, _), .unsupportedFormatVersion(let s, _, _), .inconsistentModel(let s, _):
      return s
    }
  }

  /// One line: what happened, then what to do next.
  public var description: String {
    let damaged = "the file is damaged or not a safetensors file — use the previous copy or retrain"
    switch self {
    case .fileNotFound(let s):
      return "\(s): no such file; check the path"
    case .notARegularFile(let s, let kind):
      return "\(s) is a \(kind), not a safetensors file; give the path of the file itself"
    case .unreadable(let s, let reason):
      return "cannot read \(s): \(reason); check the file's permissions"
    case .empty(let s):
      return "\(s) is empty; the file was not written — use the previous copy or retrain"
    case .truncated(let s, let part, let expected, let available):
      let what: String
      switch part {
      case .headerLength:
        what = "it has only \(available) bytes, fewer than the 8-byte header length"
      case .header:
        what = "header says \(expected) bytes but only \(available) follow"
      case .data:
        what = "the header describes \(expected) bytes of tensor data but only \(available) follow"
      }
      return "\(s) is truncated: \(what); the file was not fully written — use the previous copy or retrain"
    case .headerTooLarge(let s, let length, let limit):
      return "\(s) is not a safetensors file: its header length field says \(length) bytes, "
        + "more than the \(limit)-byte limit; check that the path names a model file, or use the previous copy"
    case .malformedHeader(let s, let detail):
      return "\(s) has a malformed header: \(detail); \(damaged)"
    case .invalidTensor(let s, let name, let detail):
      return "\(s): tensor '\(name.forMessage)' is invalid: \(detail); \(damaged)"
    case .unsupportedDType(let s, let name, let dtype):
      return "\(s): tensor '\(name.forMessage)' has dtype \(dtype.forMessage), but only F32 is supported; "
        + "convert it to float32 (e.g. tensor.float() in PyTorch) and save the file again"
    case .duplicateName(let s, let name):
      return "\(s): the header names tensor '\(name.forMessage)' twice; \(damaged)"
    case .badLayout(let s, let detail):
      return "\(s): the tensors do not tile the data buffer: \(detail); \(damaged)"
    case .invalidMetadata(let s, let detail):
      return "\(s) has invalid __metadata__: \(detail); \(damaged)"
    case .writeFailed(let s, let step, let reason):
      return "cannot write \(s): \(step) failed: \(reason); any previous file at that path is unchanged — "
        + "check that the directory exists, is writable and has free space"
    case .notACharlmModel(let s, let detail):
      return "\(s) is not a charlm model: \(detail); give a file written by charlm train"
    case .unsupportedFormatVersion(let s, let version, let supported):
      return "\(s) has charlm format version \(version), but this charlm reads version \(supported); "
        + "use a charlm release that matches the file"
    case .inconsistentModel(let s, let detail):
      return "\(s) is inconsistent: \(detail); \(damaged)"
    }
  }
}
