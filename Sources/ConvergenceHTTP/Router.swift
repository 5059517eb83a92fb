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
        // An exact literal path first; anything else (other methods for a 405, slashes
        // to normalise, parameters) takes the general walk below.
        if let candidates = literalRoutes[path] {
            for index in candidates where Router.handles(routes[index].method, method) {
                return .found(routes[index], parameters: [:])
            }
        }
        var parts: [Substring] = []
        parts.reserveCapacity(8)
        var rest = Substring(path)
        while !rest.isEmpty {
            let end = rest.utf8.firstIndex(of: UInt8(ascii: "/")) ?? rest.endIndex
            if end != rest.startIndex { parts.append(rest[..<end]) }
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
            response = .error(APIError(.notFound, code: "not_found", message: "No route matches this path."),
                              requestID: request.requestID)
        }
        response.headers.append(HTTPField("X-Request-ID", request.requestID))
        return response
    }
}
