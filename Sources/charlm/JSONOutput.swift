import Foundation

/// Prints `object` as one line of JSON on standard output.
func printJSON(_ object: [String: Any]) {
  let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
  print(String(decoding: data, as: UTF8.self))
}
