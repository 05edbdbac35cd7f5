// swift-tools-version:6.0
//
// The README's library example as a package of its own that depends on charlm by path, as a
// user's package would: scripts/test.sh builds and runs it, so the README cannot drift from
// the API. A path dependency's package name is its folder's name, so it is read from the path
// here: the example builds whatever the clone's folder is called.
import Foundation
import PackageDescription

let charlm = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

let package = Package(
  name: "LibraryExample",
  platforms: [.macOS(.v13)],
  dependencies: [.package(path: charlm.path)],
  targets: [
    .executableTarget(
      name: "LibraryExample", dependencies: [.product(name: "CharLM", package: charlm.lastPathComponent)])
  ],
  swiftLanguageModes: [.v6]
)
