import ArgumentParser
import Kernels

/// The `charlm` root command: train, sample and score character-level language models.
@main
struct CharLMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "charlm",
    abstract: "Train, sample and score character-level language models.",
    discussion: """
      A character-level LSTM language model toolkit. Text is split into Unicode grapheme \
      clusters (ICU), so no character is ever broken apart. Model files are safetensors and \
      load into PyTorch as they are.
      """,
    version: version,
    subcommands: [
      TrainCommand.self, SampleCommand.self, PerplexityCommand.self, InfoCommand.self, ExportCommand.self,
      EncodeCommand.self,
      PlotCommand.self,
      BenchCommand.self,
    ]
  )

  /// charlm's version (`--version`, and every model file's `charlm.run`).
  static let version = "0.1.0"

  /// Entry point: a closed standard descriptor stays closed to writes and a closed pipe is an
  /// EPIPE, not a kill (see ``StandardStreams``); make sure OpenBLAS runs its best kernels for
  /// this CPU; refuse a CHARLM_BACKEND or CHARLM_ISA this machine cannot honour (one line); then
  /// parse (an empty `--name=` is an empty value, see ``AttachedValues``) and run.
  static func main() {
    StandardStreams.reserveClosedDescriptors()
    StandardStreams.ignoreBrokenPipes()
    BLASCoreSelection.reexecIfMisdetected()
    for case .failure(let error) in [
      ComputeBackend.fromEnvironment().map { _ in () }, KernelISA.fromEnvironment().map { _ in () },
    ] {
      exit(withError: CLIFailure(error.message))
    }
    main(AttachedValues.splitEmpty(Array(CommandLine.arguments.dropFirst())))
  }
}
