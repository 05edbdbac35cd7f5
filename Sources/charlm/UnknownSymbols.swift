/// Symbols of a text that a model's vocabulary lacks, as notes and reports show them.
enum UnknownSymbols {
  /// The `limit` most frequent of `counts` (ties in symbol order), quoted: `"é", "😀"`.
  static func examples(_ counts: [String: Int], limit: Int = 5) -> String {
    counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(limit)
      .map { "\"\($0.key)\"" }.joined(separator: ", ")
  }
}
