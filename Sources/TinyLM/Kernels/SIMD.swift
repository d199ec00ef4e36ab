// Loads and stores of 16 floats, the vector width every kernel works in. The loads are
// unaligned: buffers are carved from one allocation at any float offset.

/// Loads 16 floats.
@inline(__always) func load16(_ pointer: UnsafePointer<Float>) -> SIMD16<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

/// Loads 16 floats.
@inline(__always) func load16(_ pointer: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
  UnsafeRawPointer(pointer).loadUnaligned(as: SIMD16<Float>.self)
}

/// Stores 16 floats.
@inline(__always) func store16(_ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>) {
  UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD16<Float>.self)
}

/// Loads `count` (< 16) floats into the low lanes of a zero vector.
@inline(__always) func loadPartial(_ pointer: UnsafePointer<Float>, _ count: Int)
  -> SIMD16<Float>
{
  var v = SIMD16<Float>()
  for i in 0..<count { v[i] = pointer[i] }
  return v
}

/// Stores the low `count` (< 16) lanes of `value`.
@inline(__always) func storePartial(
  _ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, _ count: Int
) {
  for i in 0..<count { pointer[i] = value[i] }
}

/// A full load when `width` is 16, else a partial one.
@inline(__always) func loadPartialOrFull(_ pointer: UnsafePointer<Float>, _ width: Int)
  -> SIMD16<Float>
{
  width == 16 ? load16(pointer) : loadPartial(pointer, width)
}

/// A full load when `width` is 16, else a partial one.
@inline(__always) func loadPartialOrFull(_ pointer: UnsafeMutablePointer<Float>, _ width: Int)
  -> SIMD16<Float>
{
  width == 16 ? load16(pointer) : loadPartial(pointer, width)
}

/// A full store when `width` is 16, else a partial one.
@inline(__always) func storePartialOrFull(
  _ value: SIMD16<Float>, _ pointer: UnsafeMutablePointer<Float>, _ width: Int
) {
  if width == 16 { store16(value, pointer) } else { storePartial(value, pointer, width) }
}
