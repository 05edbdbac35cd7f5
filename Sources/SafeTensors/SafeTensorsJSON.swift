// A small strict JSON reader and writer for the safetensors header.
//
// Why not Foundation's JSONSerialization: the header is hostile input, and we need things it
// hides — duplicate keys (it keeps the last one silently, so two tensors with one name would go
// unnoticed), exact 64-bit integers (it turns numbers into Double/NSNumber, and `true` into 1),
// and a bound on nesting. This reader keeps object members in order with duplicates, keeps
// numbers as their literal text, and limits depth, so validation can say exactly what is wrong.

// MARK: - Value

/// A parsed JSON value. Objects keep their members in order, duplicates included; numbers keep
/// their literal text so integers convert exactly.
enum SafeTensorsJSON: Equatable, Sendable {
  case object([Member])
  case array([SafeTensorsJSON])
  case string(String)
  case number(String)
  case bool(Bool)
  case null

  /// One `"key": value` member of an object.
  struct Member: Equatable, Sendable {
    var key: String
    var value: SafeTensorsJSON
  }

  /// A short name of the value's JSON type, for error messages ("a string", "an array").
  var typeName: String {
    switch self {
    case .object: return "an object"
    case .array: return "an array"
    case .string: return "a string"
    case .number(let text): return "the number \(text.count > 24 ? String(text.prefix(24)) + "…" : text)"
    case .bool(let b): return b ? "true" : "false"
    case .null: return "null"
    }
  }

  /// The value as a non-negative integer that fits in `Int`, or nil (fractions, exponents,
  /// negatives, overflow and non-numbers are all nil).
  var nonNegativeInt: Int? {
    guard case .number(let text) = self else { return nil }
    var result = 0
    for byte in text.utf8 {
      guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
      let (times10, o1) = result.multipliedReportingOverflow(by: 10)
      let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
      if o1 || o2 { return nil }
      result = sum
    }
    return text.isEmpty ? nil : result
  }
}

// MARK: - Parsing

/// Why the header text is not valid JSON, and where (a byte offset into the header).
struct SafeTensorsJSONError: Error, Equatable {
  var offset: Int
  var message: String
}

extension SafeTensorsJSON {
  /// The deepest nesting accepted; a safetensors header needs 3 (root, entry, shape).
  static let maximumDepth = 64

  /// Parses one JSON value filling `bytes`, with only whitespace around it.
  /// - Throws: ``SafeTensorsJSONError`` on any deviation from RFC 8259, a lone surrogate
  ///   escape, or nesting deeper than ``maximumDepth``.
  static func parse(_ bytes: UnsafeBufferPointer<UInt8>) throws(SafeTensorsJSONError) -> SafeTensorsJSON {
    var parser = Parser(bytes: bytes)
    parser.skipWhitespace()
    if parser.index == bytes.count { throw SafeTensorsJSONError(offset: 0, message: "the header is empty") }
    let value = try parser.parseValue(depth: 0)
    parser.skipWhitespace()
    if parser.index != bytes.count {
      throw SafeTensorsJSONError(offset: parser.index, message: "unexpected text after the JSON value")
    }
    return value
  }

  private struct Parser {
    let bytes: UnsafeBufferPointer<UInt8>
    var index = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    func fail(_ message: String) -> SafeTensorsJSONError {
      SafeTensorsJSONError(offset: index, message: message)
    }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    mutating func skipWhitespace() {
      while let b = current, b == 0x20 || b == 0x0A || b == 0x0D || b == 0x09 { index += 1 }
    }

    mutating func expect(_ byte: UInt8, _ what: String) throws(SafeTensorsJSONError) {
      guard current == byte else { throw fail("expected \(what)") }
      index += 1
    }

    mutating func parseValue(depth: Int) throws(SafeTensorsJSONError) -> SafeTensorsJSON {
      guard depth < SafeTensorsJSON.maximumDepth else {
        throw fail("nesting deeper than \(SafeTensorsJSON.maximumDepth) levels")
      }
      guard let b = current else { throw fail("unexpected end of the header, expected a value") }
      switch b {
      case UInt8(ascii: "{"): return try parseObject(depth: depth)
      case UInt8(ascii: "["): return try parseArray(depth: depth)
      case UInt8(ascii: "\""): return .string(try parseString())
      case UInt8(ascii: "t"):
        try parseLiteral("true")
        return .bool(true)
      case UInt8(ascii: "f"):
        try parseLiteral("false")
        return .bool(false)
      case UInt8(ascii: "n"):
        try parseLiteral("null")
        return .null
      case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
      default: throw fail("unexpected character, expected a value")
      }
    }

    mutating func parseLiteral(_ word: StaticString) throws(SafeTensorsJSONError) {
      let count = word.utf8CodeUnitCount
      guard bytes.count - index >= count else { throw fail("invalid literal") }
      for i in 0..<count where bytes[index + i] != word.utf8Start[i] { throw fail("invalid literal") }
      index += count
    }

