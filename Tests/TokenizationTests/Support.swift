import Testing

@testable import Tokenization

/// SplitMix64: a tiny seeded generator so random tests are reproducible.
struct TestRandom: RandomNumberGenerator {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z &>> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z &>> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z &>> 31)
  }
}

/// Scalar ranges the random strings draw from: ASCII, line breaks, Latin, combining marks,
/// Devanagari, Hangul syllables and conjoining jamo, CJK, emoji with ZWJ, skin tones, variation
/// selectors and regional indicators — the places where segmentation and NFC get interesting.
let randomScalarRanges: [ClosedRange<UInt32>] = [
  0x20...0x7E, 0x20...0x7E, 0x0A...0x0A, 0x0D...0x0D, 0xC0...0x17F, 0x300...0x36F,
  0x900...0x97F, 0xAC00...0xD7A3, 0x1100...0x1112, 0x1161...0x1175, 0x11A8...0x11C2,
  0x4E00...0x9FFF, 0x1F466...0x1F469, 0x1F300...0x1F64F, 0x200D...0x200D, 0x1F3FB...0x1F3FF,
  0xFE0F...0xFE0F, 0x1F1E6...0x1F1FF, 0xFEFF...0xFEFF, 0xFFFD...0xFFFD,
]

/// A random string of 0..<maxScalars scalars from `ranges`.
func randomString(
  _ random: inout TestRandom, maxScalars: Int = 24, ranges: [ClosedRange<UInt32>] = randomScalarRanges
) -> String {
  var scalars = String.UnicodeScalarView()
  for _ in 0..<Int.random(in: 0..<maxScalars, using: &random) {
    let range = ranges.randomElement(using: &random)!
    scalars.append(Unicode.Scalar(UInt32.random(in: range, using: &random))!)
  }
  return String(scalars)
}

/// `string` prepared with the given normalization (line endings normalized).
func prepared(_ string: String, _ normalization: Normalization = .nfc) throws -> PreparedText {
  try PreparedText(string, preparation: TextPreparation(normalization: normalization))
}

/// The symbols of `string` after preparation, as strings.
func symbols(_ string: String, _ unit: SymbolUnit, _ normalization: Normalization = .nfc) throws
  -> [String]
{
  try symbolStrings(of: prepared(string, normalization), unit: unit)
}

/// The scalars of `string` as "U+XXXX" words, for readable failure messages.
func scalarNames(_ string: String) -> String {
  debugQuoted(string)
}
