import Foundation

// The tokenizer's part of the model file (DESIGN.md "Model file"): two JSON texts stored under
// the safetensors metadata keys `charlm.tokenizer` and `charlm.vocab`.

extension Tokenizer {
  /// The settings JSON for `charlm.tokenizer`, keys in this order:
  /// `{"unit":"grapheme","normalization":"nfc","unknown_id":null}` (`unknown_id` an integer or
  /// null).
  public func settingsJSON() -> String {
    let unknown = unknownID.map(String.init) ?? "null"
    return
      #"{"unit":"\#(unit.rawValue)","normalization":"\#(normalization.rawValue)","unknown_id":\#(unknown)}"#
  }

  /// The vocabulary JSON for `charlm.vocab`: an array of the V symbol strings in id order, e.g.
  /// `["\n"," ","!",…,"�"]` (the unknown symbol, if any, written as its display string U+FFFD).
  public func vocabularyJSON() -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.withoutEscapingSlashes]
    // Encoding an array of strings cannot fail.
    let data = try! encoder.encode(vocabulary.symbols)
    return String(decoding: data, as: UTF8.self)
  }

  /// Reads a tokenizer back from the two JSON texts of a model file, validating both: known
  /// `unit` and `normalization`, `unknown_id` null or an id of the vocabulary, symbols non-empty
  /// and distinct by UTF-8 bytes.
  /// - Throws: `.invalidSettings` or `.invalidVocabulary` naming what is wrong.
  public init(settingsJSON: String, vocabularyJSON: String) throws(TokenizationError) {
    let settings: SettingsRecord
    do {
      settings = try JSONDecoder().decode(SettingsRecord.self, from: Data(settingsJSON.utf8))
    } catch let error as SettingsProblem {
      throw .invalidSettings(error.message)
    } catch {
      throw .invalidSettings("it is not a JSON object with unit, normalization and unknown_id")
    }
    let symbols: [String]
    do {
      symbols = try JSONDecoder().decode([String].self, from: Data(vocabularyJSON.utf8))
    } catch {
      throw .invalidVocabulary("it is not a JSON array of strings")
    }
    let vocabulary = try Vocabulary(symbols: symbols, unknownID: settings.unknownID)
    self.init(vocabulary: vocabulary, unit: settings.unit, normalization: settings.normalization)
  }
}

/// A readable reason why the settings JSON is invalid.
private struct SettingsProblem: Error {
  let message: String
}

/// The decoded `charlm.tokenizer` object.
private struct SettingsRecord: Decodable {
  let unit: SymbolUnit
  let normalization: Normalization
  let unknownID: Int?

  private enum Key: String, CodingKey {
    case unit, normalization
    case unknownID = "unknown_id"
  }

  init(from decoder: any Decoder) throws {
    let container = try decoder.container(keyedBy: Key.self)
    func text(_ key: Key) throws -> String {
      guard let value = try? container.decode(String.self, forKey: key) else {
        throw SettingsProblem(message: "\"\(key.rawValue)\" is missing or not a string")
      }
      return value
    }
    let unitText = try text(.unit)
    guard let unit = SymbolUnit(rawValue: unitText) else {
      throw SettingsProblem(message: "unit \"\(unitText)\" is not \"grapheme\" or \"scalar\"")
    }
    let normalizationText = try text(.normalization)
    guard let normalization = Normalization(rawValue: normalizationText) else {
      throw SettingsProblem(
        message: "normalization \"\(normalizationText)\" is not \"nfc\" or \"none\"")
    }
    guard container.contains(.unknownID) else {
      throw SettingsProblem(message: "\"unknown_id\" is missing (it is null when there is none)")
    }
    if try container.decodeNil(forKey: .unknownID) {
      unknownID = nil
    } else if let id = try? container.decode(Int.self, forKey: .unknownID) {
      unknownID = id
    } else {
      throw SettingsProblem(message: "\"unknown_id\" is neither an integer nor null")
    }
    self.unit = unit
    self.normalization = normalization
  }
}
