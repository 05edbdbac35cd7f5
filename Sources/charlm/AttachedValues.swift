/// `--name=` with nothing after the `=` is an empty value: ArgumentParser would instead take the
/// next argument as the value (`sample --prime= --length 10` primed with "--length"). Splitting it
/// into `--name` and `""` gives the option its empty value before parsing.
enum AttachedValues {
  /// `arguments` with each `--name=` (empty attached value) split into `--name`, `""`; a lone
  /// `--` ends the options, and what follows is left as is.
  static func splitEmpty(_ arguments: [String]) -> [String] {
    var out: [String] = []
    var optionsEnded = false
    for argument in arguments {
      if argument == "--" { optionsEnded = true }
      if !optionsEnded, argument.hasPrefix("--"), argument.count > 3, argument.hasSuffix("="),
        argument.dropFirst(2).dropLast().allSatisfy({ $0 != "=" })
      {
        out += [String(argument.dropLast()), ""]
      } else {
        out.append(argument)
      }
    }
    return out
  }
}
