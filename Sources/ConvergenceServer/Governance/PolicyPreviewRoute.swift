import ConvergenceAudit
import ConvergenceCore
import ConvergenceGovernance
import ConvergenceHTTP
import ConvergenceJSON
import ConvergenceStore
import Foundation

/// `POST /policies/preview`: what a draft policy would have done to a customer's recorded
/// checks, before anyone switches it on. Reads the audit trail (the read database when one
/// is configured), changes nothing, and writes no audit record of its own.
enum PolicyPreviewRoute {
    static let fields: Set<String> = ["customer_id", "policy_id", "rules", "mode", "since", "until", "limit"]
    static let defaultWindowMicros: Int64 = 7 * 86_400 * 1_000_000
    static let maxWindowMicros: Int64 = 90 * 86_400 * 1_000_000
    static let maxLimit = 1_000_000
    static let defaultLimit = 100_000
    /// A replay stops reading after this long and says so (`time_limit_reached`).
    static let timeLimitMs = 8_000
    /// Records read per statement: the replay streams, it never holds the window.
    static let pageSize = 5_000

    static func register(on router: inout Router<RequestContext>) {
        router.post("/policies/preview") { request, context in try preview(request, context) }
    }

    static func preview(_ request: Request, _ context: RequestContext) throws -> Response {
        _ = try Authenticator.requireAdmin(request, context)
        let body = try PolicyRoutes.objectBody(request)
        if let unknown = body.members.first(where: { !fields.contains($0.key) }) {
            throw APIError.badRequest("invalid_field",
                                      "\(unknown.key.shownInMessage()) is not a field of a preview (\(fields.sorted().joined(separator: ", "))).")
        }
        guard let rawRules = body["rules"] else { throw APIError.badRequest("invalid_rules", "rules (the draft's rules) is required.") }
        let rules = try PolicyRoutes.parseRules(rawRules)
        let repository = PolicyRepository(db: context.database)
        // The draft replaces an existing policy (policy_id) or joins the customer's policies.
        var replaced: PolicyRecord?
        if let named = body["policy_id"] {
            guard case .string(let id) = named, id.hasPrefix("pol_"), id.utf8.count <= 64 else {
                throw APIError.badRequest("invalid_policy_id", "policy_id must be a policy's id (pol_…).")
            }
            guard let found = try repository.find(id: id) else { throw PolicyRoutes.unknownPolicy }
            replaced = found
        }
        var customerID: String
        switch body["customer_id"] {
        case .string(let named)?:
            customerID = try CustomerRoutes.resolve(named, context).lowercased()
            guard try context.identity.customer(id: customerID) != nil else { throw CustomerRoutes.unknownCustomer }
            if let replaced, replaced.customerID != customerID {
                throw APIError.badRequest("invalid_policy_id", "policy_id names another customer's policy.")
            }
        case nil where replaced != nil: customerID = replaced!.customerID
        default: throw APIError.badRequest("invalid_customer_id", "customer_id (the customer's UUID or tenant_id) is required without policy_id.")
        }
        let mode = try PolicyRoutes.mode(body) ?? replaced?.mode ?? .enforce
        let now = AuditRecord.nowMicros()
        let until = try instant(body, "until") ?? now
        let since = try instant(body, "since") ?? (until - defaultWindowMicros)
        guard since < until else { throw APIError.badRequest("invalid_range", "since must be earlier than until.") }
        guard until - since <= maxWindowMicros else { throw APIError.badRequest("invalid_range", "A preview window is at most 90 days.") }
        var limit = defaultLimit
        if let value = body["limit"] {
            guard case .number(let n) = value, n.rounded() == n, n >= 1, n <= Double(maxLimit) else {
                throw APIError.badRequest("invalid_limit", "limit must be an integer from 1 to \(maxLimit).")
            }
            limit = Int(n)
        }

        let active = try repository.active(customerID: customerID)
        let draftPolicy = Policy(id: replaced?.id ?? "draft", version: (replaced?.version ?? 0) + 1, mode: mode, rules: rules)
        let draft = active.filter { $0.id != replaced?.id } + [draftPolicy]
        let run = PolicyReplay.Run(current: PolicySet(active), draft: PolicySet(draft))
        let read = try replay(customerID: customerID, since: since, until: until, limit: limit, into: run, context)
        return .rawJSON(JSONSerializer.bytes(json(run.summary, customerID: customerID, since: since, until: until, read: read, draft: draftPolicy)))
    }

    static func instant(_ body: JSONObject, _ name: String) throws(APIError) -> Int64? {
        guard let value = body[name] else { return nil }
        guard case .string(let text) = value, let micros = RFC3339.parseMicros(text) else {
            throw APIError.badRequest("invalid_\(name)", "\(name) must be an RFC 3339 time such as 2026-01-31T12:00:00Z.")
        }
        return micros
    }

