import ArgumentParser
import CharLM
import Foundation
import Modeling
import Training

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `charlm export`: a model file without its resume state, for sharing and inference.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a model without its resume state, for sharing and inference.",
    discussion: """
      The exported file keeps the model's weights (those charlm info names), its configuration, \
      tokenizer, vocabulary, symbol counts and provenance (charlm.run), and drops the resume \
      state: the train.* tensors (current parameters, Adam moments, carried state) and the \
      training record (charlm.train, with the random state). About a quarter of the size for \
      one layer; sample, perplexity, info and charlm_torch read it; train --resume refuses it, \
      train --init-from starts a new run from its weights.
      """)

  @OptionGroup var model: ModelArgument

  @Option(help: "The model file to write (safetensors).", completion: .file())
  var output: String

  @Flag(help: "Replace --output when it already holds a charlm model.")
  var overwrite = false

  func run() throws {
    let loaded = try userFacing { try LoadedModel(path: model.path) }
    var (source, target) = (stat(), stat())
    if stat(model.path, &source) == 0 && stat(output, &target) == 0 && source.st_dev == target.st_dev
      && source.st_ino == target.st_ino
    {
      throw CLIFailure(
        "--output \(output) is \(model.path) itself; give another path (export never replaces its input)")
    }
    try ModelPathPolicy.checkWritable(output, flag: "--output")
    try ModelPathPolicy.checkExisting(output, intent: .overwrite, flag: "--output")
    if !overwrite, let size = fileSize(output), size > 0 {
      throw CLIFailure("--output \(output) already holds a model; add --overwrite to replace it, or give another path")
    }
    let exported = Self.exported(loaded.file)
    try userFacing { try exported.write(to: output) }
    eprint(
      "charlm: wrote \(output) (\(grouped(fileSize(output) ?? 0)) bytes, from \(grouped(fileSize(model.path) ?? 0))): "
        + "the model without its resume state")
  }

  /// `file` without the resume state: no `train.*` tensors, no training record.
  static func exported(_ file: ModelFile) -> ModelFile {
    var exported = file
    exported.trainingTensors = [:]
    exported.extraMetadata[MetadataKey.trainingRecord] = nil
    return exported
  }
}

/// The size of the file at `path` in bytes, or nil when it cannot be read.
func fileSize(_ path: String) -> Int? {
  var info = stat()
  return stat(path, &info) == 0 ? Int(info.st_size) : nil
}
