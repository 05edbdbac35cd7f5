/// Every `__metadata__` key charlm writes into a model file, in one place. The value of each is
/// a JSON text; docs/ModelFormat.md describes them. A new key goes here and in that page.
public enum MetadataKey {
  /// `"1"`: the format version (``ModelFile/formatVersion``).
  public static let formatVersion = "charlm.format_version"
  /// The model's shape, ``ModelConfig`` as JSON.
  public static let config = "charlm.config"
  /// `{"unit": …, "normalization": …, "unknown_id": …}`, written and read by Tokenization.
  public static let tokenizer = "charlm.tokenizer"
  /// The symbols in id order, a JSON array of strings.
  public static let vocabulary = "charlm.vocab"
  /// The training record a resume needs (Training's `TrainingRecord`).
  public static let trainingRecord = "charlm.train"
  /// How often each symbol occurs in the training text, a JSON array of V counts.
  public static let symbolCounts = "charlm.symbol_counts"
  /// Where the weights come from, for `charlm info` (Training's `RunProvenance`).
  public static let run = "charlm.run"

  /// The keys ``ModelFile`` reads and writes itself; any other key travels in its
  /// `extraMetadata`.
  public static let modelKeys: Set<String> = [formatVersion, config, tokenizer, vocabulary]
}
