import ArgumentParser

/// The model file a reading command works on, given either way: `charlm info m.safetensors` or
/// `charlm info --model m.safetensors` (as train and sample name it).
struct ModelArgument: ParsableArguments {
  @Argument(
    help: ArgumentHelp("Model file written by charlm train or charlm export.", valueName: "model"), completion: .file())
  var positional: String?
  @Option(
    name: .customLong("model"), help: "The model file, as an option (instead of the argument).", completion: .file())
  var option: String?

  func validate() throws {
    if positional != nil && option != nil {
      throw ValidationError("give the model file once: as the argument or as --model, not both")
    }
    if positional == nil && option == nil { throw ValidationError("give a model file: MODEL or --model MODEL") }
  }

  /// The model file's path (after ``validate()``).
  var path: String { option ?? positional ?? "" }
}
