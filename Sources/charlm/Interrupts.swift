import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Ctrl-C, SIGTERM and SIGHUP (the terminal closed, an ssh session dropped) during training:
/// the first asks the run to stop after the current step (the model file is then written
/// atomically); the second exits at once. The previous model file is never damaged, because every
/// write goes to a temporary file that is renamed.
///
/// The signals are blocked in every thread charlm starts (and taken by one listener thread with
/// `sigwait`, or by an idle thread that existed before), so that no signal ever lands in a
/// thread in the middle of a step: a handler that ran
/// there, during the oneDNN products of two threads, was followed by heap corruption ("corrupted
/// size vs. prev_size", abort, no model saved) in about one Ctrl-C in five (2026-12-02); with the
/// listener, none in 40.
enum Interrupts {
  nonisolated(unsafe) private static var count: sig_atomic_t = 0
  nonisolated(unsafe) private static var armed: sig_atomic_t = 0

  /// The signals that ask a run to stop and save.
  static let signals = [SIGINT, SIGTERM, SIGHUP]

  /// Blocks ``signals`` in the calling thread — and so in every thread started after it, which
  /// inherit the mask — and starts the listener. Call it first, before anything starts a thread.
  /// Until ``arm()``, a signal ends the process at once (status 130): there is no step to finish.
  static func prepare() {
    // Threads started before this (OpenBLAS's, at load time) still take signals: they run the
    // handler, which does what the listener does and is async-signal-safe (a counter, write(2),
    // _exit). A handled signal is also never dropped, as an ignored one (SIG_IGN, which a shell
    // gives a job started with &) would be before sigwait could see it.
    let handler: @convention(c) (Int32) -> Void = { _ in Interrupts.received() }
    for number in signals { signal(number, handler) }
    var set = signalSet()
    pthread_sigmask(SIG_BLOCK, &set, nil)
    let listener = Thread {
      var waited = signalSet()
      while true {
        var number: Int32 = 0
        if sigwait(&waited, &number) == 0 { received() }
      }
    }
    listener.name = "charlm signals"
    listener.start()
  }

  /// One signal: before ``arm()`` or the second time, exit at once (status 130); else ask the
  /// run to stop after its step. Async-signal-safe.
  private static func received() {
    count += 1
    if count >= 2 || armed == 0 {
      say(
        armed == 0
          ? "\ncharlm: interrupted before training started; nothing was written\n"
          : "\ncharlm: interrupted again; exiting now (the last saved model file is intact)\n")
      _exit(130)
    }
    say("\ncharlm: interrupted; finishing this step and saving (press Ctrl-C again to quit at once)\n")
  }

  /// From now on the first signal asks the run to stop after its current step.
  static func arm() { armed = 1 }

  /// True once an interrupt arrived.
  static var requested: Bool { count > 0 }

  /// Signals received so far; each printed a line of its own, starting and ending with a newline.
  static var signalsReceived: Int { Int(count) }

  /// ``signals`` as a set.
  private static func signalSet() -> sigset_t {
    var set = sigset_t()
    sigemptyset(&set)
    for number in signals { sigaddset(&set, number) }
    return set
  }

  /// Writes `message` to standard error with one write(2), whatever state the streams are in.
  private static func say(_ message: String) {
    _ = message.withCString { write(2, $0, strlen($0)) }
  }
}
