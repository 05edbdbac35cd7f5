import Kernels
import Modeling

/// Runs a model one symbol at a time for B independent streams in one pass, with all state
/// preallocated: the sampling loop allocates nothing. The math is the layers' own one-step
/// forward (``LanguageModel/step(ids:state:workspace:)``).
///
/// With B = 1 the products are matrix–vector (GEMV); with B > 1 they are one matrix product per
/// layer for all streams. Computes exactly what ``LanguageModel/forward(steps:state:workspace:)``
/// computes for T = 1 (tests compare the two, stream by stream).
public final class BatchGenerator {
  /// The model being run.
  public let model: LanguageModel
  /// B: independent streams.
  public let batch: Int
  /// The carried state, (L, B, H).
  public let state: RecurrentState
  /// The step's buffers.
  let workspace: StepWorkspace

  /// A generator of `batch` streams with a zero state.
  public init(model: LanguageModel, batch: Int) {
    precondition(batch >= 1)
    self.model = model
    self.batch = batch
    state = RecurrentState(config: model.config, batch: batch)
    workspace = model.makeStepWorkspace(batch: batch)
  }

  /// Logits for each stream's next symbol after the last ``feed(_:)``, (B, V).
  public var logits: FloatBuffer { workspace.logits }

  /// Stream b's logits, (V).
  public func logits(ofStream b: Int) -> UnsafeMutablePointer<Float> {
    workspace.logits.pointer + b * model.config.vocabSize
  }

  /// Feeds one symbol per stream (`ids`: B ids): advances every stream's state and leaves the
  /// next symbols' logits in ``logits``.
  public func feed(_ ids: [Int]) { model.step(ids: ids, state: state, workspace: workspace) }

  /// Returns every stream's state to zero.
  public func reset() { state.reset() }
}
