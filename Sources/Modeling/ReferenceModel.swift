#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The specification of ``LanguageModel``: the same network written as plain loops in Double,
/// one time step and one stream at a time, with no BLAS, no fusion and no SIMD.
///
/// Tests check it against finite differences (where Double makes tight tolerances possible) and
/// check the fast model against it. Never used outside tests.
public struct ReferenceModel {
  /// The model's shape.
  public let config: ModelConfig
  /// Parameters by PyTorch name, row-major, in Double.
  public var parameters: [String: [Double]]

  /// A reference holding a Double copy of `model`'s parameters.
  public init(_ model: LanguageModel) {
    config = model.config
    var p: [String: [Double]] = [:]
    for slot in model.layout.slots {
      let ptr = model.parameters.pointer(to: slot)
      p[slot.name] = (0..<slot.count).map { Double(ptr[$0]) }
    }
    parameters = p
  }

  /// Everything one chunk produces.
  public struct Result {
    /// Mean cross-entropy over scored positions, nats.
    public var loss: Double
    /// (T, B, V).
    public var logits: [Double]
    /// ∂loss/∂parameter by name.
    public var gradients: [String: [Double]]
    /// Final state, (L, B, H) each.
    public var h: [Double], c: [Double]
    /// ∂loss/∂(initial state), (L, B, H) each.
    public var hGradient: [Double], cGradient: [Double]
  }

