import Foundation

/// JSON for standard output. Non-finite numbers (a diverged loss, an infinite perplexity) are not
/// JSON numbers: they are written as `null`, as the metrics log does, never a crash.
enum JSONOutput {
  /// `value` with every non-finite Double or Float (at any depth) replaced by `NSNull()`.
  static func finiteOrNull(_ value: Any) -> Any {
    switch value {
    case let x as Double: return x.isFinite ? x : NSNull()
    case let x as Float: return x.isFinite ? x : NSNull()
    case let dictionary as [String: Any]: return dictionary.mapValues(finiteOrNull)
    case let array as [Any]: return array.map(finiteOrNull)
    default: return value
    }
  }

  /// One line of JSON for `object` (sorted keys, unescaped slashes).
  static func line(_ object: [String: Any]) -> String {
    let safe = finiteOrNull(object)
    // Only numbers can make JSONSerialization fail on these values, and they are finite now.
    let data =
      (try? JSONSerialization.data(withJSONObject: safe, options: [.sortedKeys, .withoutEscapingSlashes]))
      ?? Data("{}".utf8)
    return String(decoding: data, as: UTF8.self)
  }
}

/// Prints `object` as one line of JSON on standard output (non-finite numbers as null).
func printJSON(_ object: [String: Any]) {
  printLine(JSONOutput.line(object))
}
