/// Who sent a check, as far as policy scopes care: the calling key and the department
/// it belongs to. A key's stored department wins over the check's `context.department`
/// (a client cannot move itself into a laxer department); the context is the fallback
/// for keys without one.
public struct Caller: Sendable, Equatable {
    public let keyID: String
    /// The key's own department (`POST /admin/keys` with `department`), if it has one.
    public let department: String?

    public init(keyID: String, department: String? = nil) {
        self.keyID = keyID
        self.department = department
    }

    /// The department `applies_to.departments` is matched against.
    func department(of request: CheckRequest) -> String? { department ?? request.context.string("department") }
}
