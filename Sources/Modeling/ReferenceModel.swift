#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// The specification of ``LanguageModel``: the same network written as plain loops in Double,
/// one time step and one stream at a time, with no BLAS, no fusion and no SIMD; all three cells
/// (LSTM, GRU, RNN) and explicit dropout masks.
///
/// Tests check it against finite differences (where Double makes tight tolerances possible) and
/// check the fast model against it. It is internal: tests reach it through
/// `@testable import Modeling`, and the library does not ship it.
struct ReferenceModel {
  /// The model's shape.
  let config: ModelConfig
  /// Parameters by PyTorch name, row-major, in Double.
  var parameters: [String: [Double]]

  /// A reference holding a Double copy of `model`'s parameters.
  init(_ model: LanguageModel) {
    config = model.config
    var p: [String: [Double]] = [:]
    for slot in model.layout.slots {
      let ptr = model.parameters.pointer(to: slot)
      p[slot.name] = (0..<slot.count).map { Double(ptr[$0]) }
    }
    parameters = p
  }

  /// Everything one chunk produces.
  struct Result {
    /// Mean cross-entropy over scored positions, nats.
    var loss: Double
    /// (T, B, V).
    var logits: [Double]
    /// ∂loss/∂parameter by name.
    var gradients: [String: [Double]]
    /// Final state, (L, B, H) each.
    var h: [Double], c: [Double]
    /// ∂loss/∂(initial state), (L, B, H) each.
    var hGradient: [Double], cGradient: [Double]
  }

