import ConvergenceHTTP
import ConvergenceJSON
import Glibc

/// `POST /_echo`: decodes a JSON body and encodes it back. Off by default
/// (`enable_echo`): the benchmark uses it to measure the JSON request path, and
/// the tests use it for body handling (415, 400, 413) and, with `?delay_ms=`,
/// as a slow request while they signal the server.
enum EchoRoute {
    static let maxDelayMs = 10_000

    static func register(on router: inout Router<RequestContext>) {
        router.post("/_echo", query: ["delay_ms"]) { request, context in
            let value = try request.parseJSONBody()
            if let text = request.queryParameters["delay_ms"] {
                guard let delay = Int(text), (0...maxDelayMs).contains(delay) else {
                    throw APIError.badRequest("invalid_parameter", "delay_ms must be an integer from 0 to \(maxDelayMs).")
                }
                // Stands for a request waiting on PostgreSQL, the one kind of slow request this service has:
                // another thread may serve meanwhile (`active_threads`).
                context.database.waitObserver.waiting { _ = usleep(useconds_t(delay * 1000)) }
            }
            return .rawJSON(JSONSerializer.bytes(value))
        }
    }
}
