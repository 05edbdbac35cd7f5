import Foundation
import Testing

/// After `kill -9` the metrics log holds steps the model file never saved; `--resume` cuts it
/// back to the model's step first, so the log does not repeat them (on b402d5a it kept the lost
/// steps and then logged them again).
@Suite struct ResumeLogTests {
  @Test func resumeCutsTheLogBackToTheSavedStep() throws {
    let dir = try ScratchDirectory("resume-log")
    let corpus = try dir.write("corpus.txt", text: Corpus.text())
    let model = dir.path("m.safetensors")
    let log = model + ".metrics.jsonl"
    try train(corpus, model: model, steps: 20, extra: ["--progress-interval", "0"])
    // What a run killed after step 20 leaves: lines of steps 21…25 and a torn last line.
    let lost = (21...25).map {
      #"{"chars_per_second":100,"event":"step","grad_norm":1,"learning_rate":0.002,"step":\#($0),"time":1,"train_loss":2}"#
    }
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    try handle.seekToEnd()
    try handle.write(contentsOf: Data((lost.joined(separator: "\n") + "\n{\"chars_per").utf8))
    try handle.close()

    try runOK(["train", corpus, "--model", model, "--resume", "--steps", "30", "--progress-interval", "0", "--quiet"])
    let text = try String(contentsOfFile: log, encoding: .utf8)
    let steps = text.split(separator: "\n").map { line -> Int in
      let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      return object?["step"] as? Int ?? -1
    }
    #expect(!steps.contains(-1), "a line is not a record:\n\(text)")
    #expect(steps.filter { $0 == 21 }.count == 1, "step 21 twice: \(steps)")
    #expect(zip(steps, steps.dropFirst()).allSatisfy { $0 <= $1 }, "steps go back: \(steps)")
    #expect(steps.last == 30)
  }
}
