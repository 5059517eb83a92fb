import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceShared

/// The per-key token bucket in front of every customer-API route. In host scope
/// the bucket lives in shared memory, so the budget is exact however many workers
/// serve the key and the decision never waits on anything; in cluster scope it is
/// central and leased (`ClusterRateGate`).
enum RateLimitGate {
    static func rule(for key: KeyRecord, config: Config) -> RateLimitRule {
        key.rateLimit ?? (key.tier == "pro" ? config.rateLimitPro : config.rateLimitFree)
    }

    /// Takes a token for `key`; throws 429 `rate_limited` when the bucket is empty.
    /// Allowed requests get the headers through `context.rateLimitLines`.
    static func admit(_ key: KeyRecord, _ context: RequestContext) throws(APIError) {
        guard context.config.rateLimitEnabled else { return }
        let rule = rule(for: key, config: context.config)
        let decision = context.config.rateLimitScope == .cluster
            ? try ClusterRateGate.take(keyID: key.keyID, rule: rule, context) : context.limiter.take(key: key.keyID, rule: rule)
        let nowUnix = WallClock.unixSeconds()
        guard decision.allowed else {
            let headers = headers(decision, nowUnix: nowUnix)
            context.metrics.add(MetricFamilies.rateLimited, [key.rateLimit != nil ? "key" : (key.tier ?? "free")])
            throw APIError(.tooManyRequests, code: "rate_limited",
                           message: "Rate limit of \(rule.limit) requests per \(rule.periodSeconds) s exceeded; "
                               + "retry in \(decision.retryAfterSeconds) s.",
                           headers: headers + [HTTPField("Retry-After", String(decision.retryAfterSeconds))])
        }
        context.rateLimitLines.removeAll(keepingCapacity: true)
        headerLines(decision, nowUnix: nowUnix, into: &context.rateLimitLines)
    }

    /// For an error response (429), which carries its headers as fields: the same
    /// lines as an allowed request gets, split (a cold path).
    static func headers(_ d: RateDecision, nowUnix: Int64) -> [HTTPField] {
        var lines: [UInt8] = []
        headerLines(d, nowUnix: nowUnix, into: &lines)
        return lines.split(separator: 0x0A).compactMap { line in
            guard let colon = line.firstIndex(of: 0x3A) else { return nil }
            return HTTPField(String(decoding: line[..<colon], as: UTF8.self),
                             String(decoding: line[(colon + 2)...].dropLast(), as: UTF8.self)) // ": " and "\r"
        }
    }

    /// The classic X-RateLimit-* trio plus the IETF httpapi draft's RateLimit-Policy / RateLimit,
    /// as `Name: value\r\n` lines: every allowed customer request carries them, so they are
    /// written through a pointer into stack memory and appended once.
    static func headerLines(_ d: RateDecision, nowUnix: Int64, into out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: LineWriter.capacity) { buffer in
            var w = LineWriter(base: buffer.baseAddress!)
            w.put("X-RateLimit-Limit: "); w.decimal(Int64(d.limit)); w.put("\r\n")
            w.put("X-RateLimit-Remaining: "); w.decimal(Int64(d.remaining)); w.put("\r\n")
            w.put("X-RateLimit-Reset: "); w.decimal(nowUnix + Int64(d.resetAfterSeconds)); w.put("\r\n")
            w.put("RateLimit-Policy: \"key\";q="); w.decimal(Int64(d.limit)); w.put(";w="); w.decimal(Int64(d.periodSeconds)); w.put("\r\n")
            w.put("RateLimit: \"key\";r="); w.decimal(Int64(d.remaining)); w.put(";t=")
            w.decimal(Int64(d.allowed ? d.resetAfterSeconds : d.retryAfterSeconds)); w.put("\r\n")
            out.append(contentsOf: UnsafeBufferPointer(start: buffer.baseAddress, count: w.count))
        }
    }

    /// Bytes written forward from a pointer into uninitialised stack memory; the capacity
    /// covers the fixed text (122 bytes) and seven numbers of up to 20 characters each.
    private struct LineWriter {
        static let capacity = 384
        let base: UnsafeMutablePointer<UInt8>
        var count = 0

        mutating func put(_ text: StaticString) {
            (base + count).initialize(from: text.utf8Start, count: text.utf8CodeUnitCount)
            count += text.utf8CodeUnitCount
        }

        mutating func decimal(_ value: Int64) {
            if value < 0 { base[count] = UInt8(ascii: "-"); count += 1 }
            var magnitude = value.magnitude
            var digits = 1
            var probe = magnitude
            while probe >= 10 { probe /= 10; digits += 1 }
            var i = count + digits
            count = i
            repeat {
                i -= 1
                base[i] = UInt8(48 + magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
        }
    }
}
