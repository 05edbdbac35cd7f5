import Kernels
import TestSupport
import Testing

/// The fused LSTM step (C kernels) on every instruction-set path this CPU runs against its
/// scalar references, for H with and without a tail of fewer than 8 or 16 lanes.
@Suite struct LSTMPointwiseTests {
  struct Shape: CustomTestStringConvertible, Sendable {
    let batch: Int, hidden: Int
    var testDescription: String { "B\(batch) H\(hidden)" }
  }

  static let shapes = [1, 3].flatMap { b in [1, 5, 8, 13, 16, 17, 32, 40].map { Shape(batch: b, hidden: $0) } }

  /// Inputs of one step, each array followed by `guardCount` sentinels that must survive.
  struct Step {
    static let guardCount = 9
    static let sentinel: Float = -777
    var gates: [Float], bias: [Float], cPrev: [Float], dh: [Float], dc: [Float]
    var c: [Float], h: [Float], dGates: [Float]

    init(_ s: Shape, seed: UInt64) {
      var rng = SeededGenerator(seed: seed)
      let (B, H) = (s.batch, s.hidden)
      func values(_ n: Int, scale: Float) -> [Float] {
        (0..<n).map { _ in rng.nextStandardNormal() * scale } + Array(repeating: Self.sentinel, count: Self.guardCount)
      }
      func empty(_ n: Int) -> [Float] {
        Array(repeating: 0, count: n) + Array(repeating: Self.sentinel, count: Self.guardCount)
      }
      gates = values(B * 4 * H, scale: 2)  // pre-activations spanning the non-linear range
      bias = values(4 * H, scale: 0.5)
      cPrev = values(B * H, scale: 1.5)
      dh = values(B * H, scale: 1)
      dc = values(B * H, scale: 1)
      c = empty(B * H)
      h = empty(B * H)
      dGates = empty(B * 4 * H)
    }

    mutating func forward(_ s: Shape, naive: Bool) {
      let f = naive ? LSTMPointwise.forwardNaive : LSTMPointwise.forward
      f(&gates, bias, nil, cPrev, &c, &h, s.batch, s.hidden)
    }

    mutating func backward(_ s: Shape, naive: Bool) {
      let f = naive ? LSTMPointwise.backwardNaive : LSTMPointwise.backward
      f(gates, cPrev, c, dh, &dc, &dGates, s.batch, s.hidden)
    }

    /// Every output array with its name.
    var outputs: [(String, [Float])] {
      [("gates", gates), ("c", c), ("h", h), ("dc", dc), ("dGates", dGates)]
    }
  }