    struct Read {
        /// Older records in the window were left out (the newest `limit` were replayed).
        var truncated = false
        /// The time limit stopped the replay before the newest records.
        var timeLimitReached = false
    }

    /// Streams the customer's newest `limit` check records of the window into `run`, oldest
    /// first, a page at a time (keyset on the per-customer index), with each key's department
    /// as it is now (a check's own context is not kept). Stops at the time limit.
    static func replay(customerID: String, since: Int64, until: Int64, limit: Int, into run: PolicyReplay.Run,
                       _ context: RequestContext) throws -> Read {
        let db = context.auditReadDatabase
        let started = MonotonicInstant.now()
        let window = "a.kind = 'check' AND a.customer_id = $1::uuid AND a.created_at >= $2::timestamptz AND a.created_at < $3::timestamptz"
        let bounds: [any PostgresEncodable] = [customerID, AuditRecord.timestampText(micros: since), AuditRecord.timestampText(micros: until)]
        var read = Read()
        // The newest record left out by the limit, if any: the replay starts after it.
        var after: (micros: Int64, id: String)?
        if let edge = try db.query("""
            SELECT (extract(epoch FROM a.created_at) * 1000000)::bigint AS created_us, a.id::text AS id FROM convergence.audit_log a
            WHERE \(window) ORDER BY a.created_at DESC, a.id DESC OFFSET \(limit) LIMIT 1
            """, bounds, idempotent: true).rows.first {
            after = (try edge.decode("created_us"), try edge.decode("id"))
            read.truncated = true
        }
        let edge = after
        // `nil`: the first page (after the edge, if the limit cut the window).
        func send(after next: (micros: Int64, id: String)?) throws {
            var parameters = bounds
            var keyset = ""
            if let after = next ?? edge {
                parameters += [AuditRecord.timestampText(micros: after.micros), after.id]
                keyset = " AND (a.created_at, a.id) > ($4::timestamptz, $5::uuid)"
            }
            try db.send("""
                SELECT a.request_id, (extract(epoch FROM a.created_at) * 1000000)::bigint AS created_us, a.id::text AS id,
                       a.operations::text AS operations, a.reasons::text AS reasons, a.key_id, k.department
                FROM convergence.audit_log a LEFT JOIN convergence.api_keys k ON k.key_id = a.key_id
                WHERE \(window)\(keyset)
                ORDER BY a.created_at, a.id
                LIMIT \(pageSize)
                """, parameters)
        }
        // Pages are read and parsed on a thread of their own while this one replays: PostgreSQL
        // writes a page only as fast as it is read, so reading between replays left a core idle.
        let feed = PageFeed()
        let fetch = PageFetch(db: db, feed: feed, send: { try send(after: $0) }, started: started)
        let thread = Thread { fetch.run() }
        thread.start()
        while let page = feed.next() { run.add(page: page) }
        read.timeLimitReached = feed.timeLimitReached
        if let failure = feed.failure { throw failure }
        return read
    }

    /// Pages handed from the fetching thread to the replaying one: at most two wait, so a slow
    /// replay holds back the reading rather than memory growing.
    final class PageFeed: @unchecked Sendable {
        // @unchecked: every field is read and written under `condition`.
        private let condition = NSCondition()
        private var pages: [[ReplayedCheck]] = []
        private var finished = false
        private var _failure: (any Error)?
        private var _timeLimitReached = false

        func put(_ page: [ReplayedCheck]) {
            condition.lock()
            while pages.count >= 2 { condition.wait() }
            pages.append(page)
            condition.broadcast()
            condition.unlock()
        }

        func finish(timeLimitReached: Bool, failure: (any Error)?) {
            condition.lock()
            (finished, _timeLimitReached, _failure) = (true, timeLimitReached, failure)
            condition.broadcast()
            condition.unlock()
        }

        /// The next page; nil once the fetch has finished and every page was taken.
        func next() -> [ReplayedCheck]? {
            condition.lock()
            defer { condition.unlock() }
            while pages.isEmpty && !finished { condition.wait() }
            guard !pages.isEmpty else { return nil }
            condition.broadcast()
            return pages.removeFirst()
        }

        var failure: (any Error)? { condition.lock(); defer { condition.unlock() }; return _failure }
        var timeLimitReached: Bool { condition.lock(); defer { condition.unlock() }; return _timeLimitReached }
    }

    /// The fetching side: sends the next page's statement before parsing the page just read.
    final class PageFetch: @unchecked Sendable {
        // @unchecked: the request's thread hands the connection and `send` to this object and does not
        // touch them again until `feed` says the fetch has finished (the feed's lock orders the two).
        let db: PostgresConnection
        let feed: PageFeed
        let send: ((micros: Int64, id: String)?) throws -> Void
        let started: MonotonicInstant

