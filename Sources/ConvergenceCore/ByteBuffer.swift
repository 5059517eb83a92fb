import Glibc

/// Where hot paths write bytes: a `[UInt8]` or a `ByteBuffer`.
public protocol ByteSink {
    mutating func append(_ byte: UInt8)
    mutating func append(contentsOf bytes: UnsafeBufferPointer<UInt8>)
}

extension Array: ByteSink where Element == UInt8 {}

extension ByteSink {
    public mutating func append(_ text: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    public mutating func append(utf8 text: String) {
        text.withUTF8Bytes { append(contentsOf: $0) }
    }

    public mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value < 0 { append(UInt8(ascii: "-")) }
        var magnitude = UInt64(value.magnitude)
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var n = 20
            repeat {
                n -= 1
                digits[n] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            append(contentsOf: UnsafeBufferPointer(rebasing: digits[n...]))
        }
    }
}

/// A growable byte buffer that one thread reuses from request to request (the
/// response, the audit row). Appending is a capacity check and a memcpy; an
/// `Array`'s `append(contentsOf:)` costs several times that per call, and a
/// response or audit row is written in dozens of small pieces.
///
/// Its state lives behind a pointer rather than in stored `var`s: a class's
/// stored properties get a dynamic exclusivity check on every access, which
/// cost more than the appends themselves.
public final class ByteBuffer: ByteSink {
    private struct State {
        var count: Int
        var capacity: Int
        var storage: UnsafeMutablePointer<UInt8>
    }

    private let state: UnsafeMutablePointer<State>

    public init(capacity: Int = 1024) {
        let capacity = max(16, capacity)
        state = .allocate(capacity: 1)
        state.initialize(to: State(count: 0, capacity: capacity, storage: .allocate(capacity: capacity)))
    }

    deinit {
        state.pointee.storage.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    public var count: Int { state.pointee.count }
    public var isEmpty: Bool { state.pointee.count == 0 }

    /// Empties the buffer; memory beyond `keeping` bytes is given back (one large
    /// answer does not pin its size for the thread's life).
    public func removeAll(keeping: Int = 1 << 20) {
        state.pointee.count = 0
        if state.pointee.capacity > keeping {
            state.pointee.storage.deallocate()
            state.pointee.capacity = max(16, keeping / 16)
            state.pointee.storage = .allocate(capacity: state.pointee.capacity)
        }
    }

    @inline(__always)
    public func append(_ byte: UInt8) {
        let count = state.pointee.count
        if count == state.pointee.capacity { grow(to: count + 1) }
        state.pointee.storage[count] = byte
        state.pointee.count = count + 1
    }

    public func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        let count = state.pointee.count
        if state.pointee.capacity - count < bytes.count { grow(to: count + bytes.count) }
        (state.pointee.storage + count).update(from: source, count: bytes.count)
        state.pointee.count = count + bytes.count
    }

    public func append(contentsOf bytes: UnsafeRawBufferPointer) {
        append(contentsOf: bytes.bindMemory(to: UInt8.self))
    }

    /// Drops everything after the first `length` bytes.
    public func truncate(to length: Int) {
        precondition(length >= 0 && length <= count, "truncate past the end")
        state.pointee.count = length
    }

    public subscript(index: Int) -> UInt8 {
        get {
            precondition(index >= 0 && index < count, "index out of range")
            return state.pointee.storage[index]
        }
        set {
            precondition(index >= 0 && index < count, "index out of range")
            state.pointee.storage[index] = newValue
        }
    }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: state.pointee.storage, count: count))
    }

    public func withUnsafeBufferPointer<R>(from start: Int = 0, _ body: (UnsafeBufferPointer<UInt8>) throws -> R) rethrows -> R {
        precondition(start >= 0 && start <= count, "start past the end")
        return try body(UnsafeBufferPointer(start: state.pointee.storage + start, count: count - start))
    }

    /// The contents as an array (one allocation, one copy).
    public var array: [UInt8] {
        let count = self.count
        let storage = state.pointee.storage
        return [UInt8](unsafeUninitializedCapacity: count) { out, initialized in
            if count > 0 { out.baseAddress!.initialize(from: storage, count: count) }
            initialized = count
        }
    }

    private func grow(to needed: Int) {
        var newCapacity = state.pointee.capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: state.pointee.storage, count: state.pointee.count)
        state.pointee.storage.deallocate()
        state.pointee.storage = grown
        state.pointee.capacity = newCapacity
    }
}
