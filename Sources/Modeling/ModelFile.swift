import Foundation
import Kernels
import SafeTensors

/// A charlm model file: the model's tensors under PyTorch's names, its configuration and
/// tokenizer in `__metadata__`, and optionally the state a resumed run needs (tensors named
/// `train.*` and metadata keys `charlm.train*`). See docs/ModelFormat.md.
///
/// Modeling does not know the tokenizer or the trainer: their parts travel as JSON text and
/// extra tensors, validated by their own modules.
public struct ModelFile {
  /// The format version this build writes and reads (`charlm.format_version`).
  public static let formatVersion = "1"
  /// Prefix of tensors that belong to training state, not to the model.
  public static let trainingPrefix = "train."

  /// The model's shape.
  public var config: ModelConfig
  /// The model's parameters, laid out by `ParameterLayout(config:)`.
  public var parameters: FloatBuffer
  /// `charlm.tokenizer`: `{"unit": …, "normalization": …, "unknown_id": …}`.
  public var tokenizerJSON: String
  /// `charlm.vocab`: the symbols in id order, as a JSON array of strings.
  public var vocabularyJSON: String
  /// Training-state tensors (names start with ``trainingPrefix``).
  public var trainingTensors: [String: TensorData]
  /// Further metadata (e.g. `charlm.train`), kept as is.
  public var extraMetadata: [String: String]

  /// A model file's contents.
  public init(
    config: ModelConfig, parameters: FloatBuffer, tokenizerJSON: String, vocabularyJSON: String,
    trainingTensors: [String: TensorData] = [:], extraMetadata: [String: String] = [:]
  ) {
    self.config = config
    self.parameters = parameters
    self.tokenizerJSON = tokenizerJSON
    self.vocabularyJSON = vocabularyJSON
    self.trainingTensors = trainingTensors
    self.extraMetadata = extraMetadata
  }

  /// The safetensors archive of this file.
  public func archive() -> SafeTensorsArchive {
    let layout = ParameterLayout(config: config)
    var tensors = trainingTensors
    for slot in layout.slots {
      let p = parameters.pointer(to: slot)
      tensors[slot.name] = TensorData(
        shape: slot.shape, values: Array(UnsafeBufferPointer(start: p, count: slot.count)))
    }
    var metadata = extraMetadata
    metadata[MetadataKey.formatVersion] = Self.formatVersion
    metadata[MetadataKey.config] = String(decoding: try! JSONEncoder.sorted.encode(config), as: UTF8.self)
    metadata[MetadataKey.tokenizer] = tokenizerJSON
    metadata[MetadataKey.vocabulary] = vocabularyJSON
    return SafeTensorsArchive(tensors: tensors, metadata: metadata)
  }

  /// Writes the file atomically (a crash leaves the previous file intact).
  public func write(to path: String) throws(CheckpointError) {
    try archive().write(to: path)
  }

  /// Reads and validates a model file: format version, configuration, every model tensor
  /// present with its expected shape, finite values. The vocabulary's length against V is
  /// checked by the caller, which parses it.
  public static func read(from path: String) throws(CheckpointError) -> ModelFile {
    try ModelFile(archive: SafeTensorsArchive.read(from: path), source: path)
  }

  /// Validates an archive as a model file.
  public init(archive: SafeTensorsArchive, source: String) throws(CheckpointError) {
    let meta = archive.metadata
    guard let version = meta[MetadataKey.formatVersion] else {
      throw .notACharlmModel(source: source, detail: "its metadata has no charlm.format_version")
    }
    guard version == Self.formatVersion else {
      throw .unsupportedFormatVersion(source: source, version: version, supported: Self.formatVersion)
    }
    guard let configText = meta[MetadataKey.config],
      let config = try? JSONDecoder().decode(ModelConfig.self, from: Data(configText.utf8))
    else {
      throw .notACharlmModel(source: source, detail: "\(MetadataKey.config) is missing or not a valid configuration")
    }
    guard config.isValid else {
      throw .inconsistentModel(source: source, detail: "\(MetadataKey.config) has a size below 1 or absurdly large")
    }
    guard let tokenizer = meta[MetadataKey.tokenizer], let vocabulary = meta[MetadataKey.vocabulary] else {
      throw .notACharlmModel(source: source, detail: "\(MetadataKey.tokenizer) or \(MetadataKey.vocabulary) is missing")
    }
    let layout = ParameterLayout(config: config)
    let parameters = FloatBuffer(count: layout.totalCount)
    for slot in layout.slots {
      guard let tensor = archive.tensors[slot.name] else {
        throw .inconsistentModel(source: source, detail: "tensor \(slot.name) is missing")
      }
      guard tensor.shape == slot.shape else {
        throw .inconsistentModel(
          source: source, detail: "tensor \(slot.name) has shape \(tensor.shape), but charlm.config needs \(slot.shape)"
        )
      }
      guard tensor.values.allSatisfy(\.isFinite) else {
        throw .inconsistentModel(source: source, detail: "tensor \(slot.name) holds NaN or infinite values")
      }
      tensor.values.withUnsafeBufferPointer {
        parameters.pointer(to: slot).update(from: $0.baseAddress!, count: slot.count)
      }
    }
    let known = Set(layout.slots.map(\.name))
    if let stray = archive.tensors.keys.sorted().first(where: {
      !known.contains($0) && !$0.hasPrefix(Self.trainingPrefix)
    }) {
      throw .inconsistentModel(
        source: source, detail: "tensor \(stray) is not part of a \(config.layers)-layer \(config.cell.rawValue) model")
    }
    self.init(
      config: config, parameters: parameters, tokenizerJSON: tokenizer, vocabularyJSON: vocabulary,
      trainingTensors: archive.tensors.filter { $0.key.hasPrefix(Self.trainingPrefix) },
      extraMetadata: meta.filter { !MetadataKey.modelKeys.contains($0.key) })
  }
}

extension ModelConfig {
  /// Sizes a file may claim without making the reader allocate absurd amounts (≤ 2^31 parameters).
  var isValid: Bool {
    let sizes = [vocabSize, embeddingSize, hiddenSize, layers]
    guard sizes.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }), layers <= 64 else { return false }
    let G = cell.gateCount
    let perLayer = G * hiddenSize * (max(embeddingSize, hiddenSize) + hiddenSize + 2)
    let total = Double(vocabSize) * Double(embeddingSize + hiddenSize + 1) + Double(layers) * Double(perLayer)
    return total <= Double(1 << 31)
  }
}

extension JSONEncoder {
  /// An encoder with sorted keys, so files are byte-for-byte reproducible.
  static var sorted: JSONEncoder {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return e
  }
}
