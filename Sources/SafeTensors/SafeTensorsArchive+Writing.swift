// MARK: - Encoding

extension SafeTensorsArchive {
  /// The tensor names in the order they are written: by the bytes of their UTF-8 form.
  var orderedTensorNames: [String] {
    tensors.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
  }

  /// The complete safetensors file for this archive, byte for byte.
  ///
  /// The header is compact JSON — `__metadata__` first (when not empty), then the tensors in
  /// the byte order of their names, each `{"dtype":"F32","shape":[..],"data_offsets":[b,e]}` —
  /// padded with spaces so the data starts at an 8-byte boundary; tensors are stored in the
  /// same order, little-endian, back to back. Equal archives give equal bytes.
  /// - Precondition: no tensor is named `__metadata__` (the format reserves that key).
  public func encoded() -> [UInt8] {
    precondition(tensors[Self.metadataKey] == nil, "SafeTensorsArchive: '\(Self.metadataKey)' cannot name a tensor")
    let names = orderedTensorNames

    // Header.
    var header: [UInt8] = [UInt8(ascii: "{")]
    var needsComma = false
    if !metadata.isEmpty {
      SafeTensorsJSON.appendString(Self.metadataKey, to: &header)
      header += Array(":{".utf8)
      let keys = metadata.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
      for (i, key) in keys.enumerated() {
        if i > 0 { header.append(UInt8(ascii: ",")) }
        SafeTensorsJSON.appendString(key, to: &header)
        header.append(UInt8(ascii: ":"))
        SafeTensorsJSON.appendString(metadata[key]!, to: &header)
      }
      header.append(UInt8(ascii: "}"))
      needsComma = true
    }
    var offset = 0
    for name in names {
      let tensor = tensors[name]!
      if needsComma { header.append(UInt8(ascii: ",")) }
      needsComma = true
      let end = offset + 4 * tensor.values.count
      SafeTensorsJSON.appendString(name, to: &header)
      header += Array(":{\"dtype\":\"\(Self.float32DType)\",\"shape\":[".utf8)
      header += Array(tensor.shape.map(String.init).joined(separator: ",").utf8)
      header += Array("],\"data_offsets\":[\(offset),\(end)]}".utf8)
      offset = end
    }
    header.append(UInt8(ascii: "}"))
    // Pad so that 8 + header.count is a multiple of 8, as the official writer does.
    while header.count % 8 != 0 { header.append(UInt8(ascii: " ")) }

    // File: length, header, data.
    var bytes: [UInt8] = []
    bytes.reserveCapacity(8 + header.count + offset)
    var length = UInt64(header.count)
    for _ in 0..<8 {
      bytes.append(UInt8(truncatingIfNeeded: length))
      length >>= 8
    }
    bytes += header
    for name in names {
      let values = tensors[name]!.values
      #if _endian(little)
        values.withUnsafeBytes { bytes.append(contentsOf: $0) }
      #else
        for value in values {
          var bits = value.bitPattern
          for _ in 0..<4 {
            bytes.append(UInt8(truncatingIfNeeded: bits))
            bits >>= 8
          }
        }
      #endif
    }
    return bytes
  }
}

// MARK: - Writing files

extension SafeTensorsArchive {
  /// Writes the archive to `path` atomically.
  ///
  /// The bytes go to a temporary file in the same directory, which is flushed to disk (`fsync`)
  /// and then renamed over `path`; the directory is then flushed too (best effort). A reader sees
  /// the old file or the new one, never a mix; if anything fails, the temporary file is removed
  /// and the previous file at `path` is left as it was. A symbolic link at `path` is replaced,
  /// not followed.
  /// - Throws: ``CheckpointError/writeFailed(source:step:reason:)`` naming `path` and the step
  ///   that failed.
  public func write(to path: String) throws(CheckpointError) {
    try AtomicFile.write(encoded(), to: path)
  }
}
