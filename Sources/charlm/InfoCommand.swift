import ArgumentParser
import CharLM
import Foundation
import Kernels
import Modeling
import Tokenization
import Training

/// `charlm info`: what a model file holds, without running it.
struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "info",
    abstract: "Describe a model file: shape, parameters, vocabulary, tokenizer and training state.",
    discussion: """
      Symbols are shown escaped: a newline as \\n, a tab as \\t, a space as ␠, other control \
      and invisible characters as \\u{XX}, a backslash as \\\\. The most frequent symbols come from the symbol \
      counts charlm train stores in the file (charlm.symbol_counts); files written before that \
      was added have none.
      """)

  @OptionGroup var modelArgument: ModelArgument

  @Flag(help: "Print one JSON object on standard output instead of text.")
  var json = false

  /// Symbols shown in the vocabulary preview.
  static let previewCount = 40
  /// Symbols shown in the frequency list.
  static let frequentCount = 10

  func run() throws {
    let model = modelArgument.path
    let loaded = try userFacing { try LoadedModel(path: model) }
    if json {
      printJSON(Self.infoObject(loaded, path: model))
    } else {
      StandardStreams.writeOutput(Self.infoText(loaded, path: model))
    }
  }

  /// The most frequent symbols as (id, count), most frequent first (ties by id).
  static func frequent(_ counts: [Int]) -> [(id: Int, count: Int)] {
    counts.enumerated().map { (id: $0.offset, count: $0.element) }
      .sorted { $0.count != $1.count ? $0.count > $1.count : $0.id < $1.id }
      .prefix(frequentCount).filter { $0.count > 0 }
  }

  /// The text report.
  static func infoText(_ loaded: LoadedModel, path: String) -> String {
    let config = loaded.file.config
    let tokenizer = loaded.tokenizer
    let symbols = tokenizer.vocabulary.symbols
    var lines: [(String, String)] = []
    lines.append(("model", path))
    lines.append(("cell", config.cell.rawValue))
    lines.append(("sizes", "V=\(config.vocabSize) E=\(config.embeddingSize) H=\(config.hiddenSize) L=\(config.layers)"))
    let parameters = loaded.model.layout.totalCount
    lines.append(("parameters", "\(grouped(parameters)) (\(grouped(parameters * 4 / 1024)) KiB as float32)"))
    lines.append(
      (
        "tokenizer",
        "unit \(tokenizer.unit.rawValue), normalization \(tokenizer.normalization.rawValue), "
          + "unknown id \(tokenizer.unknownID.map(String.init) ?? "none")"
      ))
    let preview = symbols.prefix(previewCount).map(displaySymbol).joined(separator: " ")
    lines.append(("vocabulary", "\(symbols.count) symbols: \(preview)\(symbols.count > previewCount ? " …" : "")"))
    if let counts = SymbolCounts.parse(loaded.file.extraMetadata, vocabularySize: symbols.count) {
      let total = max(counts.reduce(0, +), 1)
      let top = frequent(counts).map {
        "\(displaySymbol(symbols[$0.id])) \(fmt(100 * Double($0.count) / Double(total), 1))%"
      }
      lines.append(("most frequent", top.joined(separator: "  ") + "  (of \(grouped(total)) symbols)"))
    } else {
      lines.append(("most frequent", "not recorded in this file (charlm.symbol_counts)"))
    }
    let provenance = provenanceLines(loaded, path: path)
    lines.append(contentsOf: provenance.filter { $0.0 != "command" })
    if let record = TrainingRecord(metadata: loaded.file.extraMetadata) {
      let options = record.options
      var training = "step \(record.step) of \(options.steps)"
      if let best = record.bestValidationLoss {
        training += "; best validation \(fmt(best / log(2), 3)) bits/char (\(fmt(best, 4)) nats)"
        if let step = RunProvenance(metadata: loaded.file.extraMetadata)?.bestStep { training += " at step \(step)" }
      }
      if record.lossGuardHalvingsSoFar > 0 {
        training += "; learning rate now \(shortest(record.currentLearningRate)) (lowered by the loss guard)"
      }
      lines.append(("training", training))
      if let command = provenance.first(where: { $0.0 == "command" }) {
        lines.append(command)
      } else {
        lines.append(
          ("options", TrainCommandLine.optionFlags(options, valFile: nil, snapshots: nil).joined(separator: " ")))
      }
    } else {
      let exported = provenance.contains { $0.0 == "command" }
      lines.append(
        (
          "training",
          exported
            ? "no resume state (an exported model: train --resume refuses it, --init-from starts a new run from it)"
            : "no training state in this file (it cannot be resumed)"
        ))
      lines.append(contentsOf: provenance.filter { $0.0 == "command" })
    }
    lines.append(("compute", "on this machine: \(computeDescription())"))
    let width = lines.map(\.0.count).max() ?? 0
    return lines.map { $0.0.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.1 + "\n" }.joined()
  }

  /// The JSON report.
  static func infoObject(_ loaded: LoadedModel, path: String) -> [String: Any] {
    let config = loaded.file.config
    let tokenizer = loaded.tokenizer
    let symbols = tokenizer.vocabulary.symbols
    var object: [String: Any] = provenanceObject(loaded, path: path)
    object.merge([
      "model": path,
      "config": [
        "cell": config.cell.rawValue, "vocab_size": config.vocabSize, "embedding_size": config.embeddingSize,
        "hidden_size": config.hiddenSize, "layers": config.layers,
      ],
      "parameters": loaded.model.layout.totalCount,
      "tokenizer": [
        "unit": tokenizer.unit.rawValue, "normalization": tokenizer.normalization.rawValue,
        "unknown_id": tokenizer.unknownID ?? NSNull(),
      ] as [String: Any],
      "vocabulary": symbols,
      "compute": [
        "backend": ComputeBackend.current.rawValue, "backend_isa": ComputeBackend.current.kernelISA,
        "kernel_isa": KernelISA.current.rawValue,
      ],
    ]) { $1 }
    if let counts = SymbolCounts.parse(loaded.file.extraMetadata, vocabularySize: symbols.count) {
      object["symbol_counts"] = counts
      object["most_frequent"] = frequent(counts).map { ["symbol": symbols[$0.id], "id": $0.id, "count": $0.count] }
    } else {
      object["symbol_counts"] = NSNull()
    }
    if let record = TrainingRecord(metadata: loaded.file.extraMetadata) {
      // The options as the record stores them (its own JSON keys).
      let options = try? JSONSerialization.jsonObject(with: JSONEncoder().encode(record.options))
      let training: [String: Any] = [
        "step": record.step, "best_val_loss": record.bestValidationLoss ?? NSNull(),
        "last_val_loss": record.lastValidationLoss ?? NSNull(),
        "current_learning_rate": shortest(record.currentLearningRate), "options": options ?? NSNull(),
        "best_val_bits_per_char": record.bestValidationLoss.map { $0 / log(2) } ?? NSNull(),
      ]
      object["training"] = training
    } else {
      object["training"] = NSNull()
    }
    return object
  }
}

