/// The nodes of one document, appended while parsing and read-only afterwards.
/// Behind a pointer rather than in an Array: appending and updating a parent's
/// count are then plain stores, without an Array's uniqueness and bounds checks
/// on every node (and its state too sits behind a pointer: a class's stored
/// `var`s get a dynamic exclusivity check on every access). @unchecked
/// Sendable: written only by the parser that created it, before the
/// `JSONDocument` holding it exists; never written after.
final class NodeStorage: @unchecked Sendable {
    private struct State {
        var count: Int
        var capacity: Int
        var base: UnsafeMutablePointer<JSONDocument.Node>
    }

    private let state: UnsafeMutablePointer<State>

    init(capacity: Int) {
        let capacity = max(8, capacity)
        state = .allocate(capacity: 1)
        state.initialize(to: State(count: 0, capacity: capacity, base: .allocate(capacity: capacity)))
    }

    deinit {
        state.pointee.base.deinitialize(count: state.pointee.count)
        state.pointee.base.deallocate()
        state.deinitialize(count: 1)
        state.deallocate()
    }

    var count: Int { state.pointee.count }

    subscript(index: Int) -> JSONDocument.Node {
        get {
            precondition(index >= 0 && index < state.pointee.count, "node index out of range")
            return state.pointee.base[index]
        }
        set {
            precondition(index >= 0 && index < state.pointee.count, "node index out of range")
            state.pointee.base[index] = newValue
        }
    }

    func append(_ node: JSONDocument.Node) {
        let count = state.pointee.count
        if count == state.pointee.capacity {
            let capacity = state.pointee.capacity * 2
            let grown = UnsafeMutablePointer<JSONDocument.Node>.allocate(capacity: capacity)
            grown.moveInitialize(from: state.pointee.base, count: count)
            state.pointee.base.deallocate()
            state.pointee.base = grown
            state.pointee.capacity = capacity
        }
        (state.pointee.base + count).initialize(to: node)
        state.pointee.count = count + 1
    }
}
