/// Lane-wise minimum, maximum and selection on eight Floats without comparison instructions.
///
/// Swift's SIMD comparisons (`.<`, `.>`, `.==`) and `replacing(with:where:)` compile here to a
/// loop over the lanes through memory, and `pointwiseMin`/`pointwiseMax` to unspecialized
/// calls. The sign bit of `a − b`, spread over the lane by an arithmetic shift, gives the
/// same mask with integer vector instructions that always vectorize.
extension SIMD8 where Scalar == Float {
  /// All-ones lanes where `self < other`, zero elsewhere (the sign of `self − other`).
  @inlinable @inline(__always)
  public func lanesBelow(_ other: SIMD8<Float>) -> SIMD8<Int32> {
    unsafeBitCast(self - other, to: SIMD8<Int32>.self) &>> 31
  }

  /// `whereTrue` in the lanes where `mask` is all ones, `self` elsewhere.
  @inlinable @inline(__always)
  public func replacingLanes(_ mask: SIMD8<Int32>, with whereTrue: SIMD8<Float>) -> SIMD8<Float> {
    let a = unsafeBitCast(self, to: SIMD8<Int32>.self)
    let b = unsafeBitCast(whereTrue, to: SIMD8<Int32>.self)
    return unsafeBitCast((a & ~mask) | (b & mask), to: SIMD8<Float>.self)
  }

  /// Lane-wise maximum (−∞ and finite values compare as expected).
  @inlinable @inline(__always)
  public func lanewiseMax(_ other: SIMD8<Float>) -> SIMD8<Float> {
    replacingLanes(lanesBelow(other), with: other)
  }

  /// Zero in the lanes where `mask` is all ones, `self` elsewhere.
  @inlinable @inline(__always)
  public func zeroingLanes(_ mask: SIMD8<Int32>) -> SIMD8<Float> {
    unsafeBitCast(unsafeBitCast(self, to: SIMD8<Int32>.self) & ~mask, to: SIMD8<Float>.self)
  }
}
