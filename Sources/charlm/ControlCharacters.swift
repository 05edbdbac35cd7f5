/// Control characters made visible, for every message that can carry user or file data (a
/// path, a tensor name, a symbol, a format version): a raw ESC or BEL would drive the terminal,
/// a newline would split one error into two lines.
enum ControlCharacters {
  /// `text` with C0 controls, DEL and C1 controls written as `\n`, `\t`, `\r`, `\0` or `\u{1B}`.
  static func escaped(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: isControl) else { return text }
    var out = ""
    out.unicodeScalars.reserveCapacity(text.unicodeScalars.count + 8)
    for scalar in text.unicodeScalars {
      guard isControl(scalar) else {
        out.unicodeScalars.append(scalar)
        continue
      }
      switch scalar {
      case "\n": out += "\\n"
      case "\t": out += "\\t"
      case "\r": out += "\\r"
      case "\0": out += "\\0"
      default: out += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
      }
    }
    return out
  }

  /// True for U+0000–U+001F, U+007F and U+0080–U+009F.
  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0)
  }
}
