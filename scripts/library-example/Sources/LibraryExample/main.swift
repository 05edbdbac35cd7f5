// README.md, "As a Swift library": keep the two in step (scripts/test.sh builds and runs this).
import CharLM
import Foundation

Parallelism.configure(threads: 2)
let text = try Data(contentsOf: URL(fileURLWithPath: CommandLine.arguments[1]))
var options = TrainingOptions()
options.steps = 10
let run = try TextTrainer(text: [UInt8](text), shape: ModelShape(hiddenSize: 64), options: options)
let summary = try run.run(saveTo: CommandLine.arguments[2]) { event in
  if case .validation(let step, let loss, _) = event { print("step \(step): validation \(loss) nats") }
}
print("trained \(summary.steps) steps")
let model = try LoadedModel(path: CommandLine.arguments[2])
for await symbol in try model.text(after: "The ", length: 100, options: SamplingOptions(temperature: 0.8)) {
  print(symbol, terminator: "")
}
print("\nbits/char: \(try model.score("The cat sat on the mat.").bitsPerSymbol)")
