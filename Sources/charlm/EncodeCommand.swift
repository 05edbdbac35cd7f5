import ArgumentParser
import CharLM
import Foundation
import Kernels
import Modeling
import SafeTensors
import Tokenization

/// `charlm encode`: a corpus's ids with a model's vocabulary, as a NumPy `.npy` file, so another
/// trainer (the PyTorch one in python/charlm_torch) reads exactly the ids `charlm train` would.
struct EncodeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "encode",
    abstract: "Write a text file's symbol ids (the model's vocabulary) as a NumPy .npy file.",
    discussion: """
      The text is prepared and split as charlm train does with this model (its unit and \
      normalization). The output is a 1-D array, uint16 when the vocabulary has fewer than \
      65,536 symbols, else uint32, written atomically. Symbols the model has never seen are \
      counted and reported: they become the unknown id, or are left out when the vocabulary \
      has none (as --resume trains them).
      """)

  @Argument(help: "UTF-8 text to encode.", completion: .file())
  var corpus: String

  @Option(name: [.short, .long], help: "Model file whose vocabulary and tokenizer settings to use.")
  var model: String

  @Option(help: "The .npy file to write.")
  var output: String

  @Flag(help: "Print one JSON object as the last line of standard output.")
  var json = false

  func run() throws {
    try OutputPathPolicy.check(output, flag: "--output", kind: ".npy file", signature: [0x93] + Array("NUMPY".utf8))
    let loaded = try userFacing { try LoadedModel(path: model) }
    let bytes = try TextInput.read(corpus, what: "corpus")
    let tokenizer = loaded.tokenizer
    let prepared = try userFacing { try tokenizer.prepare(bytes, source: corpus) }
    let (npy, count, unknown, unknownSymbols): ([UInt8], Int, Int, [String: Int])
    if tokenizer.idsFit(in: UInt16.self) {
      let encoded = try userFacing { try tokenizer.encode(prepared, as: UInt16.self) }
      npy = NumPyFile.vector(encoded.ids)
      (count, unknown, unknownSymbols) = (encoded.ids.count, encoded.unknownCount, encoded.unknownSymbols)
    } else {
      let encoded = try userFacing { try tokenizer.encode(prepared, as: UInt32.self) }
      npy = NumPyFile.vector(encoded.ids)
      (count, unknown, unknownSymbols) = (encoded.ids.count, encoded.unknownCount, encoded.unknownSymbols)
    }
    try userFacing { try AtomicFile.write(npy, to: output) }
    var line =
      "\(corpus): \(count) ids (\(tokenizer.idsFit(in: UInt16.self) ? "uint16" : "uint32")) written to \(output)"
    if unknown > 0 {
      line +=
        "; \(unknown) unknown symbols (\(UnknownSymbols.examples(unknownSymbols)))"
        + (tokenizer.unknownID != nil ? " written as the unknown id" : " left out")
    }
    line = ControlCharacters.escaped(line)
    if json {
      eprint(line)
      printJSON([
        "ids": count, "unknown": unknown, "dtype": tokenizer.idsFit(in: UInt16.self) ? "uint16" : "uint32",
        "file": corpus, "model": model, "output": output,
      ])
    } else {
      printLine(line)
    }
  }
}

/// NumPy `.npy` version 1.0 bytes: magic, a little-endian UInt16 header length, a Python dict
/// literal padded with spaces to a 64-byte boundary and ending in a newline, then the data.
enum NumPyFile {
  /// A 1-D array of unsigned little-endian integers (`<u2` or `<u4`).
  static func vector<ID: FixedWidthInteger & UnsignedInteger>(_ values: [ID]) -> [UInt8] {
    let descr = "<u\(ID.bitWidth / 8)"
    var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': (\(values.count),), }"
    let prefix = 10  // magic (6) + version (2) + header length (2)
    let padded = (prefix + header.utf8.count + 1 + 63) / 64 * 64
    header += String(repeating: " ", count: padded - prefix - header.utf8.count - 1) + "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [1, 0]
    let length = UInt16(header.utf8.count)
    bytes += [UInt8(length & 0xFF), UInt8(length >> 8)]
    bytes += Array(header.utf8)
    bytes.reserveCapacity(bytes.count + values.count * MemoryLayout<ID>.size)
    for value in values {
      withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
    }
    return bytes
  }
}
