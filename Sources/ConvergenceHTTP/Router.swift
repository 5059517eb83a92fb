/// Routes requests by method and path pattern (`/admin/keys/{key_id}/rotate`).
/// Built once at worker start, then shared read-only by every thread.
/// `Context` is whatever per-thread state handlers need (a database connection…).
public struct Router<Context>: Sendable {
    public typealias Handler = @Sendable (Request, Context) throws -> Response

    private struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Segment]
        /// The query parameters it reads; any other is refused before the handler runs.
        let query: Set<String>
        let handler: Handler
    }

    private enum Segment: Sendable, Equatable {
        case literal(String)
        case parameter(String)
    }

    private var routes: [Route] = []
    /// Routes without parameters by their exact path: most requests (`/v1/check`,
    /// `/health`) are found with one hash lookup instead of a walk over every route.
    private var literalRoutes: [String: [Int]] = [:]

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.hasPrefix("{") && part.hasSuffix("}") ? .parameter(String(part.dropFirst().dropLast())) : .literal(String(part))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, query: query, handler: handler))
        if !segments.contains(where: { if case .parameter = $0 { true } else { false } }) {
            literalRoutes["/" + segments.map { if case .literal(let s) = $0 { s } else { "" } }.joined(separator: "/"), default: []]
                .append(routes.count - 1)
        }
    }

    public mutating func get(_ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        add("GET", pattern, query: query, handler)
    }
    public mutating func post(_ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        add("POST", pattern, query: query, handler)
    }
    public mutating func put(_ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        add("PUT", pattern, query: query, handler)
    }
    public mutating func patch(_ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        add("PATCH", pattern, query: query, handler)
    }
    public mutating func delete(_ pattern: String, query: Set<String> = [], _ handler: @escaping Handler) {
        add("DELETE", pattern, query: query, handler)
    }

    public enum Match {
        case found(Handler, parameters: [String: String])
        /// The path exists, but not for this method; `allowed` lists the methods that do.
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        switch find(method: method, path: path) {
        case .found(let route, let parameters): .found(route.handler, parameters: parameters)
        case .methodNotAllowed(let allowed): .methodNotAllowed(allowed: allowed)
        case .notFound: .notFound
        }
    }

    private enum Found {
        case found(Route, parameters: [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    private func find(method: String, path: String) -> Found {
        // An exact literal path first; anything else (other methods for a 405,
        // parameters) takes the general walk below.
        if let candidates = literalRoutes[path] {
            for index in candidates where Router.handles(routes[index].method, method) {
                return .found(routes[index], parameters: [:])
            }
        }
        guard Router.isCanonical(path) else { return .notFound }
        var parts: [Substring] = []
        parts.reserveCapacity(8)
        var rest = Substring(path).dropFirst()
        while !rest.isEmpty {
            let end = rest.utf8.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            parts.append(rest[..<end])
            rest = end == rest.endIndex ? rest[end...] : rest[rest.index(after: end)...]
        }
        var allowed: [String] = []
        for route in routes {
            guard let parameters = Router.bind(route.segments, to: parts) else { continue }
            if Router.handles(route.method, method) {
                return .found(route, parameters: parameters)
            }
            allowed.append(route.method)
        }
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Only canonical paths route: a path nginx would normalise to something
    /// else (it merges slashes, resolves `.` and `..`, decodes `%2F` and `%2E`
    /// before matching its locations) must not reach a handler, or nginx's
    /// access rules (`location /metrics`) and the route would disagree. So: it
    /// starts with `/`, has no empty segment (`//`, a trailing `/` except the
    /// path `/` itself), no `.` or `..` segment, and no percent-encoded slash
    /// or dot anywhere. Anything else is 404 (docs/api.md, "Paths").
    public static func isCanonical(_ path: String) -> Bool {
        let bytes = path.utf8
        guard bytes.first == UInt8(ascii: "/") else { return false }
        if bytes.count == 1 { return true }
        var segmentLength = 0
        var dots = 0 // how many of the segment's bytes so far are leading dots
        var previous: (UInt8, UInt8) = (0, 0)
        for byte in bytes.dropFirst() {
            // %2F, %2f, %2E, %2e
            if previous == (UInt8(ascii: "%"), UInt8(ascii: "2")), byte | 0x20 == UInt8(ascii: "f") || byte | 0x20 == UInt8(ascii: "e") {
                return false
            }
            previous = (previous.1, byte)
            if byte == UInt8(ascii: "/") {
                guard segmentLength > 0, !(dots == segmentLength && dots <= 2) else { return false }
                segmentLength = 0
                dots = 0
            } else {
                segmentLength += 1
                if byte == UInt8(ascii: "."), dots == segmentLength - 1 { dots += 1 }
            }
        }
        return segmentLength > 0 && !(dots == segmentLength && dots <= 2)
    }

    /// HEAD is served by GET handlers (the FastCGI layer drops the body).
    private static func handles(_ routeMethod: String, _ method: String) -> Bool {
        routeMethod == method || (method == "HEAD" && routeMethod == "GET")
    }

    private static func bind(_ segments: [Segment], to parts: [Substring]) -> [String: String]? {
        guard segments.count == parts.count else { return nil }
        // Literals first, without allocating: most routes fail here, and the
        // parameter dictionary is built only for the route that matches.
        var hasParameters = false
        for (segment, part) in zip(segments, parts) {
            switch segment {
            case .literal(let literal):
                guard part.utf8.elementsEqual(literal.utf8) else { return nil }
            case .parameter:
                hasParameters = true
            }
        }
        guard hasParameters else { return [:] }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            guard case .parameter(let name) = segment else { continue }
            guard let decoded = PercentDecoding.decode(part, plusAsSpace: false), !decoded.isEmpty else { return nil }
            parameters[name] = decoded
        }
        return parameters
    }

    /// Runs the matching handler and turns every failure into SPEC.md's error body.
    /// Unexpected errors become 500 `internal_error`, reported through `onUnexpected`.
    public func respond(to request: Request, context: Context, mapError: (any Error) -> APIError? = { _ in nil },
                        onUnexpected: (any Error) -> Void) -> Response {
        var response: Response
        switch find(method: request.method, path: request.path) {
        case .found(let route, let parameters):
            do {
                if !request.query.isEmpty { try QueryRule.check(request.query, allowed: route.query) }
                if parameters.isEmpty {
                    response = try route.handler(request, context)
                } else {
                    var request = request
                    request.pathParameters = parameters
                    response = try route.handler(request, context)
                }
            } catch let error as APIError {
                response = .error(error, requestID: request.requestID)
            } catch {
                if let mapped = mapError(error) {
                    response = .error(mapped, requestID: request.requestID)
                } else {
                    onUnexpected(error)
                    response = .error(.internalError, requestID: request.requestID)
                }
            }
            response.endpoint = route.pattern
        case .methodNotAllowed(let allowed):
            var error = APIError(.methodNotAllowed, code: "method_not_allowed",
                                 message: "\(request.method) is not allowed here; use \(allowed.joined(separator: ", ")).")
            error.headers = [HTTPField("Allow", allowed.joined(separator: ", "))]
            response = .error(error, requestID: request.requestID)
        case .notFound:
            let message = Router.isCanonical(request.path) ? "No route matches this path."
                : "No route matches this path (paths must be canonical: no empty, '.' or '..' segment, no trailing or encoded slash, no encoded dot)."
            response = .error(APIError(.notFound, code: "not_found", message: message), requestID: request.requestID)
        }
        response.headers.append(HTTPField("X-Request-ID", request.requestID))
        return response
    }
}
