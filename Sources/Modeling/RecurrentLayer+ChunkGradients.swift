import Kernels

extension ParameterLayout.LayerSlots {
  /// The chunk-level half of every cell's backward pass: one GEMM per weight gradient over all
  /// N = T·B rows, the two bias gradients, and ∂loss/∂input.
  ///
  /// - inputSide: (N, G) ∂loss/∂(x·W_ihᵀ + b_ih).   - hiddenSide: (N, G) ∂loss/∂(h·W_hhᵀ + b_hh):
  ///   the same buffer as `inputSide` for LSTM and RNN, GRU's separate one for its n gate.
  /// - input: the layer's input, (N, In) rows or the folded embedding.
  /// - previousHidden: (N, H) h_0 … h_{T−1}.
  /// - inputGradient: (N, In) out: ∂loss/∂input, or nil when not needed. Written last, so it
  ///   may be the buffer `scratch` points into.
  /// - scratch: memory the weight gradients may use for their split over the rows
  ///   (``addTransposedProduct(m:n:k:a:lda:b:ldb:c:ldc:scratch:)``), and the bias sums: the
  ///   layer's ∂loss/∂h buffer, free once the recurrence's backward has run.
  /// - gradients: accumulated into the layer's four tensors (and, for a folded input, into the
  ///   embedding's: see ``FoldedEmbedding``).
  func accumulateChunkGradients(
    parameters: FloatBuffer, layout: ParameterLayout, gradients: FloatBuffer,
    rows N: Int, gateRows G: Int, inputSize: Int, hidden H: Int,
    input: LayerInput, previousHidden: UnsafePointer<Float>,
    inputSide: UnsafePointer<Float>, hiddenSide: UnsafePointer<Float>,
    inputGradient: UnsafeMutablePointer<Float>?, scratch: UnsafeMutableBufferPointer<Float>
  ) {
    let wIH = parameters.pointer(to: layout.slots[weightIH])
    // ∂b_ih = Σ_n inputSide[n]: the column sums of the N rows, or of the folded table's V rows
    // (each row n was added to exactly one of them), 30 times fewer for a character model.
    let inputSideSums: (matrix: UnsafePointer<Float>, rows: Int)
    switch input {
    case .rows(let x):
      addTransposedProduct(
        m: G, n: inputSize, k: N, a: inputSide, lda: G, b: x, ldb: inputSize,
        c: gradients.pointer(to: layout.slots[weightIH]), ldc: inputSize, scratch: scratch)
      inputSideSums = (inputSide, N)
    case .folded(let f):
      // ∂P: the gradient rows scattered onto their symbols' rows of the table.
      f.table.update(repeating: 0, count: f.vocab * G)
      Embedding.backward(outputGradient: inputSide, ids: f.ids, count: N, width: G, weightGradient: f.table)
      let embedding = layout.slots[layout.embedding]
      matmul(
        transposeA: true, m: G, n: inputSize, k: f.vocab, a: f.table, lda: G, b: parameters.pointer(to: embedding),
        ldb: inputSize, beta: 1, c: gradients.pointer(to: layout.slots[weightIH]), ldc: inputSize)
      matmul(
        m: f.vocab, n: inputSize, k: G, a: f.table, lda: G, b: wIH, ldb: inputSize, beta: 1,
        c: gradients.pointer(to: embedding), ldc: inputSize)
      inputSideSums = (UnsafePointer(f.table), f.vocab)
    }
    addTransposedProduct(
      m: G, n: H, k: N, a: hiddenSide, lda: G, b: previousHidden, ldb: H,
      c: gradients.pointer(to: layout.slots[weightHH]), ldc: H, scratch: scratch)
    let (biasIHGradient, biasHHGradient) = (
      gradients.pointer(to: layout.slots[biasIH]), gradients.pointer(to: layout.slots[biasHH])
    )
    if hiddenSide == inputSide, let sums = scratch.baseAddress, scratch.count >= G {
      // LSTM and RNN: both biases get the same gradient; sum once (scratch is free again).
      sums.update(repeating: 0, count: G)
      VectorOps.addColumnSums(of: inputSideSums.matrix, rows: inputSideSums.rows, columns: G, to: sums)
      VectorOps.add(sums, to: biasIHGradient, count: G)
      VectorOps.add(sums, to: biasHHGradient, count: G)
    } else {
      VectorOps.addColumnSums(of: inputSideSums.matrix, rows: inputSideSums.rows, columns: G, to: biasIHGradient)
      VectorOps.addColumnSums(of: hiddenSide, rows: N, columns: G, to: biasHHGradient)
    }
    if case .rows = input, let inputGradient {
      matmul(m: N, n: inputSize, k: G, a: inputSide, lda: G, b: wIH, ldb: inputSize, c: inputGradient, ldc: inputSize)
    }
  }
}
