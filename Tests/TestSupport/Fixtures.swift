import Foundation

/// Files shared by several test targets (e.g. the PyTorch golden fixture).
public enum SharedFixtures {
  /// Path of `Tests/TestSupport/Fixtures/<name>` as copied into the test bundle.
  public static func path(_ name: String) -> String {
    Bundle.module.url(forResource: "Fixtures", withExtension: nil)!.appendingPathComponent(name).path
  }
}
