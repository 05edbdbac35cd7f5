import Foundation
import Modeling
import Training

/// How often each symbol occurs in the corpus a model was trained on, stored in the model file
/// as metadata ``MetadataKey/symbolCounts``: a JSON array of counts in id order (V numbers, a few
/// hundred bytes for a typical vocabulary). `charlm info` shows the most frequent symbols.
enum SymbolCounts {
  /// Occurrences of each id 0..<V in `ids`.
  static func count(_ ids: TokenIDs, vocabularySize V: Int) -> [Int] {
    var counts = [Int](repeating: 0, count: V)
    switch ids {
    case .narrow(let a): for id in a where Int(id) < V { counts[Int(id)] += 1 }
    case .wide(let a): for id in a where Int(id) < V { counts[Int(id)] += 1 }
    }
    return counts
  }

  /// The metadata value for `counts`.
  static func json(_ counts: [Int]) -> String {
    "[" + counts.map(String.init).joined(separator: ",") + "]"
  }

  /// The counts a model file's metadata carries, when present, well formed and of length V.
  static func parse(_ metadata: [String: String], vocabularySize V: Int) -> [Int]? {
    guard let text = metadata[MetadataKey.symbolCounts],
      let counts = try? JSONDecoder().decode([Int].self, from: Data(text.utf8)),
      counts.count == V, counts.allSatisfy({ $0 >= 0 })
    else { return nil }
    return counts
  }
}
