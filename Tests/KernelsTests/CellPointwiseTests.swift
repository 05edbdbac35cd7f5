import Kernels
import TestSupport
import Testing

/// The fused GRU and RNN kernels against their naive references, including a ragged tail
/// (H not a multiple of 8) and in-place use.
@Suite struct CellPointwiseTests {
  static func random(_ n: Int, _ rng: inout SeededGenerator, scale: Float = 2) -> [Float] {
    (0..<n).map { _ in (rng.nextUnitFloat() * 2 - 1) * scale }
  }

  @Test("GRU forward and backward match the naive reference", arguments: [1, 8, 13, 16, 17, 40], KernelISA.usable)
  func gru(hidden H: Int, isa: KernelISA) {
    KernelISA.with(isa) { gru(hidden: H) }
  }

  func gru(hidden H: Int) {
    let B = 3
    var rng = SeededGenerator(seed: UInt64(H))
    let gx = Self.random(B * 3 * H, &rng)
    let gh = Self.random(B * 3 * H, &rng)
    let bih = Self.random(3 * H, &rng)
    let bhh = Self.random(3 * H, &rng)
    let hPrev = Self.random(B * H, &rng, scale: 1)
    let dh = Self.random(B * H, &rng, scale: 1)
    let dPrev0 = Self.random(B * H, &rng, scale: 1)

    var (fx, fh, fOut) = (gx, gh, [Float](repeating: 0, count: B * H))
    var (nx, nh, nOut) = (gx, gh, [Float](repeating: 0, count: B * H))
    GRUPointwise.forward(
      inputGates: &fx, hiddenGates: &fh, biasIH: bih, biasHH: bhh, hPrev: hPrev, h: &fOut, batch: B, hidden: H)
    GRUPointwise.forwardNaive(
      inputGates: &nx, hiddenGates: &nh, biasIH: bih, biasHH: bhh, hPrev: hPrev, h: &nOut, batch: B, hidden: H)
    // FastMath vs libm: ≤ 3e-7 absolute per activation, a few ulps after the blend.
    expectClose(fx, nx.map(Double.init), tolerance: 1e-6, floor: 1, "r, z, n")
    expectClose(fh, nh.map(Double.init), tolerance: 1e-6, floor: 1, "hidden gates")
    expectClose(fOut, nOut.map(Double.init), tolerance: 1e-6, floor: 1, "h")

    // In place (h == hPrev), as the Generator uses it.
    var inPlace = hPrev
    var (ix, ih) = (gx, gh)
    inPlace.withUnsafeMutableBufferPointer { h in
      GRUPointwise.forward(
        inputGates: &ix, hiddenGates: &ih, biasIH: bih, biasHH: bhh, hPrev: h.baseAddress!, h: h.baseAddress!,
        batch: B, hidden: H)
    }
    #expect(inPlace == fOut)

    var (fdx, fdh, fPrev) = ([Float](repeating: 0, count: B * 3 * H), [Float](repeating: 0, count: B * 3 * H), dPrev0)
    var (ndx, ndh, nPrev) = (fdx, fdh, dPrev0)
    GRUPointwise.backward(
      inputGates: nx, hiddenGates: nh, hPrev: hPrev, dh: dh, dInputGates: &fdx, dHiddenGates: &fdh, dhPrev: &fPrev,
      batch: B, hidden: H)
    GRUPointwise.backwardNaive(
      inputGates: nx, hiddenGates: nh, hPrev: hPrev, dh: dh, dInputGates: &ndx, dHiddenGates: &ndh, dhPrev: &nPrev,
      batch: B, hidden: H)
    // Same formulas, same inputs: only the evaluation order may differ.
    expectClose(fdx, ndx.map(Double.init), tolerance: 1e-6, floor: 1, "∂input gates")
    expectClose(fdh, ndh.map(Double.init), tolerance: 1e-6, floor: 1, "∂hidden gates")
    expectClose(fPrev, nPrev.map(Double.init), tolerance: 1e-6, floor: 1, "∂h_{t−1} (accumulated)")
  }

  @Test("RNN forward and backward match the naive reference", arguments: [1, 8, 13, 16, 17, 40], KernelISA.usable)
  func rnn(hidden H: Int, isa: KernelISA) {
    KernelISA.with(isa) { rnn(hidden: H) }
  }

  func rnn(hidden H: Int) {
    let B = 3
    var rng = SeededGenerator(seed: 100 + UInt64(H))
    let pre = Self.random(B * H, &rng, scale: 4)
    let bias = Self.random(H, &rng)
    let dh = Self.random(B * H, &rng)
    var (fast, naive) = ([Float](repeating: 0, count: B * H), [Float](repeating: 0, count: B * H))
    RNNPointwise.forward(preActivation: pre, bias: bias, h: &fast, batch: B, hidden: H)
    RNNPointwise.forwardNaive(preActivation: pre, bias: bias, h: &naive, batch: B, hidden: H)
    expectClose(fast, naive.map(Double.init), tolerance: 1e-6, floor: 1, "h")
    var (df, dn) = ([Float](repeating: 0, count: B * H), [Float](repeating: 0, count: B * H))
    RNNPointwise.backward(h: naive, dh: dh, dPre: &df, batch: B, hidden: H)
    RNNPointwise.backwardNaive(h: naive, dh: dh, dPre: &dn, batch: B, hidden: H)
    // One product dh·(1 − h²): with FMA (AVX2/AVX-512) rounded once instead of twice.
    expectClose(df, dn.map(Double.init), tolerance: 1e-6, floor: 1, "∂pre")
  }

  @Test("Dropout.apply multiplies element-wise, in place too")
  func dropoutApply() {
    let x: [Float] = (0..<19).map { Float($0) - 9 }
    let mask: [Float] = (0..<19).map { $0 % 3 == 0 ? 0 : 2 }
    var y = [Float](repeating: 0, count: 19)
    Dropout.apply(x, mask: mask, output: &y, count: 19)
    #expect(y == zip(x, mask).map { $0 * $1 })
    var z = x
    z.withUnsafeMutableBufferPointer { Dropout.apply($0.baseAddress!, mask: mask, output: $0.baseAddress!, count: 19) }
    #expect(z == y)
  }
}