/// A symbol made visible: `\n`, `\t`, `\r`, `␠` for a space, `\u{XX}` for other control
/// characters and invisible ones (U+3000 ideographic space, U+200D …), `\\` for a backslash;
/// anything else as it is.
func displaySymbol(_ symbol: String) -> String {
  var out = ""
  for scalar in symbol.unicodeScalars {
    switch scalar {
    case "\n": out += "\\n"
    case "\t": out += "\\t"
    case "\r": out += "\\r"
    case " ": out += "␠"
    case "\\": out += "\\\\"
    default:
      // Controls, and invisible symbols: other spaces (U+3000, U+00A0 …), line and paragraph
      // separators, format characters (U+200B, U+200D …).
      if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.isWhitespace
        || [.spaceSeparator, .lineSeparator, .paragraphSeparator, .format].contains(scalar.properties.generalCategory)
      {
        out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
      } else {
        out.unicodeScalars.append(scalar)
      }
    }
  }
  return out
}

/// `n` with thousands separated by commas: 1234567 → "1,234,567".
func grouped(_ n: Int) -> String {
  let digits = String(n.magnitude)
  var out = ""
  for (i, c) in digits.enumerated() {
    if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
    out.append(c)
  }
  return (n < 0 ? "-" : "") + out
}

extension Double {
  /// The shortest decimal form, without a trailing ".0" (5, 0.002, 0.1).
  var shortText: String {
    let text = "\(self)"
    return text.hasSuffix(".0") ? String(text.dropLast(2)) : text
  }
}
