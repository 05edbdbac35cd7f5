import Training

/// A failure the user can act on: printed by ArgumentParser as one line `Error: <message>`
/// on standard error, with a non-zero exit status. Control characters in the message (from a
/// file name, a tensor name, a symbol) are escaped, so one error is always one line.
struct CLIFailure: Error, CustomStringConvertible {
  /// What happened and what to do next.
  let description: String
  init(_ message: String) { description = ControlCharacters.escaped(message) }
}

/// Runs `body`, turning any library error into a ``CLIFailure`` with its one-line message
/// (``TrainingError``s worded with flags, see ``TrainingError/advice``).
func userFacing<T>(_ body: () throws -> T) throws -> T {
  do {
    return try body()
  } catch let error as CLIFailure {
    throw error
  } catch let error as TrainingError {
    throw CLIFailure(error.advice)
  } catch {
    throw CLIFailure(String(describing: error))
  }
}
