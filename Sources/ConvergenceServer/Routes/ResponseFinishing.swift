import ConvergenceCore
import ConvergenceHTTP
import ConvergenceShared
import ConvergenceStore

/// What every response goes through on its way out of a worker: the headers
/// the request earned whatever the handler did (rate-limit state), and the
/// request metrics in shared memory.
enum ResponseFinishing {
    static func finish(_ response: inout Response, _ request: Request, _ context: RequestContext, _ started: MonotonicInstant) {
        if !context.rateLimitLines.isEmpty {
            response.headerLines.append(contentsOf: context.rateLimitLines)
            context.rateLimitLines.removeAll(keepingCapacity: true)
        }
        response.headerLines.append(contentsOf: context.workerLine)
        // Secret-bearing routes all begin "/a…": most answers (every check) skip the hash.
        if response.endpoint.utf8.dropFirst().first == UInt8(ascii: "a"), ResponseFinishing.secretBearing.contains(response.endpoint) {
            // Set here, not by nginx, so that it holds behind any front end.
            response.headers.append(HTTPField("Cache-Control", "no-store"))
        }
        CacheInvalidation.afterResponse(response, method: request.method, context: context)
        let key = EndpointStatus(endpoint: response.endpoint, status: response.status.code)
        let series = context.endpointSeries.bundle(key) {
            EndpointSeries(context.metrics, endpoint: key.endpoint, status: key.status, seedNames: context.config.metricsSeedNames)
        }
        series?.record(elapsedMs: MonotonicInstant.now().milliseconds(since: started))
    }

    /// Routes whose answers can carry a secret (a new or rotated key): no cache
    /// may keep them (every method and status of the route, for simplicity).
    static let secretBearing: Set<String> = ["/api/v1/customers/onboard", "/admin/keys", "/admin/keys/{key_id}/rotate"]

    /// PostgreSQL failures that are not bugs, counted by kind.
    static func mapError(_ error: any Error, _ context: RequestContext) -> APIError? {
        guard let mapped = mapStoreError(error) else { return nil }
        context.metrics.add(MetricFamilies.postgresErrors, [mapped.code == "database_unavailable" ? "connection" : "query"])
        return mapped
    }

    /// Database failures that are not bugs: PostgreSQL unreachable → 503, rejected data → 400.
    static func mapStoreError(_ error: any Error) -> APIError? {
        guard let error = error as? PostgresError else { return nil }
        if error.isConnectionFailure {
            return APIError(.serviceUnavailable, code: "database_unavailable", message: "The database is unreachable; retry shortly.")
        }
        if let state = error.sqlState, state.hasPrefix("22") {
            return APIError.badRequest("invalid_value", "A value in the request cannot be stored (for example a NUL character).")
        }
        return nil
    }
}