  static func expectGuardsIntact(_ step: Step, sourceLocation: SourceLocation = #_sourceLocation) {
    for (name, values) in step.outputs {
      #expect(
        values.suffix(Step.guardCount).allSatisfy { $0 == Step.sentinel },
        "\(name): written past its end", sourceLocation: sourceLocation)
    }
  }

  @Test("forward equals forwardNaive", arguments: shapes, KernelISA.usable)
  func forward(shape: Shape, isa: KernelISA) {
    var fast = Step(shape, seed: UInt64(shape.hidden * 10 + shape.batch))
    var naive = fast
    KernelISA.with(isa) { fast.forward(shape, naive: false) }
    naive.forward(shape, naive: true)
    // FastMath's sigmoid/tanh (the C kernels use the same polynomial; AVX2/AVX-512 may fuse
    // a·b + c, an ulp apart) are within 2e-7 / 3e-7 absolute of libm's (ActivationAccuracyTests);
    // c = f·c_prev + i·g with |c_prev| ≲ 5 can carry that to ~1e-6. Tolerance 2e-6 with
    // floor 1 (absolute below 1). Measured worst: 1.8e-7.
    for ((name, f), (_, n)) in zip(fast.outputs, naive.outputs).prefix(3) {
      expectClose(f, n.map(Double.init), tolerance: 2e-6, floor: 1, name)
    }
    Self.expectGuardsIntact(fast)
  }

  @Test("backward equals backwardNaive", arguments: shapes, KernelISA.usable)
  func backward(shape: Shape, isa: KernelISA) {
    // Saved activations from one forward, so both backwards see identical inputs.
    var fast = Step(shape, seed: UInt64(shape.hidden * 10 + shape.batch))
    fast.forward(shape, naive: true)
    var naive = fast
    KernelISA.with(isa) { fast.backward(shape, naive: false) }
    naive.backward(shape, naive: true)
    // Both recompute tanh(c_t): FastMath's (within 3e-7 absolute of libm's) against tanhf.
    // Through dc = dc' + dh·o·(1 − tanh²c) with |dh| ≲ 4 and the products after it, that is up
    // to ~3e-6 absolute. Tolerance 1e-5 with floor 1 (absolute below 1).
    expectClose(fast.dGates, naive.dGates.map(Double.init), tolerance: 1e-5, floor: 1, "dGates")
    expectClose(fast.dc, naive.dc.map(Double.init), tolerance: 1e-5, floor: 1, "dc")
    Self.expectGuardsIntact(fast)
  }

  @Test(
    "forward with a bias row per stream (a folded layer 0's table) equals forwardNaive and the plain forward with that row",
    arguments: [Shape(batch: 1, hidden: 13), Shape(batch: 3, hidden: 32), Shape(batch: 4, hidden: 40)], KernelISA.usable)
  func biasRows(shape: Shape, isa: KernelISA) {
    let (B, H, rows) = (shape.batch, shape.hidden, 5)
    var rng = SeededGenerator(seed: 23)
    let table = (0..<(rows * 4 * H)).map { _ in rng.nextStandardNormal() }
    let ids: [Int32] = (0..<B).map { Int32(($0 * 3 + 1) % rows) }
    let step = Step(shape, seed: 31)
    var (fast, naive) = (step, step)
    KernelISA.with(isa) {
      LSTMPointwise.forward(
        gates: &fast.gates, bias: table, biasRows: ids, cPrev: fast.cPrev, c: &fast.c, h: &fast.h, batch: B, hidden: H)
    }
    LSTMPointwise.forwardNaive(
      gates: &naive.gates, bias: table, biasRows: ids, cPrev: naive.cPrev, c: &naive.c, h: &naive.h, batch: B,
      hidden: H)
    for ((name, f), (_, n)) in zip(fast.outputs, naive.outputs).prefix(3) {
      expectClose(f, n.map(Double.init), tolerance: 2e-6, floor: 1, name)  // as the forward test
    }
    Self.expectGuardsIntact(fast)
    // Stream b alone with the plain bias (its table row): the same bits.
    for b in 0..<B {
      var one = Step(Shape(batch: 1, hidden: H), seed: 1)
      one.gates = Array(step.gates[(b * 4 * H)..<((b + 1) * 4 * H)])
      one.cPrev = Array(step.cPrev[(b * H)..<((b + 1) * H)])
      let row = Array(table[(Int(ids[b]) * 4 * H)..<((Int(ids[b]) + 1) * 4 * H)])
      KernelISA.with(isa) {
        LSTMPointwise.forward(gates: &one.gates, bias: row, cPrev: one.cPrev, c: &one.c, h: &one.h, batch: 1, hidden: H)
      }
      #expect(Array(one.h.prefix(H)) == Array(fast.h[(b * H)..<((b + 1) * H)]), "stream \(b)")
    }
  }

  @Test(
    "forward with c aliasing cPrev (the generator's in-place update) equals separate buffers",
    arguments: [Shape(batch: 1, hidden: 13), Shape(batch: 3, hidden: 32)])
  func inPlaceCell(shape: Shape) {
    var separate = Step(shape, seed: 99)
    var (gates, cell, h) = (separate.gates, separate.cPrev, separate.h)
    separate.forward(shape, naive: false)
    cell.withUnsafeMutableBufferPointer { cell in
      LSTMPointwise.forward(
        gates: &gates, bias: separate.bias, cPrev: cell.baseAddress!, c: cell.baseAddress!, h: &h,
        batch: shape.batch, hidden: shape.hidden)
    }
    #expect(cell == separate.c)
    #expect(h == separate.h)
    #expect(gates == separate.gates)
  }

  @Test(
    "backward writing its gradients over the saved gates equals separate buffers",
    arguments: [Shape(batch: 1, hidden: 13), Shape(batch: 3, hidden: 32)])
  func inPlaceGateGradients(shape: Shape) {
    var separate = Step(shape, seed: 17)
    separate.forward(shape, naive: true)
    var (gates, dc) = (separate.gates, separate.dc)
    separate.backward(shape, naive: false)
    gates.withUnsafeMutableBufferPointer { gates in
      LSTMPointwise.backward(
        gates: gates.baseAddress!, cPrev: separate.cPrev, c: separate.c, dh: separate.dh, dc: &dc,
        dGates: gates.baseAddress!, batch: shape.batch, hidden: shape.hidden)
    }
    #expect(gates == separate.dGates)  // both end in the same sentinels
    #expect(dc == separate.dc)
  }
}
