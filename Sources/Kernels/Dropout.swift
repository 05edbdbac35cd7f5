/// Inverted dropout: a mask of 0 (dropped, probability p) and 1/(1 − p) (kept), so the
/// expected value of every masked element equals the unmasked one and evaluation needs no
/// rescaling. Drawn from a passed-in generator, so a seed reproduces the masks.
public enum Dropout {
  /// Fills `mask` with `count` values: 0 with probability p, else 1/(1 − p).
  /// One `nextUnitFloat()` per element, in order.
  /// - Precondition: 0 ≤ p < 1.
  public static func drawMask(
    _ mask: UnsafeMutablePointer<Float>, count: Int, probability p: Float, generator: inout SeededGenerator
  ) {
    precondition(p >= 0 && p < 1)
    let keep = 1 / (1 - p)
    for i in 0..<count { mask[i] = generator.nextUnitFloat() < p ? 0 : keep }
  }

  /// y = x ⊙ mask (forward); also the backward, applied to the gradient.
  @inlinable
  public static func apply(
    _ x: UnsafePointer<Float>, mask: UnsafePointer<Float>, output y: UnsafeMutablePointer<Float>, count: Int
  ) {
    var i = 0
    while i < count {
      let n = min(8, count - i)
      y.store8(x.load8(i, count: n) * mask.load8(i, count: n), at: i, count: n)
      i += 8
    }
  }
}
