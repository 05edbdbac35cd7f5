import Kernels

/// The hidden and cell state carried between chunks, for L layers and B streams.
///
/// - h: (L, B, H)   - c: (L, B, H) (unused by cells without a cell state)
public struct RecurrentState: Sendable {
  /// L: layers.
  public let layers: Int
  /// B: independent streams.
  public let batch: Int
  /// H: hidden units.
  public let hidden: Int
  /// Hidden state, (L, B, H).
  public let h: FloatBuffer
  /// Cell state, (L, B, H).
  public let c: FloatBuffer

  /// A zero state.
  public init(layers: Int, batch: Int, hidden: Int) {
    self.layers = layers
    self.batch = batch
    self.hidden = hidden
    h = FloatBuffer(count: layers * batch * hidden)
    c = FloatBuffer(count: layers * batch * hidden)
  }

  /// A zero state shaped for `config` and `batch` streams.
  public init(config: ModelConfig, batch: Int) {
    self.init(layers: config.layers, batch: batch, hidden: config.hiddenSize)
  }

  /// Resets every value to zero (e.g. at the start of an epoch).
  public func reset() {
    h.zero()
    c.zero()
  }

  /// A deep copy.
  public func clone() -> RecurrentState {
    let s = RecurrentState(layers: layers, batch: batch, hidden: hidden)
    s.h.copy(from: h)
    s.c.copy(from: c)
    return s
  }

  /// Layer k's hidden state, (B, H).
  @inlinable public func h(layer k: Int) -> UnsafeMutablePointer<Float> { h.pointer + k * batch * hidden }
  /// Layer k's cell state, (B, H).
  @inlinable public func c(layer k: Int) -> UnsafeMutablePointer<Float> { c.pointer + k * batch * hidden }
}
