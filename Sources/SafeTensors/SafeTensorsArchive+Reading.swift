#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#elseif canImport(Darwin)
  import Darwin
#endif

// MARK: - Reading files

extension SafeTensorsArchive {
  /// Reads and validates the safetensors file at `path`.
  ///
  /// The whole file is read into memory (model files are a few MB), then decoded with
  /// ``decode(_:source:)``.
  /// - Throws: ``CheckpointError`` if the file is missing, not a regular file, unreadable, or not
  ///   a valid safetensors file of F32 tensors; the error names `path`.
  public static func read(from path: String) throws(CheckpointError) -> SafeTensorsArchive {
    let bytes = try readWholeFile(at: path)
    return try decode(bytes, source: path)
  }

  /// Reads every byte of the regular file at `path`.
  static func readWholeFile(at path: String) throws(CheckpointError) -> [UInt8] {
    // O_NONBLOCK: opening a FIFO must not hang; it has no effect on regular files.
    let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    if fd < 0 {
      let code = errno
      if code == ENOENT || code == ENOTDIR { throw .fileNotFound(source: path) }
      throw .unreadable(source: path, reason: systemMessage(code))
    }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw .unreadable(source: path, reason: systemMessage(errno)) }
    let type = info.st_mode & S_IFMT
    guard type == S_IFREG else {
      throw .notARegularFile(source: path, kind: type == S_IFDIR ? "directory" : "special file")
    }
    let size = Int(info.st_size)
    var bytes = [UInt8](repeating: 0, count: size)
    var filled = 0
    while filled < size {
      let n = bytes.withUnsafeMutableBytes { buffer in
        systemRead(fd, buffer.baseAddress! + filled, size - filled)
      }
      if n < 0 {
        if errno == EINTR { continue }
        throw .unreadable(source: path, reason: systemMessage(errno))
      }
      if n == 0 { break }  // the file shrank while we read it; decode what is there
      filled += n
    }
    if filled < size { bytes.removeLast(size - filled) }
    return bytes
  }
}

/// "1 byte", "2 bytes".
private func pluralBytes(_ count: Int) -> String { count == 1 ? "1 byte" : "\(count) bytes" }

/// The system's message for `code` (strerror).
func systemMessage(_ code: Int32) -> String {
  String(cString: strerror(code))
}

/// `read(2)`, named apart from the members called `read` in this file.
@inline(__always)
func systemRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
  read(fd, buffer, count)
}

// MARK: - Decoding

extension SafeTensorsArchive {
  /// Decodes and validates a whole safetensors file held in `bytes`.
  ///
  /// Everything is checked before any tensor storage is allocated: the header length against
  /// the file and ``maximumHeaderLength``; the header is UTF-8 JSON of the prescribed shape with
  /// no duplicate names; every dtype is F32; shapes and offsets are non-negative integers whose
  /// products do not overflow; each tensor's byte count is its element count × 4; and the
  /// tensors tile the data buffer with no gap, overlap or trailing bytes.
  /// - Parameter source: the name used in error messages (usually the file's path).
  /// - Throws: ``CheckpointError`` naming `source` and what is wrong.
  public static func decode(_ bytes: [UInt8], source: String) throws(CheckpointError) -> SafeTensorsArchive {
    let result: Result<SafeTensorsArchive, CheckpointError> = bytes.withUnsafeBufferPointer { buffer in
      do throws(CheckpointError) {
        return .success(try decode(buffer: buffer, source: source))
      } catch {
        return .failure(error)
      }
    }
    return try result.get()
  }

  /// One tensor entry of the header, validated, before its values are read.
  private struct Entry {
    var name: String
    var shape: [Int]
    var count: Int
    var begin: Int
    var end: Int
  }

