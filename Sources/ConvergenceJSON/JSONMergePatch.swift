/// JSON Merge Patch (RFC 7396): an object patch merges member by member into
/// the target (recursively for nested objects), `null` removes a member, and
/// anything else (an array, a scalar) replaces the target whole.
public enum JSONMergePatch {
    public static func apply(_ patch: JSONValue, to target: JSONValue?) -> JSONValue {
        guard case .object(let changes) = patch else { return patch }
        var result: JSONObject
        if case .object(let existing)? = target { result = existing } else { result = JSONObject() }
        for (key, value) in changes {
            if case .null = value {
                result[key] = nil
            } else {
                result[key] = apply(value, to: result[key])
            }
        }
        return .object(result)
    }
}
