/// Which admin requests a restricted caller may make (pure rules, unit-tested):
/// read-only keys and cookie sessions are both judged by the method alone.
public enum AdminAccess {
    /// GET and HEAD change nothing; every other method may.
    public static func isReadMethod(_ method: String) -> Bool { method == "GET" || method == "HEAD" }

    public static let readOnlyRefusal = APIError(.forbidden, code: "read_only_key", message: "This admin key is read-only.")
}
