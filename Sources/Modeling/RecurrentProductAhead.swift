import Foundation
import Kernels

/// Layer 0's recurrent product h_0·W_hhᵀ for the next step of one stream, computed ahead in the
/// split of layer 1's products (of the head's, in a one-layer model): h_0 is final once layer 0's
/// step is done, so its product for the next symbol need not wait for that symbol. A symbol then
/// costs one hand-off to the threads fewer where layer 0 had a split of its own.
///
/// It keeps the h_0 it was computed from, and the next step uses it only while the state's h_0
/// is still that one, bit for bit: a caller may reset or replace the state between steps.
final class RecurrentProductAhead {
  /// h_0·W_hhᵀ, (G·H).
  private let product: FloatBuffer
  /// The h_0 it was computed from, (H).
  private let source: FloatBuffer
  private var isFilled = false

  init(rows: Int, hidden: Int) {
    product = FloatBuffer(count: rows)
    source = FloatBuffer(count: hidden)
  }

  /// The term that computes the product from `h` (H) and `weight` (G·H, H), for the next split
  /// of the step; it reads a copy of `h` taken now.
  func fill(weight: UnsafePointer<Float>, h: UnsafePointer<Float>) -> MatvecTerm {
    source.pointer.update(from: h, count: source.count)
    isFilled = true
    return MatvecTerm(
      m: product.count, n: source.count, a: weight, lda: source.count, x: source.pointer, y: product.pointer)
  }

  /// The product, if it was computed from this very `h` (H); nil otherwise. Either way the
  /// product is used up.
  func take(matching h: UnsafePointer<Float>) -> UnsafePointer<Float>? {
    guard isFilled else { return nil }
    isFilled = false
    return memcmp(h, source.pointer, source.count * MemoryLayout<Float>.size) == 0 ? UnsafePointer(product.pointer) : nil
  }
}
