import ConvergenceHTTP

/// `POST /_echo`: decodes a JSON body and encodes it back. Off by default
/// (`enable_echo`); the benchmark uses it to measure the JSON request path, and
/// the tests use it to check body handling (415, 400, 413) end to end.
enum EchoRoute {
    static func register(on router: inout Router<RequestContext>) {
        router.post("/_echo") { request, _ in
            let value = try request.decodeJSON(JSONValue.self)
            return try .json(value)
        }
    }
}
