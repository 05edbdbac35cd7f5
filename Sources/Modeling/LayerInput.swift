import Kernels

/// What a recurrent layer reads over a chunk of N = T·B rows, and how its input projection
/// x·W_ihᵀ is formed.
///
/// Layer 0 reads embedded symbols, and x·W_ihᵀ = Emb[id]·W_ihᵀ is a row of the table
/// P = Emb·W_ihᵀ (V, width). When V is small against N (character models: V ≈ 100, N ≈ 2,000),
/// computing P once per chunk and gathering its rows replaces the N × E × width products of
/// the projection and of both its gradients with V × E × width ones (see ``folded``).
enum LayerInput {
  /// (N, In) rows: the embedded symbols, or the outputs of the layer below.
  case rows(UnsafePointer<Float>)
  /// Layer 0 with the embedding folded into W_ih.
  case folded(FoldedEmbedding)
}

/// Layer 0's input as token ids and the table P = Emb·W_ihᵀ.
///
/// Forward: row n of the projection is P[ids[n]] (an embedding lookup in P). Backward, with
/// D = ∂loss/∂projection (N, width): ∂P = Σ_n e_{ids[n]}·D[n] (the embedding's scatter-add),
/// then ∂W_ih += ∂Pᵀ·Emb and ∂Emb += ∂P·W_ih: the same sums as the dense path (∂W_ih += Dᵀ·X,
/// ∂X = D·W_ih, ∂Emb[id] += ∂X[n]) in another order. Emb and its gradient are the model's
/// `embedding.weight` slots.
struct FoldedEmbedding {
  /// (N) input ids.
  let ids: UnsafePointer<Int32>
  /// (V, width): P in the forward; reused for ∂P in the backward.
  let table: UnsafeMutablePointer<Float>
  /// V.
  let vocab: Int

  /// Whether folding pays for a chunk of `rows` symbols: the table costs V rows of products
  /// where the dense path costs N, and its scatter-add is a pass over the N gradient rows.
  static func pays(vocab V: Int, rows N: Int) -> Bool { 2 * V <= N }

  /// Whether one-symbol steps (sampling) read layer 0's projection from the table: a row of G·H
  /// floats a symbol instead of all of W_ih (G·H × E), for a table of V·G·H floats made once. Kept
  /// to at most four times W_ih's memory (V ≤ 4E: character models, not Tang poems' 6,443 symbols,
  /// whose 26 MB table would save 3% of a symbol's bytes). W_ih is 19% of a 1 × 256 model's
  /// weights, 4% of a 2 × 512's.
  static func paysForSteps(vocab V: Int, embedding E: Int) -> Bool { V <= 4 * E }
}

extension ParameterLayout.LayerSlots {
  /// x·W_ihᵀ for all N rows: one GEMM over the rows, or a gather from the folded table
  /// (computed here from the embedding and W_ih).
  ///
  /// - output: (N, width) out, width = the rows of W_ih (G·H).
  func projectInput(
    _ input: LayerInput, parameters: FloatBuffer, layout: ParameterLayout, rows N: Int, inputSize: Int,
    width: Int, output: UnsafeMutablePointer<Float>
  ) {
    let wIH = parameters.pointer(to: layout.slots[weightIH])
    switch input {
    case .rows(let x):
      matmul(
        transposeB: true, m: N, n: width, k: inputSize, a: x, lda: inputSize, b: wIH, ldb: inputSize, c: output,
        ldc: width)
    case .folded(let f):
      foldInput(f, parameters: parameters, layout: layout, inputSize: inputSize, width: width)
      Embedding.forward(weight: f.table, ids: f.ids, count: N, width: width, output: output)
    }
  }

  /// The folded table P = Emb·W_ihᵀ (+ bias, a row of `width` added to each row) into `f.table`,
  /// (V, width): row v is x·W_ihᵀ (+ bias) for symbol v.
  func foldInput(
    _ f: FoldedEmbedding, parameters: FloatBuffer, layout: ParameterLayout, inputSize: Int, width: Int,
    bias: UnsafePointer<Float>? = nil
  ) {
    matmul(
      transposeB: true, m: f.vocab, n: width, k: inputSize, a: parameters.pointer(to: layout.slots[layout.embedding]),
      lda: inputSize, b: parameters.pointer(to: layout.slots[weightIH]), ldb: inputSize, bias: bias, c: f.table,
      ldc: width)
  }
}