  /// Forward and backward over one chunk.
  /// - inputs, targets: (T, B) row-major; targets < 0 are not scored.
  /// - h0, c0: (L, B, H) (c0 is ignored by cells without a cell state; their final c is c0 and
  ///   its gradient 0).
  /// - dropoutMasks: when given, L entries; entry k ≥ 1 is (T, B, H) and multiplies layer k's
  ///   input (entry 0 is ignored: the embedding is never dropped).
  func run(
    inputs: [Int], targets: [Int], steps T: Int, batch B: Int, h0: [Double], c0: [Double],
    dropoutMasks: [[Double]]? = nil
  ) -> Result {
    let (V, E, H, L) = (config.vocabSize, config.embeddingSize, config.hiddenSize, config.layers)
    let cell = config.cell
    let G = cell.gateCount * H
    func sigmoid(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    func p(_ name: String) -> [Double] { parameters[name]! }
    func masked(_ x: [[[Double]]], layer k: Int) -> [[[Double]]] {
      guard k > 0, let m = dropoutMasks?[k] else { return x }
      return (0..<T).map { t in (0..<B).map { b in (0..<H).map { j in x[t][b][j] * m[(t * B + b) * H + j] } } }
    }

    // Forward. layerInput[t][b] is layer k's input; saved gates and states for the backward.
    var layerInput: [[[Double]]] = (0..<T).map { t in
      (0..<B).map { b in
        let id = inputs[t * B + b]
        return Array(p("embedding.weight")[(id * E)..<(id * E + E)])
      }
    }
    var inputsPerLayer: [[[[Double]]]] = []
    // [k][t][b]: LSTM i, f, g, o (4H); GRU r, z, n, then W_hn·h + b_hn (4H); RNN unused.
    var gatesPerLayer: [[[[Double]]]] = []
    var cPerLayer: [[[[Double]]]] = []  // [k][t+1][b][H]
    var hPerLayer: [[[[Double]]]] = []  // [k][t+1][b][H]
    var hFinal = [Double]()
    var cFinal = [Double]()
    for k in 0..<L {
      layerInput = masked(layerInput, layer: k)
      let In = config.inputSize(ofLayer: k)
      let wih = p("rnn.weight_ih_l\(k)")
      let whh = p("rnn.weight_hh_l\(k)")
      let bih = p("rnn.bias_ih_l\(k)")
      let bhh = p("rnn.bias_hh_l\(k)")
      var hs = [(0..<B).map { b in Array(h0[(k * B + b) * H..<(k * B + b + 1) * H]) }]
      var cs = [(0..<B).map { b in Array(c0[(k * B + b) * H..<(k * B + b + 1) * H]) }]
      var gs: [[[Double]]] = []
      for t in 0..<T {
        var gt: [[Double]] = []
        var ht: [[Double]] = []
        var ct: [[Double]] = []
        for b in 0..<B {
          // The input and recurrent parts apart (GRU needs them apart), biases included.
          var ax = [Double](repeating: 0, count: G)
          var ah = ax
          for r in 0..<G {
            var sx = bih[r]
            var sh = bhh[r]
            for j in 0..<In { sx += wih[r * In + j] * layerInput[t][b][j] }
            for j in 0..<H { sh += whh[r * H + j] * hs[t][b][j] }
            ax[r] = sx
            ah[r] = sh
          }
          var g = [Double](repeating: 0, count: 4 * H)
          var h = [Double](repeating: 0, count: H)
          var c = cs[t][b]
          for j in 0..<H {
            switch cell {
            case .lstm:
              g[j] = sigmoid(ax[j] + ah[j])
              g[H + j] = sigmoid(ax[H + j] + ah[H + j])
              g[2 * H + j] = tanh(ax[2 * H + j] + ah[2 * H + j])
              g[3 * H + j] = sigmoid(ax[3 * H + j] + ah[3 * H + j])
              c[j] = g[H + j] * cs[t][b][j] + g[j] * g[2 * H + j]
              h[j] = g[3 * H + j] * tanh(c[j])
            case .gru:
              g[j] = sigmoid(ax[j] + ah[j])
              g[H + j] = sigmoid(ax[H + j] + ah[H + j])
              g[3 * H + j] = ah[2 * H + j]
              g[2 * H + j] = tanh(ax[2 * H + j] + g[j] * ah[2 * H + j])
              h[j] = (1 - g[H + j]) * g[2 * H + j] + g[H + j] * hs[t][b][j]
            case .rnn:
              h[j] = tanh(ax[j] + ah[j])
            }
          }
          gt.append(g)
          ht.append(h)
          ct.append(c)
        }
        gs.append(gt)
        hs.append(ht)
        cs.append(ct)
      }
      inputsPerLayer.append(layerInput)
      gatesPerLayer.append(gs)
      hPerLayer.append(hs)
      cPerLayer.append(cs)
      hFinal += hs[T].flatMap { $0 }
      cFinal += cs[T].flatMap { $0 }
      layerInput = Array(hs[1...])
    }

    // Head and loss.
    let hw = p("head.weight")
    let hb = p("head.bias")
    var logits = [Double](repeating: 0, count: T * B * V)
    var dTop: [[[Double]]] = Array(repeating: Array(repeating: Array(repeating: 0, count: H), count: B), count: T)
    var grads: [String: [Double]] = [:]
    var gHeadWeight = [Double](repeating: 0, count: V * H)
    var gHeadBias = [Double](repeating: 0, count: V)
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
    var dh0 = [Double](repeating: 0, count: L * B * H)
    var dc0 = dh0
    for k in stride(from: L - 1, through: 0, by: -1) {
      let In = config.inputSize(ofLayer: k)
      let wih = p("rnn.weight_ih_l\(k)")
      let whh = p("rnn.weight_hh_l\(k)")
      var gWih = [Double](repeating: 0, count: G * In)
      var gWhh = [Double](repeating: 0, count: G * H)
      var gBih = [Double](repeating: 0, count: G)
      var gBhh = gBih
      var dIn: [[[Double]]] = Array(repeating: Array(repeating: Array(repeating: 0, count: In), count: B), count: T)
      for b in 0..<B {
        var dhNext = [Double](repeating: 0, count: H)
        var dcNext = dhNext
        for t in stride(from: T - 1, through: 0, by: -1) {
          let g = gatesPerLayer[k][t][b]
          let cPrev = cPerLayer[k][t][b]
          let c = cPerLayer[k][t + 1][b]
          let hPrev = hPerLayer[k][t][b]
          let hNew = hPerLayer[k][t + 1][b]
          // ∂loss/∂(input part) and ∂loss/∂(recurrent part) of the pre-activations.
          var dX = [Double](repeating: 0, count: G)
          var dR = dX
          var direct = [Double](repeating: 0, count: H)  // ∂h_t/∂h_{t−1} outside W_hh (GRU)
          for j in 0..<H {
            let dh = dOut[t][b][j] + dhNext[j]
            switch cell {
            case .lstm:
              let tc = tanh(c[j])
              let dc = dcNext[j] + dh * g[3 * H + j] * (1 - tc * tc)
              dX[j] = dc * g[2 * H + j] * g[j] * (1 - g[j])
              dX[H + j] = dc * cPrev[j] * g[H + j] * (1 - g[H + j])
              dX[2 * H + j] = dc * g[j] * (1 - g[2 * H + j] * g[2 * H + j])
              dX[3 * H + j] = dh * tc * g[3 * H + j] * (1 - g[3 * H + j])
              for q in 0..<4 { dR[q * H + j] = dX[q * H + j] }
              dcNext[j] = dc * g[H + j]
            case .gru:
              let (r, z, n, hn) = (g[j], g[H + j], g[2 * H + j], g[3 * H + j])
              let dn = dh * (1 - z) * (1 - n * n)
              let dz = dh * (hPrev[j] - n) * z * (1 - z)
              let dr = dn * hn * r * (1 - r)
              (dX[j], dX[H + j], dX[2 * H + j]) = (dr, dz, dn)
              (dR[j], dR[H + j], dR[2 * H + j]) = (dr, dz, dn * r)
              direct[j] = dh * z
            case .rnn:
              dX[j] = dh * (1 - hNew[j] * hNew[j])
              dR[j] = dX[j]
            }
          }
          dhNext = direct
          let x = inputsPerLayer[k][t][b]
          for r in 0..<G {
            gBih[r] += dX[r]
            gBhh[r] += dR[r]
            for j in 0..<In {
              gWih[r * In + j] += dX[r] * x[j]
              dIn[t][b][j] += dX[r] * wih[r * In + j]
            }
            for j in 0..<H {
              gWhh[r * H + j] += dR[r] * hPrev[j]
              dhNext[j] += dR[r] * whh[r * H + j]
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
      grads["rnn.bias_ih_l\(k)"] = gBih
      grads["rnn.bias_hh_l\(k)"] = gBhh
      // Through the dropout mask on this layer's input.
      if k > 0, let m = dropoutMasks?[k] {
        for t in 0..<T { for b in 0..<B { for j in 0..<H { dIn[t][b][j] *= m[(t * B + b) * H + j] } } }
      }
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
