/// A byte-keyed table of distinct symbols: UTF-8 bytes → index (0, 1, 2… in insertion order).
///
/// Keys are bytes, never `Character` or `String`: hashing those is slower and merges canonically
/// equivalent strings ("é" and "e" + U+0301), which must stay apart under normalization `.none`.
/// Single-byte symbols sit in a direct 256-entry table; the others in an open-addressing hash
/// table whose slots keep the first 8 bytes of their symbol, so most probes never touch the
/// symbol storage.
struct SymbolTable: Sendable {
  /// All symbols' bytes, concatenated in index order.
  private(set) var storage: [UInt8] = []
  /// Symbol `i` is `storage[starts[i]..<starts[i + 1]]`.
  private(set) var starts: [Int] = [0]
  private var singleByte = [Int32](repeating: -1, count: 256)
  private var slots: [Int32]  // symbol index, or -1 when empty; count is a power of two
  private var slotKeys: [UInt64]  // the first 8 bytes (little-endian, zero-padded) of the slot's symbol
  private var multiByteCount = 0

  /// Creates an empty table sized for about `capacity` symbols.
  init(capacity: Int = 64) {
    var size = 16
    while size < capacity * 2 { size *= 2 }
    slots = [Int32](repeating: -1, count: size)
    slotKeys = [UInt64](repeating: 0, count: size)
  }

  /// The number of symbols.
  var count: Int { starts.count - 1 }

  /// The bytes of symbol `index`.
  func bytes(of index: Int) -> ArraySlice<UInt8> { storage[starts[index]..<starts[index + 1]] }

  /// The index of the symbol `p[0..<n]` (n ≥ 1), or -1 when absent.
  @inline(__always)
  func index(of p: UnsafePointer<UInt8>, count n: Int) -> Int32 {
    if n == 1 { return singleByte[Int(p[0])] }
    let key = Self.prefixKey(p, n)
    return slots[findSlot(p, n, key)]
  }

  /// Inserts the symbol `p[0..<n]` (n ≥ 1) unless present; returns its index either way.
  @discardableResult
  mutating func insert(_ p: UnsafePointer<UInt8>, count n: Int) -> Int32 {
    if n == 1 {
      let existing = singleByte[Int(p[0])]
      if existing >= 0 { return existing }
      let index = Int32(count)
      singleByte[Int(p[0])] = index
      append(p, n)
      return index
    }
    let key = Self.prefixKey(p, n)
    let slot = findSlot(p, n, key)
    if slots[slot] >= 0 { return slots[slot] }
    let index = Int32(count)
    slots[slot] = index
    slotKeys[slot] = key
    append(p, n)
    multiByteCount += 1
    if multiByteCount * 2 > slots.count { grow() }
    return index
  }

  /// Inserts `bytes` (non-empty) unless present; returns its index.
  @discardableResult
  mutating func insert(_ bytes: [UInt8]) -> Int32 {
    bytes.withUnsafeBufferPointer { insert($0.baseAddress!, count: $0.count) }
  }

  /// The index of `bytes` (non-empty), or nil.
  func index(of bytes: [UInt8]) -> Int? {
    let index = bytes.withUnsafeBufferPointer { self.index(of: $0.baseAddress!, count: $0.count) }
    return index >= 0 ? Int(index) : nil
  }

  // MARK: - Hashing

  private mutating func append(_ p: UnsafePointer<UInt8>, _ n: Int) {
    storage.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
    starts.append(storage.count)
  }

  @inline(__always)
  private static func prefixKey(_ p: UnsafePointer<UInt8>, _ n: Int) -> UInt64 {
    if n >= 8 { return UInt64(littleEndian: UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)) }
    var key: UInt64 = 0
    for i in 0..<n { key |= UInt64(p[i]) &<< UInt64(8 * i) }
    return key
  }

  @inline(__always)
  private static func hash(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: UInt64) -> UInt64 {
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h = (key ^ UInt64(n)) &* multiplier
    var i = 8
    while i < n {
      h = (h ^ prefixKey(p + i, min(8, n - i))) &* multiplier
      h ^= h &>> 31
      i += 8
    }
    h ^= h &>> 29
    h = h &* 0xBF58_476D_1CE4_E5B9
    return h ^ (h &>> 32)
  }

  /// The slot holding `p[0..<n]`, or the empty slot where it would go.
  @inline(__always)
  private func findSlot(_ p: UnsafePointer<UInt8>, _ n: Int, _ key: UInt64) -> Int {
    let mask = slots.count - 1
    var slot = Int(truncatingIfNeeded: Self.hash(p, n, key)) & mask
    while true {
      let index = Int(slots[slot])
      if index < 0 { return slot }
      if slotKeys[slot] == key && matches(index, p, n) { return slot }
      slot = (slot + 1) & mask
    }
  }

  @inline(__always)
  private func matches(_ index: Int, _ p: UnsafePointer<UInt8>, _ n: Int) -> Bool {
    let start = starts[index]
    guard starts[index + 1] - start == n else { return false }
    if n <= 8 { return true }  // the 8-byte prefix key already matched
    for i in 8..<n where storage[start + i] != p[i] { return false }
    return true
  }

  private mutating func grow() {
    let size = slots.count * 2
    var newSlots = [Int32](repeating: -1, count: size)
    var newKeys = [UInt64](repeating: 0, count: size)
    storage.withUnsafeBufferPointer { bytes in
      for index in 0..<count {
        let start = starts[index]
        let n = starts[index + 1] - start
        if n == 1 { continue }
        let p = bytes.baseAddress! + start
        let key = Self.prefixKey(p, n)
        var slot = Int(truncatingIfNeeded: Self.hash(p, n, key)) & (size - 1)
        while newSlots[slot] >= 0 { slot = (slot + 1) & (size - 1) }
        newSlots[slot] = Int32(index)
        newKeys[slot] = key
      }
    }
    slots = newSlots
    slotKeys = newKeys
  }
}
