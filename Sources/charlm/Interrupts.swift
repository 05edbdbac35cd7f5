#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C, SIGTERM and SIGHUP (the terminal closed, an ssh session dropped) during training: the first asks the run to stop after the current step
/// (the model file is then written atomically); the second exits at once. The previous model
/// file is never damaged, because every write goes to a temporary file that is renamed.
enum Interrupts {
  nonisolated(unsafe) private static var count: sig_atomic_t = 0

  /// The signals that ask a run to stop and save.
  static let signals = [SIGINT, SIGTERM, SIGHUP]

  /// Installs the handlers for ``signals``.
  static func install() {
    let handler: @convention(c) (Int32) -> Void = { _ in
      Interrupts.count += 1
      if Interrupts.count >= 2 {
        let message = "\ncharlm: interrupted again; exiting now (the last saved model file is intact)\n"
        _ = message.withCString { write(2, $0, strlen($0)) }
        _exit(130)
      }
      let message = "\ncharlm: interrupted; finishing this step and saving (press Ctrl-C again to quit at once)\n"
      _ = message.withCString { write(2, $0, strlen($0)) }
    }
    for number in signals { signal(number, handler) }
    // A blocked signal never reaches its handler, and the mask is inherited across exec: a
    // parent that launches charlm from a thread with SIGINT blocked (Swift Testing's runner via
    // Foundation.Process does) would make Ctrl-C and SIGTERM do nothing at all.
    var unblock = sigset_t()
    sigemptyset(&unblock)
    for number in signals { sigaddset(&unblock, number) }
    pthread_sigmask(SIG_UNBLOCK, &unblock, nil)
  }

  /// True once an interrupt arrived.
  static var requested: Bool { count > 0 }
}
