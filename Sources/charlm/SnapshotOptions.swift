import ArgumentParser
import CharLM

/// `train --save-every N --keep K`: step-numbered snapshots beside the model (``SnapshotPolicy``).
struct SnapshotOptions: ParsableArguments {
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "Every N steps, also write the current weights and full resume state to <model stem>.step-NNNNNN.safetensors (e.g. m.step-000400.safetensors beside m.safetensors) (default: no snapshots).",
      valueName: "N"))
  var saveEvery: Int?
  @Option(
    parsing: .unconditional,
    help: ArgumentHelp(
      "With --save-every, keep only the K snapshots of the highest steps, deleting older ones charlm wrote (never the model file) (default: keep all).",
      valueName: "K"))
  var keep: Int?

  func validate() throws {
    try check("--save-every", saveEvery, 1...1_000_000_000)
    try check("--keep", keep, 1...1_000_000_000)
    if keep != nil && saveEvery == nil { throw ValidationError("--keep prunes snapshots; give --save-every N too") }
  }

  /// The policy these flags describe, or nil without --save-every.
  var policy: SnapshotPolicy? { saveEvery.map { SnapshotPolicy(every: $0, keep: keep) } }
}
