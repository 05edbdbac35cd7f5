import Foundation

/// SVG → PNG through `rsvg-convert` (Debian/Ubuntu package `librsvg2-bin`, which
/// scripts/lib/install-deps.sh installs), run as a subprocess: it renders text, clipping and
/// dashes exactly as a browser does, which a rasterizer of our own would not.
enum PNGRendering {
  /// The first 8 bytes of every PNG file.
  static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

  /// The converter's name, looked up on PATH.
  static let converter = "rsvg-convert"

  /// The package that has ``converter``, for the refusal line.
  static let package = "librsvg2-bin"

  /// The converter's path on `$PATH`, or nil.
  static func converterPath() -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    for directory in path.split(separator: ":") where !directory.isEmpty {
      let candidate = "\(directory)/\(converter)"
      if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
  }

  /// The PNG image of `svg`, `zoom` device pixels per SVG unit (2: sharp on a high-density screen).
  /// - Throws: ``CLIFailure`` when the converter is missing, fails, or returns something else.
  static func png(fromSVG svg: String, zoom: Double = 2) throws -> Data {
    guard let executable = converterPath() else {
      throw CLIFailure(
        "cannot write a PNG: \(converter) is not on PATH (Debian/Ubuntu: apt-get install \(package)); or write an .svg")
    }
    // In and out through temporary files: only standard error is a pipe, read to its end
    // before the wait, so the converter never blocks on a full pipe.
    let base = FileManager.default.temporaryDirectory.appendingPathComponent("charlm-plot-\(UUID().uuidString)")
    let (input, output) = (base.appendingPathExtension("svg"), base.appendingPathExtension("png"))
    defer {
      try? FileManager.default.removeItem(at: input)
      try? FileManager.default.removeItem(at: output)
    }
    let process = Process()
    let errors = Pipe()
    do {
      try Data(svg.utf8).write(to: input)
      process.executableURL = URL(fileURLWithPath: executable)
      process.arguments = ["--format=png", "--zoom=\(zoom)", "--output=\(output.path)", input.path]
      process.standardError = errors
      try process.run()
    } catch {
      throw CLIFailure("cannot run \(executable): \(error.localizedDescription); or write an .svg")
    }
    let message = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let png = (try? Data(contentsOf: output)) ?? Data()
    guard process.terminationStatus == 0, png.starts(with: signature) else {
      let reason = String(decoding: message, as: UTF8.self).split(separator: "\n").first.map(String.init)
      throw CLIFailure(
        "\(converter) could not convert the plot to PNG (\(reason ?? "exit status \(process.terminationStatus)")); "
          + "write an .svg instead")
    }
    return png
  }
}
