import Modeling
import Sampling
import Training

extension TextTrainer {
  /// `length` symbols drawn from the current weights (temperature 1, the unknown symbol
  /// excluded) after a newline — or the first training symbol when the vocabulary has none —
  /// through ``Generation``: the sample shown at a validation, as min-char-rnn and nanoGPT show.
  ///
  /// Its random numbers come from its own generator, seeded from the run's seed and the step, so
  /// a run shows the same samples every time; the trainer's generator, workspace and carried
  /// state are untouched, so a run with samples trains the same bits as one without.
  public func validationSample(length: Int) -> String {
    let tokenizer = corpus.tokenizer
    let prime = tokenizer.vocabulary.id(of: "\n") ?? Int(train[0])
    let generation = Generation(
      prime: [prime], length: length,
      seed: trainer.options.seed ^ (UInt64(trainer.step) &* 0x9E37_79B9_7F4A_7C15),
      excluded: tokenizer.unknownID)
    var text = ""
    generation.run(model: trainer.model) { _, id in
      text += tokenizer.symbol(for: id)
      return .proceed
    }
    return text
  }
}
