import Kernels
import Modeling

/// Runs a model one symbol at a time for one stream: a ``BatchGenerator`` of one stream, on
/// its matrix–vector path.
public final class Generator {
  let stream: BatchGenerator
  private var id = [0]

  /// A generator with a zero state.
  public init(model: LanguageModel) { stream = BatchGenerator(model: model, batch: 1) }

  /// The model being run.
  public var model: LanguageModel { stream.model }
  /// The carried state, (L, 1, H).
  public var state: RecurrentState { stream.state }
  /// Logits for the next symbol after the last ``feed(_:)``, (V).
  public var logits: FloatBuffer { stream.logits }

  /// Feeds one symbol: advances the state and leaves the next symbol's logits in ``logits``.
  public func feed(_ symbol: Int) {
    id[0] = symbol
    stream.feed(id)
  }

  /// Returns the state to zero.
  public func reset() { stream.reset() }
}
