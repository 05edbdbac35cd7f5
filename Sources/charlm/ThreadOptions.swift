import ArgumentParser
import Foundation
import Kernels

/// `--threads`, the one declaration every command that runs the math shares.
struct ThreadOptions: ParsableArguments {
  @Option(parsing: .unconditional, help: "Threads for the math (default: all cores).")
  var threads: Int?

  func validate() throws { try check("--threads", threads, 1...1024) }

  /// Sets ``Parallelism`` (and BLAS) up for the given count, else for every core of the machine.
  func apply() { Parallelism.configure(threads: threads ?? ProcessInfo.processInfo.activeProcessorCount) }
}