        init(db: PostgresConnection, feed: PageFeed, send: @escaping ((micros: Int64, id: String)?) throws -> Void, started: MonotonicInstant) {
            (self.db, self.feed, self.send, self.started) = (db, feed, send, started)
        }

        func run() {
            var inFlight = false
            var limited = false
            do {
                try send(nil)
                inFlight = true
                while inFlight {
                    let rows = try db.receive(sql: "preview page").rows
                    inFlight = false
                    let full = rows.count == pageSize
                    if full, MonotonicInstant.now().milliseconds(since: started) >= Double(timeLimitMs) {
                        limited = true
                    } else if full, let last = rows.last {
                        try send((try last.decode("created_us"), try last.decode("id")))
                        inFlight = true
                    }
                    feed.put(try checks(rows))
                }
                feed.finish(timeLimitReached: limited, failure: nil)
            } catch {
                if inFlight { db.close() } // a statement left unanswered must not meet the connection's next user
                feed.finish(timeLimitReached: limited, failure: error)
            }
        }
    }

    /// The page's records as checks to replay (on the fetching thread, while the previous page is replayed).
    static func checks(_ rows: [PostgresRow]) throws(PostgresError) -> [ReplayedCheck] {
        var checks: [ReplayedCheck] = []
        checks.reserveCapacity(rows.count)
        for row in rows {
            guard let operations: String = try row.decodeIfPresent("operations") else { continue }
            let keyID: String? = try row.decodeIfPresent("key_id")
            guard let check = ReplayedCheck(requestID: try row.decode("request_id"), createdAtMicros: try row.decode("created_us"),
                                            operationsJSON: operations, reasonsJSON: try row.decodeIfPresent("reasons"),
                                            caller: Caller(keyID: keyID ?? "", department: try row.decodeIfPresent("department")))
            else { continue }
            checks.append(check)
        }
        return checks
    }

    static func json(_ s: PolicyReplay.Summary, customerID: String, since: Int64, until: Int64, read: Read, draft: Policy) -> JSONValue {
        func tally(_ t: PolicyReplay.Tally) -> JSONValue {
            .object(["allowed": .number(Double(t.allowed)), "blocked": .number(Double(t.blocked)), "would_block": .number(Double(t.wouldBlock))])
        }
        func iso(_ micros: Int64) -> String {
            let t = AuditRecord.timestampText(micros: micros) // "YYYY-MM-DD HH:MM:SS.ffffff+00"
            return String(t.prefix(10)) + "T" + String(t.dropFirst(11).prefix(15)) + "Z"
        }
        func changes(_ list: [PolicyReplay.Change]) -> JSONValue {
            .array(list.map {
                .object(["request_id": .string($0.requestID), "created_at": .string(iso($0.createdAtMicros)),
                         "current": .string($0.currentAllowed ? "allow" : "block"), "draft": .string($0.draftAllowed ? "allow" : "block"),
                         "rules": .array($0.rules.map { .string($0) })])
            })
        }
        var out = JSONObject()
        out["customer_id"] = .string(customerID)
        out["since"] = .string(iso(since))
        out["until"] = .string(iso(until))
        out["replayed"] = .number(Double(s.replayed))
        out["truncated"] = .bool(read.truncated)
        out["time_limit_reached"] = .bool(read.timeLimitReached)
        out["current"] = tally(s.current)
        out["draft"] = tally(s.draft)
        out["newly_blocked"] = .number(Double(s.newlyBlocked))
        out["newly_allowed"] = .number(Double(s.newlyAllowed))
        // Per day of the span replayed (the window, or from the oldest record replayed when the limit cut it).
        let from = read.truncated ? (s.oldestMicros ?? since) : since
        let to = read.timeLimitReached ? (s.newestMicros ?? until) : until
        let days = max(Double(to - from) / 86_400_000_000, 1.0 / 24)
        func rate(_ n: Int) -> JSONValue { .number((Double(n) / days * 100).rounded() / 100) }
        out["per_day"] = .object(["replayed": rate(s.replayed), "newly_blocked": rate(s.newlyBlocked), "newly_allowed": rate(s.newlyAllowed)])
        out["by_rule"] = .array(s.byRule.map {
            .object(["policy_id": .string($0.policyID), "rule": .string($0.rule), "mode": .string($0.mode.rawValue),
                     "checks": .number(Double($0.checks))])
        })
        out["changes"] = changes(s.changes)
        out["examples"] = .object(["newly_blocked": changes(s.newlyBlockedExamples), "newly_allowed": changes(s.newlyAllowedExamples)])
        out["draft_policy"] = .object(["id": .string(draft.id), "version": .number(Double(draft.version)), "mode": .string(draft.mode.rawValue),
                                       "rules": draft.rules.json])
        return .object(out)
    }
}
