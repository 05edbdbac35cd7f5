import ArgumentParser

/// The `charlm` root command: train, sample and score character-level language models.
@main
struct CharLMCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "charlm",
    abstract: "Train, sample and score character-level language models."
  )
}