  /// Forward and backward over one chunk.
  /// - inputs, targets: (T, B) row-major; targets < 0 are not scored.
  /// - h0, c0: (L, B, H).
  public func run(inputs: [Int], targets: [Int], steps T: Int, batch B: Int, h0: [Double], c0: [Double]) -> Result {
    let (V, E, H, L) = (config.vocabSize, config.embeddingSize, config.hiddenSize, config.layers)
    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    func p(_ name: String) -> [Double] { parameters[name]! }

    // Forward. xs[k][t][b] is layer k's input; saved gates and states for the backward.
    var layerInput: [[[Double]]] = (0..<T).map { t in (0..<B).map { b in
      let id = inputs[t * B + b]
      return Array(p("embedding.weight")[(id * E)..<(id * E + E)])
    } }
    var inputsPerLayer: [[[[Double]]]] = []
    var gatesPerLayer: [[[[Double]]]] = []  // [k][t][b][4H] activated
    var cPerLayer: [[[[Double]]]] = []  // [k][t+1][b][H]
    var hPerLayer: [[[[Double]]]] = []  // [k][t+1][b][H]
    var hFinal = [Double](), cFinal = [Double]()
    for k in 0..<L {
      let In = config.inputSize(ofLayer: k)
      let wih = p("rnn.weight_ih_l\(k)"), whh = p("rnn.weight_hh_l\(k)")
      let bih = p("rnn.bias_ih_l\(k)"), bhh = p("rnn.bias_hh_l\(k)")
      var hs = [(0..<B).map { b in Array(h0[(k * B + b) * H..<(k * B + b + 1) * H]) }]
      var cs = [(0..<B).map { b in Array(c0[(k * B + b) * H..<(k * B + b + 1) * H]) }]
      var gs: [[[Double]]] = []
      for t in 0..<T {
        var gt: [[Double]] = [], ht: [[Double]] = [], ct: [[Double]] = []
        for b in 0..<B {
          var pre = [Double](repeating: 0, count: 4 * H)
          for r in 0..<(4 * H) {
            var s = bih[r] + bhh[r]
            for j in 0..<In { s += wih[r * In + j] * layerInput[t][b][j] }
            for j in 0..<H { s += whh[r * H + j] * hs[t][b][j] }
            pre[r] = s
          }
          var g = pre, h = [Double](repeating: 0, count: H), c = h
          for j in 0..<H {
            g[j] = sigmoid(pre[j]); g[H + j] = sigmoid(pre[H + j])
            g[2 * H + j] = tanh(pre[2 * H + j]); g[3 * H + j] = sigmoid(pre[3 * H + j])
            c[j] = g[H + j] * cs[t][b][j] + g[j] * g[2 * H + j]
            h[j] = g[3 * H + j] * tanh(c[j])
          }
          gt.append(g); ht.append(h); ct.append(c)
        }
        gs.append(gt); hs.append(ht); cs.append(ct)
      }
      inputsPerLayer.append(layerInput)
      gatesPerLayer.append(gs); hPerLayer.append(hs); cPerLayer.append(cs)
      hFinal += hs[T].flatMap { $0 }; cFinal += cs[T].flatMap { $0 }
      layerInput = Array(hs[1...])
    }

    // Head and loss.
    let hw = p("head.weight"), hb = p("head.bias")
    var logits = [Double](repeating: 0, count: T * B * V)
    var dTop: [[[Double]]] = Array(repeating: Array(repeating: Array(repeating: 0, count: H), count: B), count: T)
    var grads: [String: [Double]] = [:]
    var gHeadWeight = [Double](repeating: 0, count: V * H), gHeadBias = [Double](repeating: 0, count: V)
    var total = 0.0
    let scored = targets.filter { $0 >= 0 }.count
    for t in 0..<T {
      for b in 0..<B {
        let top = layerInput[t][b]
        var row = (0..<V).map { v in hb[v] + (0..<H).reduce(0.0) { $0 + hw[v * H + $1] * top[$1] } }
        for v in 0..<V { logits[(t * B + b) * V + v] = row[v] }
        let target = targets[t * B + b]
        guard target >= 0 else { continue }
        let m = row.max()!
        let sum = row.reduce(0.0) { $0 + exp($1 - m) }
        total += log(sum) - (row[target] - m)
        for v in 0..<V { row[v] = (exp(row[v] - m) / sum - (v == target ? 1 : 0)) / Double(scored) }
        for v in 0..<V {
          gHeadBias[v] += row[v]
          for j in 0..<H {
            gHeadWeight[v * H + j] += row[v] * top[j]
            dTop[t][b][j] += row[v] * hw[v * H + j]
          }
        }
      }
    }

    grads["head.weight"] = gHeadWeight
    grads["head.bias"] = gHeadBias

    // Backward through the layers, top to bottom, time last to first.
    var dOut = dTop
    var dh0 = [Double](repeating: 0, count: L * B * H), dc0 = dh0
    for k in stride(from: L - 1, through: 0, by: -1) {
      let In = config.inputSize(ofLayer: k)
      let wih = p("rnn.weight_ih_l\(k)"), whh = p("rnn.weight_hh_l\(k)")
      var gWih = [Double](repeating: 0, count: 4 * H * In), gWhh = [Double](repeating: 0, count: 4 * H * H)
      var gBias = [Double](repeating: 0, count: 4 * H)
      var dIn: [[[Double]]] = Array(repeating: Array(repeating: Array(repeating: 0, count: In), count: B), count: T)
      for b in 0..<B {
        var dhNext = [Double](repeating: 0, count: H), dcNext = dhNext
        for t in stride(from: T - 1, through: 0, by: -1) {
          let g = gatesPerLayer[k][t][b], cPrev = cPerLayer[k][t][b], c = cPerLayer[k][t + 1][b]
          var dPre = [Double](repeating: 0, count: 4 * H)
          for j in 0..<H {
            let dh = dOut[t][b][j] + dhNext[j]
            let tc = tanh(c[j])
            let dc = dcNext[j] + dh * g[3 * H + j] * (1 - tc * tc)
            dPre[j] = dc * g[2 * H + j] * g[j] * (1 - g[j])
            dPre[H + j] = dc * cPrev[j] * g[H + j] * (1 - g[H + j])
            dPre[2 * H + j] = dc * g[j] * (1 - g[2 * H + j] * g[2 * H + j])
            dPre[3 * H + j] = dh * tc * g[3 * H + j] * (1 - g[3 * H + j])
            dcNext[j] = dc * g[H + j]
          }
          dhNext = [Double](repeating: 0, count: H)
          let x = inputsPerLayer[k][t][b], hPrev = hPerLayer[k][t][b]
          for r in 0..<(4 * H) {
            gBias[r] += dPre[r]
            for j in 0..<In {
              gWih[r * In + j] += dPre[r] * x[j]
              dIn[t][b][j] += dPre[r] * wih[r * In + j]
            }
            for j in 0..<H {
              gWhh[r * H + j] += dPre[r] * hPrev[j]
              dhNext[j] += dPre[r] * whh[r * H + j]
            }
          }
        }
        for j in 0..<H {
          dh0[(k * B + b) * H + j] = dhNext[j]
          dc0[(k * B + b) * H + j] = dcNext[j]
        }
      }
      grads["rnn.weight_ih_l\(k)"] = gWih
      grads["rnn.weight_hh_l\(k)"] = gWhh
      grads["rnn.bias_ih_l\(k)"] = gBias
      grads["rnn.bias_hh_l\(k)"] = gBias
      dOut = dIn
    }
    var gEmbedding = [Double](repeating: 0, count: V * E)
    for t in 0..<T {
      for b in 0..<B {
        let id = inputs[t * B + b]
        for j in 0..<E { gEmbedding[id * E + j] += dOut[t][b][j] }
      }
    }
    grads["embedding.weight"] = gEmbedding
    return Result(
      loss: total / Double(max(scored, 1)), logits: logits, gradients: grads,
      h: hFinal, c: cFinal, hGradient: dh0, cGradient: dc0)
  }
}