    mutating func parseObject(depth: Int) throws(SafeTensorsJSONError) -> SafeTensorsJSON {
      index += 1  // {
      var members: [Member] = []
      skipWhitespace()
      if current == UInt8(ascii: "}") {
        index += 1
        return .object(members)
      }
      while true {
        skipWhitespace()
        guard current == UInt8(ascii: "\"") else { throw fail("expected a string key") }
        let key = try parseString()
        skipWhitespace()
        try expect(UInt8(ascii: ":"), "':' after an object key")
        skipWhitespace()
        let value = try parseValue(depth: depth + 1)
        members.append(Member(key: key, value: value))
        skipWhitespace()
        if current == UInt8(ascii: ",") {
          index += 1
          continue
        }
        try expect(UInt8(ascii: "}"), "',' or '}' in an object")
        return .object(members)
      }
    }

    mutating func parseArray(depth: Int) throws(SafeTensorsJSONError) -> SafeTensorsJSON {
      index += 1  // [
      var elements: [SafeTensorsJSON] = []
      skipWhitespace()
      if current == UInt8(ascii: "]") {
        index += 1
        return .array(elements)
      }
      while true {
        skipWhitespace()
        elements.append(try parseValue(depth: depth + 1))
        skipWhitespace()
        if current == UInt8(ascii: ",") {
          index += 1
          continue
        }
        try expect(UInt8(ascii: "]"), "',' or ']' in an array")
        return .array(elements)
      }
    }

    /// Parses a number and returns its literal text (grammar checked, value not converted).
    mutating func parseNumber() throws(SafeTensorsJSONError) -> String {
      let start = index
      func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
      if current == UInt8(ascii: "-") { index += 1 }
      guard isDigit(current) else { throw fail("invalid number") }
      if current == UInt8(ascii: "0") {
        index += 1
      } else {
        while isDigit(current) { index += 1 }
      }
      if current == UInt8(ascii: ".") {
        index += 1
        guard isDigit(current) else { throw fail("invalid number: digits expected after '.'") }
        while isDigit(current) { index += 1 }
      }
      if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
        index += 1
        if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
        guard isDigit(current) else { throw fail("invalid number: digits expected in the exponent") }
        while isDigit(current) { index += 1 }
      }
      return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    mutating func parseHex4() throws(SafeTensorsJSONError) -> UInt32 {
      guard bytes.count - index >= 4 else { throw fail("invalid \\u escape") }
      var value: UInt32 = 0
      for _ in 0..<4 {
        let b = bytes[index]
        let digit: UInt8
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
        default: throw fail("invalid \\u escape")
        }
        value = value << 4 | UInt32(digit)
        index += 1
      }
      return value
    }

    /// Parses a string. The caller has checked the header is valid UTF-8, so raw bytes are
    /// copied as they are; escapes are decoded, lone surrogates rejected.
    mutating func parseString() throws(SafeTensorsJSONError) -> String {
      index += 1  // opening quote
      var out: [UInt8] = []
      while true {
        guard let b = current else { throw fail("unterminated string") }
        switch b {
        case UInt8(ascii: "\""):
          index += 1
          return String(decoding: out, as: UTF8.self)
        case UInt8(ascii: "\\"):
          index += 1
          guard let e = current else { throw fail("unterminated string") }
          index += 1
          switch e {
          case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(e)
          case UInt8(ascii: "b"): out.append(0x08)
          case UInt8(ascii: "f"): out.append(0x0C)
          case UInt8(ascii: "n"): out.append(0x0A)
          case UInt8(ascii: "r"): out.append(0x0D)
          case UInt8(ascii: "t"): out.append(0x09)
          case UInt8(ascii: "u"):
            var code = try parseHex4()
            if (0xD800...0xDBFF).contains(code) {
              guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u")
              else { throw fail("lone surrogate in \\u escape") }
              index += 2
              let low = try parseHex4()
              guard (0xDC00...0xDFFF).contains(low) else { throw fail("lone surrogate in \\u escape") }
              code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(code) {
              throw fail("lone surrogate in \\u escape")
            }
            // Valid by construction: not a surrogate, at most 0x10FFFF.
            out.append(contentsOf: Array(String(Unicode.Scalar(code)!).utf8))
          default:
            throw fail("invalid escape in a string")
          }
        case 0x00..<0x20:
          throw fail("control character inside a string")
        default:
          out.append(b)
          index += 1
        }
      }
    }
  }
}

// MARK: - Writing

extension SafeTensorsJSON {
  /// Appends `text` as a JSON string literal: quotes, backslashes and control characters
  /// escaped, everything else as raw UTF-8 (what serde_json and Python's json accept).
  static func appendString(_ text: String, to out: inout [UInt8]) {
    let hex = Array("0123456789abcdef".utf8)
    out.append(UInt8(ascii: "\""))
    for b in text.utf8 {
      switch b {
      case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
      case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
      case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
      case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
      case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
      case 0x00..<0x20:
        out += Array("\\u00".utf8)
        out += [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
      default: out.append(b)
      }
    }
    out.append(UInt8(ascii: "\""))
  }
}
