import ArgumentParser

/// `-m/--model`, the model a command reads (sample, perplexity).
struct ModelPathOption: ParsableArguments {
  @Option(name: [.short, .long], help: "Model file written by charlm train.", completion: .file())
  var model: String
}
