import Foundation
import Modeling
import Training

extension TextTrainer {
  /// What a run writes besides the model file: its provenance (every save carries it, updated:
  /// which weights, their step, training time, symbols seen) and, optionally, snapshots.
  public struct SaveSettings {
    /// The provenance as the run starts: version, command, text, and (on resume) the saved
    /// file's training time and best step; the rest is filled at each save.
    public var provenance: RunProvenance
    /// `--save-every` / `--keep`, or nil.
    public var snapshots: SnapshotPolicy?

    public init(provenance: RunProvenance, snapshots: SnapshotPolicy? = nil) {
      (self.provenance, self.snapshots) = (provenance, snapshots)
    }
  }

  /// Trains as ``run(saveTo:extraMetadata:onEvent:onSaved:shouldStop:)`` does, with
  /// `settings.provenance` in every file, and a snapshot (``SnapshotPolicy``) after every
  /// `settings.snapshots.every`-th step — after that step's validation and save, so a resume
  /// from it continues exactly as the run did; the last step's after the final validation.
  /// `onSnapshot` gets each snapshot's path and the older ones pruned.
  public func run(
    saveTo path: String, extraMetadata: [String: String] = [:], settings: SaveSettings,
    onEvent: (TrainingEvent) -> Void = { _ in }, onSaved: () -> Void = {},
    onSnapshot: (_ path: String, _ pruned: [String]) -> Void = { _, _ in }, shouldStop: () -> Bool = { false }
  ) throws -> TrainingSummary {
    let start = ContinuousClock.now
    let priorSeconds = settings.provenance.trainingSeconds
    var bestStep = settings.provenance.bestStep
    var validatedAt: Int?
    var snapshotAt: Int?

    func file(snapshot: Bool) -> ModelFile {
      var p = settings.provenance
      let elapsed = ContinuousClock.now - start
      p.trainingSeconds =
        priorSeconds + Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
      p.symbolsSeen = trainer.step * trainer.symbolsPerStep
      p.text = corpus.fingerprint
      p.bestStep = bestStep
      if snapshot || trainer.parametersToSave === trainer.model.parameters {
        p.weights = .current
        p.weightsStep = trainer.step
        p.weightsValidationLoss = validatedAt == trainer.step ? trainer.lastValidationLoss : nil
      } else {
        p.weights = .best
        p.weightsStep = bestStep
        p.weightsValidationLoss = trainer.bestValidationLoss
      }
      return modelFile(extraMetadata: extraMetadata.merging([MetadataKey.run: p.json]) { $1 }, snapshot: snapshot)
    }
    func writeSnapshot() throws {
      guard let policy = settings.snapshots, trainer.step % policy.every == 0, snapshotAt != trainer.step else {
        return
      }
      let snapshotPath = SnapshotPolicy.path(forModel: path, step: trainer.step)
      try file(snapshot: true).write(to: snapshotPath)
      snapshotAt = trainer.step
      onSnapshot(snapshotPath, policy.prune(forModel: path, upTo: trainer.step))
    }

    let summary = try trainer.run(
      shouldStop: shouldStop,
      checkpoint: {
        try file(snapshot: false).write(to: path)
        onSaved()
      },
      afterStep: writeSnapshot,
      onEvent: { event in
        if case .validation(let step, _, let improved) = event {
          validatedAt = step
          // An improvement that is not provisional is on the grid: the new best.
          if improved && trainer.provisionalBestLoss == nil { bestStep = step }
        }
        onEvent(event)
      })
    if summary.stopReason != .interrupted { try writeSnapshot() }
    return summary
  }
}
