/// A small, fast, seedable random-number generator (xoshiro256**), so every run is
/// reproducible from its seed and its state can be saved and restored for exact resume.
///
/// Seeding goes through SplitMix64, as the xoshiro authors recommend, so nearby seeds give
/// unrelated streams.
public struct SeededGenerator: RandomNumberGenerator, Sendable, Equatable {
  /// The four 64-bit words of xoshiro256** state; saved in checkpoints.
  @usableFromInline var state: (UInt64, UInt64, UInt64, UInt64)

  /// Creates a generator whose whole stream is fixed by `seed`.
  public init(seed: UInt64) {
    var s = seed
    func splitMix() -> UInt64 {
      s &+= 0x9E37_79B9_7F4A_7C15
      var z = s
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    state = (splitMix(), splitMix(), splitMix(), splitMix())
  }

  /// Restores a generator from the words of `state` (as saved from ``stateWords``).
  /// - Precondition: exactly four words, not all zero.
  public init(stateWords: [UInt64]) {
    precondition(stateWords.count == 4 && stateWords.contains { $0 != 0 }, "invalid generator state")
    state = (stateWords[0], stateWords[1], stateWords[2], stateWords[3])
  }

  /// The state as four words, for checkpoints.
  public var stateWords: [UInt64] { [state.0, state.1, state.2, state.3] }

  public static func == (a: Self, b: Self) -> Bool { a.stateWords == b.stateWords }

  @inlinable
  public mutating func next() -> UInt64 {
    let result = rotl(state.1 &* 5, 7) &* 9
    let t = state.1 << 17
    state.2 ^= state.0
    state.3 ^= state.1
    state.1 ^= state.2
    state.0 ^= state.3
    state.2 ^= t
    state.3 = rotl(state.3, 45)
    return result
  }

  @inlinable
  func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 &- k)) }

  /// A uniform Float in [0, 1) with 24 random bits.
  @inlinable
  public mutating func nextUnitFloat() -> Float {
    Float(next() >> 40) * (1.0 / 16_777_216.0)
  }

  /// A uniform Double in [0, 1) with 53 random bits.
  @inlinable
  public mutating func nextUnitDouble() -> Double {
    Double(next() >> 11) * (1.0 / 9_007_199_254_740_992.0)
  }

  /// A standard normal sample (Box–Muller; one of the pair is discarded for simplicity).
  public mutating func nextStandardNormal() -> Float {
    var u1 = nextUnitDouble()
    while u1 <= .leastNormalMagnitude { u1 = nextUnitDouble() }
    let u2 = nextUnitDouble()
    return Float((-2 * Double.log(u1)).squareRoot() * Double.cos(2 * .pi * u2))
  }
}

extension Double {
  @usableFromInline static func log(_ x: Double) -> Double { _log(x) }
  @usableFromInline static func cos(_ x: Double) -> Double { _cos(x) }
}

#if canImport(Glibc)
  import Glibc
  @usableFromInline func _log(_ x: Double) -> Double { Glibc.log(x) }
  @usableFromInline func _cos(_ x: Double) -> Double { Glibc.cos(x) }
#elseif canImport(Darwin)
  import Darwin
  @usableFromInline func _log(_ x: Double) -> Double { Darwin.log(x) }
  @usableFromInline func _cos(_ x: Double) -> Double { Darwin.cos(x) }
#endif
