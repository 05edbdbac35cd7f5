/// The identity of a training text: its size in bytes and the SHA-256 of its bytes as read from
/// the file (before any normalization), the digest `sha256sum` prints. The training record keeps
/// it, so a resume on other text — another corpus, or the same one edited by one character — is
/// refused instead of silently continuing on different data.
public struct TextFingerprint: Codable, Equatable, Sendable, CustomStringConvertible {
  /// Size of the text, bytes.
  public var bytes: Int
  /// SHA-256 of the text, 64 lowercase hexadecimal digits.
  public var sha256: String

  /// The fingerprint of `text`.
  public init(of text: [UInt8]) {
    bytes = text.count
    sha256 = text.withUnsafeBytes { SHA256.hex($0) }
  }

  /// `3500 bytes, sha256 1f2e3d4c…` (the digest's first 16 digits).
  public var description: String { "\(bytes) bytes, sha256 \(sha256.prefix(16))…" }
}
