import CharLM
import Foundation
import Modeling
import Training

/// The parts of `charlm info` about where the weights come from: the file's size split, which
/// weights they are (best or current, and their step), the training text, the reproducing
/// command, time and symbols seen (``RunProvenance``; files older than it show what the
/// training record alone tells).
extension InfoCommand {
  /// The file's bytes: the model tensors (float32), the resume state (`train.*` tensors) and
  /// the header (what is left).
  static func sizes(_ loaded: LoadedModel, path: String) -> (file: Int, weights: Int, resume: Int) {
    let weights = loaded.model.layout.totalCount * MemoryLayout<Float>.size
    let resume = loaded.file.trainingTensors.values.reduce(0) { $0 + $1.values.count * MemoryLayout<Float>.size }
    return (fileSize(path) ?? 0, weights, resume)
  }

  /// What the model tensors are: (best or current, step, validation loss in nats); from the
  /// provenance, else from the training record (the step of a best is then unknown).
  static func weights(_ loaded: LoadedModel) -> (kind: RunProvenance.Weights, step: Int?, loss: Double?)? {
    let metadata = loaded.file.extraMetadata
    if let run = RunProvenance(metadata: metadata) { return (run.weights, run.weightsStep, run.weightsValidationLoss) }
    guard let record = TrainingRecord(metadata: metadata) else { return nil }
    if loaded.file.trainingTensors[Trainer.bestParametersTensor] != nil {
      return (.current, record.step, record.lastValidationLoss)
    }
    return record.bestValidationLoss == nil ? (.current, record.step, nil) : (.best, nil, record.bestValidationLoss)
  }

  /// The provenance lines of the text report, as (label, value).
  static func provenanceLines(_ loaded: LoadedModel, path: String) -> [(String, String)] {
    var lines: [(String, String)] = []
    let size = sizes(loaded, path: path)
    lines.append(
      (
        "file",
        "\(grouped(size.file)) bytes: weights \(grouped(size.weights)), resume state \(grouped(size.resume))"
          + ", header \(grouped(max(size.file - size.weights - size.resume, 0)))"
      ))
    let metadata = loaded.file.extraMetadata
    let record = TrainingRecord(metadata: metadata)
    if let (kind, step, loss) = weights(loaded) {
      var text = kind == .best ? "the best validation of the run" : "the current ones"
      text += step.map { ", from step \($0)" } ?? " (step not recorded)"
      if let loss { text += "; validation \(fmt(loss / log(2), 3)) bits/char" } else { text += "; not validated there" }
      if kind == .current, let loss, let best = record?.bestValidationLoss, loss < best {
        text += " (better than the grid's best, \(fmt(best / log(2), 3)), which a resume continues from)"
      }
      lines.append(("weights", text))
    }
    guard let run = RunProvenance(metadata: metadata) else { return lines }
    let fingerprint = run.text.map { ", \(grouped($0.bytes)) bytes, sha256 \($0.sha256)" } ?? ""
    lines.append(("text", run.textPath + fingerprint))
    lines.append(
      (
        "trained",
        "\(duration(run.trainingSeconds)), \(grouped(run.symbolsSeen)) symbols seen, by charlm \(run.version)"
      ))
    lines.append(("command", TrainCommandLine.shellLine(run.command)))
    return lines
  }

  /// The provenance part of the JSON report.
  static func provenanceObject(_ loaded: LoadedModel, path: String) -> [String: Any] {
    let size = sizes(loaded, path: path)
    var object: [String: Any] = [
      "file": ["bytes": size.file, "weights_bytes": size.weights, "resume_state_bytes": size.resume]
    ]
    if let (kind, step, loss) = weights(loaded) {
      object["weights"] =
        ["kind": kind.rawValue, "step": step ?? NSNull(), "val_loss": loss ?? NSNull()] as [String: Any]
    } else {
      object["weights"] = NSNull()
    }
    let run = RunProvenance(metadata: loaded.file.extraMetadata)
    object["run"] = run.flatMap { try? JSONSerialization.jsonObject(with: Data($0.json.utf8)) } ?? NSNull()
    object["command"] = run.map { TrainCommandLine.shellLine($0.command) } ?? NSNull()
    return object
  }

  /// Seconds as `42.1 s`, `12 min 5 s` or `3 h 20 min`.
  static func duration(_ seconds: Double) -> String {
    if seconds < 60 { return "\(fmt(seconds, 1)) s" }
    let whole = Int(seconds.rounded())
    if whole < 3600 { return "\(whole / 60) min \(whole % 60) s" }
    return "\(whole / 3600) h \(whole % 3600 / 60) min"
  }
}