  private static func decode(
    buffer: UnsafeBufferPointer<UInt8>, source: String
  ) throws(CheckpointError) -> SafeTensorsArchive {
    // Header length.
    if buffer.isEmpty { throw .empty(source: source) }
    guard buffer.count >= 8 else {
      throw .truncated(source: source, part: .headerLength, expected: 8, available: buffer.count)
    }
    var headerLength: UInt64 = 0
    for i in (0..<8).reversed() { headerLength = headerLength << 8 | UInt64(buffer[i]) }
    guard headerLength <= UInt64(maximumHeaderLength) else {
      throw .headerTooLarge(source: source, length: headerLength, limit: maximumHeaderLength)
    }
    let afterLength = buffer.count - 8
    guard headerLength <= UInt64(afterLength) else {
      throw .truncated(source: source, part: .header, expected: headerLength, available: afterLength)
    }
    let header = UnsafeBufferPointer(rebasing: buffer[8..<(8 + Int(headerLength))])
    let data = UnsafeBufferPointer(rebasing: buffer[(8 + Int(headerLength))...])

    // Header JSON.
    guard String(validating: header, as: UTF8.self) != nil else {
      throw .malformedHeader(source: source, detail: "the header is not valid UTF-8")
    }
    let root: SafeTensorsJSON
    do {
      root = try SafeTensorsJSON.parse(header)
    } catch {
      throw .malformedHeader(
        source: source, detail: "invalid JSON at byte \(error.offset) of the header: \(error.message)")
    }
    guard case .object(let members) = root else {
      throw .malformedHeader(source: source, detail: "the header is \(root.typeName), not a JSON object")
    }

    // Entries and metadata.
    var metadata: [String: String] = [:]
    var sawMetadata = false
    var entries: [Entry] = []
    var names = Set<String>()
    for member in members {
      if member.key == metadataKey {
        guard !sawMetadata else { throw .duplicateName(source: source, name: metadataKey) }
        sawMetadata = true
        metadata = try decodeMetadata(member.value, source: source)
        continue
      }
      guard names.insert(member.key).inserted else { throw .duplicateName(source: source, name: member.key) }
      entries.append(try decodeEntry(name: member.key, member.value, source: source))
    }

    // Layout: every tensor inside the buffer, tiling it exactly.
    let dataLength = data.count
    if let last = entries.max(by: { $0.end < $1.end }), last.end > dataLength {
      throw .truncated(source: source, part: .data, expected: UInt64(last.end), available: dataLength)
    }
    let ordered = entries.sorted { ($0.begin, $0.end) < ($1.begin, $1.end) }
    var cursor = 0
    var previous: String?
    for entry in ordered {
      if entry.begin > cursor {
        throw .badLayout(
          source: source,
          detail:
            "gap of \(pluralBytes(entry.begin - cursor)) before tensor '\(entry.name.forMessage)' (data bytes \(cursor)..<\(entry.begin))"
        )
      }
      if entry.begin < cursor {
        throw .badLayout(
          source: source,
          detail:
            "tensor '\(entry.name.forMessage)' (data bytes \(entry.begin)..<\(entry.end)) overlaps tensor '\((previous ?? "").forMessage)' (ending at \(cursor))"
        )
      }
      cursor = entry.end
      previous = entry.name
    }
    if cursor < dataLength {
      throw .badLayout(source: source, detail: "\(pluralBytes(dataLength - cursor)) of data after the last tensor")
    }

    // Everything is valid: now allocate and convert.
    var tensors: [String: TensorData] = [:]
    tensors.reserveCapacity(entries.count)
    for entry in entries {
      let raw = UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: data[entry.begin..<entry.end]))
      let values = [Float](unsafeUninitializedCapacity: entry.count) { out, initialized in
        #if _endian(little)
          UnsafeMutableRawBufferPointer(out).copyMemory(from: raw)
        #else
          for i in 0..<entry.count {
            out[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)))
          }
        #endif
        initialized = entry.count
      }
      tensors[entry.name] = TensorData(shape: entry.shape, values: values)
    }
    return SafeTensorsArchive(tensors: tensors, metadata: metadata)
  }

  /// Validates the `__metadata__` value: null, or an object of string values with unique keys.
  private static func decodeMetadata(
    _ value: SafeTensorsJSON, source: String
  ) throws(CheckpointError) -> [String: String] {
    if case .null = value { return [:] }
    guard case .object(let members) = value else {
      throw .invalidMetadata(source: source, detail: "it is \(value.typeName), not an object of strings")
    }
    var metadata: [String: String] = [:]
    for member in members {
      guard case .string(let text) = member.value else {
        throw .invalidMetadata(
          source: source, detail: "the value of '\(member.key.forMessage)' is \(member.value.typeName), not a string")
      }
      guard metadata.updateValue(text, forKey: member.key) == nil else {
        throw .invalidMetadata(source: source, detail: "the key '\(member.key.forMessage)' appears twice")
      }
    }
    return metadata
  }

  /// Validates one tensor entry: its fields, dtype, shape, offsets and byte count.
  private static func decodeEntry(
    name: String, _ value: SafeTensorsJSON, source: String
  ) throws(CheckpointError) -> Entry {
    func invalid(_ detail: String) -> CheckpointError {
      .invalidTensor(source: source, name: name, detail: detail)
    }
    guard case .object(let members) = value else {
      throw invalid("its entry is \(value.typeName), not an object")
    }
    var fields: [String: SafeTensorsJSON] = [:]
    for member in members where fields.updateValue(member.value, forKey: member.key) != nil {
      throw invalid("the field '\(member.key.forMessage)' appears twice")
    }
    guard let dtypeValue = fields["dtype"] else { throw invalid("the field 'dtype' is missing") }
    guard case .string(let dtype) = dtypeValue else { throw invalid("'dtype' is \(dtypeValue.typeName), not a string") }
    guard dtype == float32DType else { throw .unsupportedDType(source: source, name: name, dtype: dtype) }

    guard let shapeValue = fields["shape"] else { throw invalid("the field 'shape' is missing") }
    guard case .array(let dims) = shapeValue else { throw invalid("'shape' is \(shapeValue.typeName), not an array") }
    var shape: [Int] = []
    shape.reserveCapacity(dims.count)
    for (i, dim) in dims.enumerated() {
      guard let d = dim.nonNegativeInt else {
        throw invalid("shape[\(i)] is \(dim.typeName), not a non-negative integer")
      }
      shape.append(d)
    }
    guard let count = TensorData.elementCount(of: shape) else {
      throw invalid("the shape \(shape) holds more elements than can be counted")
    }
    let (byteCount, overflow) = count.multipliedReportingOverflow(by: 4)
    guard !overflow else { throw invalid("the shape \(shape) holds more bytes than can be counted") }

    guard let offsetsValue = fields["data_offsets"] else { throw invalid("the field 'data_offsets' is missing") }
    guard case .array(let offsets) = offsetsValue, offsets.count == 2 else {
      throw invalid("'data_offsets' is \(offsetsValue.typeName), not an array of two integers")
    }
    guard let begin = offsets[0].nonNegativeInt, let end = offsets[1].nonNegativeInt else {
      throw invalid(
        "'data_offsets' holds \(offsets[0].typeName) and \(offsets[1].typeName), not two non-negative integers")
    }
    guard begin <= end else { throw invalid("'data_offsets' [\(begin), \(end)] ends before it begins") }
    guard end - begin == byteCount else {
      throw invalid(
        "'data_offsets' [\(begin), \(end)] span \(end - begin) bytes, but shape \(shape) of F32 needs \(byteCount)")
    }
    return Entry(name: name, shape: shape, count: count, begin: begin, end: end)
  }
}
