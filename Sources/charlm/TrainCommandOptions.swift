import ArgumentParser

/// The model file a run writes and where its weights may come from.
struct ModelFileOptions: ParsableArguments {
  @Option(name: [.short, .long], help: "Model file to write (safetensors); with --resume, the file to continue.")
  var model: String

  @Option(
    help: ArgumentHelp(
      "Start from the weights and vocabulary of this model, to train on new text: a fresh optimizer, step count and metrics log.",
      valueName: "model"),
    completion: .file())
  var initFrom: String?
}

/// Whether the run continues --model, replaces it, or (neither) starts a file that is not there yet.
struct RunStartOptions: ParsableArguments {
  @Flag(help: "Continue the run saved in --model up to --steps, with its own settings.")
  var resume = false

  @Flag(help: "Start a new run even though --model already holds a model (it is replaced at the first save).")
  var overwrite = false
}

/// What `train` prints.
struct TrainOutputOptions: ParsableArguments {
  @Flag(help: "Print one JSON summary object as the last line of standard output.")
  var json = false

  @Flag(name: [.short, .long], help: "No progress lines on standard error.")
  var quiet = false
}
