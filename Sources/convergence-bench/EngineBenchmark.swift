import ConvergenceCore
import ConvergenceGovernance
import ConvergencePII
import ConvergenceHTTP
import ConvergenceJSON
import ConvergenceServer
import ConvergenceShared

/// Parse + validate + PII scan + evaluate a typical check against three policies.
enum EngineBenchmark {
    static let body = Array("""
        {"operations": [
          {"type": "llm_call", "model": "gpt-4", "provider": "openai", "tokens": 1200,
           "input": "Summarise the quarterly revenue report for the board and list three risks."},
          {"type": "embedding", "model": "text-embedding-3-small", "tokens": 300},
          {"type": "data_query", "records": 2500, "data_classification": "internal"}],
         "context": {"user_id": "user_123", "session_id": "session_456", "department": "finance",
                     "request": {"ticket": "ORD-2024-000123", "created": "2026-11-25T10:35:00Z", "tags": ["q3", "board"]}}}
        """.utf8)

    static let policies: [Policy] = [
        #"{"max_external_calls": 5, "block_personal_data": true, "#
            + #""allowed_models": ["gpt-4", "claude-3", "text-embedding-3-small"], "max_tokens": 10000}"#,
        #"{"block_threshold": 60, "risk_weights": {"large_dataset": 35}, "large_dataset_records": 5000}"#,
        #"{"max_tokens": 20000, "block_personal_data": true}"#,
    ].enumerated().map { index, text in
        Policy(id: "pol_\(index)", version: 1, mode: index == 2 ? .monitor : .enforce,
               rules: try! PolicyRules.parse(try! JSONParser.parse(Array(text.utf8))))
    }

    /// As a worker caches them.
    static let policySet = PolicySet(policies)

    /// Ten policies using every kind of rule issue 19 added (per-model limits, denials, class
    /// routing, per-kind actions, department and model scopes, a time window, budgets), three of
    /// them conditional, so each check also picks the applying subset. The check stays allowed.
    static let tenPolicies: [Policy] = policies + [
        #"{"models": {"gpt-4*": {"max_tokens": 4000}, "*": {"max_tokens": 8000}}}"#,
        #"{"denied_models": ["o1-*", "*-preview"]}"#,
        #"{"classifications": {"restricted": "block", "confidential": {"allowed_providers": ["internal"]}}}"#,
        #"{"personal_data_actions": {"payment_card": "block", "ip_address": "allow"}}"#,
        #"{"applies_to": {"departments": ["finance"]}, "max_tokens": 5000}"#,
        #"{"applies_to": {"models": ["claude-*"]}, "max_tokens": 100}"#,
        #"{"not_before": "2020-01-01T00:00:00Z", "active": {"tz": "Europe/Berlin", "from": "00:00", "to": "24:00"}, "max_external_calls": 10, "#
            + #""budgets": [{"scope": "key", "metric": "tokens", "limit": 9007199254740992, "period": "1mo", "warn_at": 0.9}]}"#,
    ].enumerated().map { index, text in
        Policy(id: "pol_x\(index)", version: 1, mode: .enforce, rules: try! PolicyRules.parse(try! JSONParser.parse(Array(text.utf8))))
    }

    static let tenPolicySet = PolicySet(tenPolicies)

    /// The calling key, as the check route passes it.
    static let caller = Caller(keyID: "key_bench")

    /// The checks' time (the policies have no time window, so any instant decides the same).
    static let now = WallClock.unixMicros()

    /// The audit record of the benchmark's check.
    static func auditSubject(requestID: String) throws -> CheckAuditRecord.Subject {
        let request = try CheckRequest.from(try JSONDocument.parse(body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        return CheckAuditRecord.Subject(
            request: request, decision: RiskEngine.evaluate(request, policies: policySet, pii: pii, at: now, caller: caller), pii: pii,
            customerID: "0b7e3c1a-1111-4000-8000-000000000001", keyID: "key_bench", requestID: requestID, latencyMicros: 150)
    }

    /// A database that has stored no usage yet (host scope never leases).
    struct NoStoredUsage: BudgetCentral {
        func storedTotal(_ demand: BudgetDemand) -> Int64? { 0 }
        func lease(_ demand: BudgetDemand, want: Int64, need: Int64) -> BudgetGrant { .granted(0, used: 0) }
    }

    /// A central counter that grants plenty (cluster scope's warm path: the keeper keeps hosts supplied).
    struct PlentifulCentral: BudgetCentral {
        func storedTotal(_ demand: BudgetDemand) -> Int64? { 0 }
        func lease(_ demand: BudgetDemand, want: Int64, need: Int64) -> BudgetGrant { .granted(1 << 50, used: 1 << 50) }
    }

    /// Cluster scope's ledger (grants in shared memory), in a region of its own.
    static let clusterLedger = BudgetLedger(region: SharedRegion.inMemory(buckets: 64, series: 64), cluster: (BudgetLeasePlan(), .share))

    /// Budgets kept as the workers keep them (shared memory), in a region of the benchmark's own.
    static let ledger = BudgetLedger(region: SharedRegion.inMemory(buckets: 64, series: 64))

    /// One decision as the check route makes it: budgets reserved first when a policy keeps one,
    /// in arrays the caller reuses (as a worker thread does).
    @inline(__always)
    static func decide(_ request: CheckRequest, _ policySet: PolicySet, pii: [PIIFinding], _ demands: inout [BudgetDemand],
                       _ outcomes: inout [BudgetOutcome]) -> Decision {
        RiskEngine.budgetDemands(request, policies: policySet, at: now, caller: caller, into: &demands)
        guard !demands.isEmpty else { return RiskEngine.evaluate(request, policies: policySet, pii: pii, at: now, caller: caller) }
        ledger.reserve(demands, nowNs: 1, into: &outcomes, central: NoStoredUsage())
        let decision = RiskEngine.evaluate(request, policies: policySet, pii: pii, at: now, caller: caller, budgets: outcomes)
        if !decision.allowed { ledger.refund(outcomes) }
        return decision
    }

    /// Decisions per second on one core for a check parsed and scanned once: what the policies cost
    /// (the applying subset, budgets, every rule), without the JSON parse and the personal-data scan.
    static func decisionsOnly(iterations: Int, policies policySet: PolicySet) -> Double {
        let request = try! CheckRequest.from(try! JSONDocument.parse(body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        var demands: [BudgetDemand] = [], outcomes: [BudgetOutcome] = []
        var allowed = 0
        let start = MonotonicInstant.now()
        for _ in 0..<iterations where decide(request, policySet, pii: pii, &demands, &outcomes).allowed { allowed += 1 }
        let seconds = MonotonicInstant.now().milliseconds(since: start) / 1000
        precondition(allowed == iterations, "the benchmark request should be allowed")
        return Double(iterations) / seconds
    }

    /// Checks per second on one core.
    static func run(iterations: Int, policies policySet: PolicySet = policySet) -> Double {
        var allowed = 0
        var demands: [BudgetDemand] = [], outcomes: [BudgetOutcome] = []
        let start = MonotonicInstant.now()
        for _ in 0..<iterations {
            let request = try! CheckRequest.from(try! JSONDocument.parse(body, maxDepth: 20))
            let decision = decide(request, policySet, pii: PIIDetector.scan(request), &demands, &outcomes)
            if decision.allowed { allowed += 1 }
        }
        let seconds = MonotonicInstant.now().milliseconds(since: start) / 1000
        precondition(allowed == iterations, "the benchmark request should be allowed")
        return Double(iterations) / seconds
    }

    /// The seed's policies plus a fourth without rules, and the same fourth holding a key budget
    /// (tokens per month): the sets differ by the budget alone.
    static func withFourth(_ rules: String) -> PolicySet {
        let rules = try! PolicyRules.parse(try! JSONParser.parse(Array(rules.utf8)))
        return PolicySet(policies + [Policy(id: "pol_budget", version: 1, mode: .enforce, rules: rules)])
    }
    static let unbudgeted = withFourth("{}")
    static let budgeted = withFourth(
        #"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 9007199254740992, "period": "1mo", "warn_at": 0.9}]}"#)

    /// What one budget adds to a decision, ns: the same parsed check decided against the two sets
    /// above (demand, shared-memory reservation, outcome), alternated; the median of the differences.
    static func budgetDecisionCost(iterations: Int) -> Double {
        let request = try! CheckRequest.from(try! JSONDocument.parse(body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        func time(_ set: PolicySet) -> Double {
            var demands: [BudgetDemand] = [], outcomes: [BudgetOutcome] = []
            let start = MonotonicInstant.now()
            var allowed = 0
            for _ in 0..<iterations where decide(request, set, pii: pii, &demands, &outcomes).allowed { allowed += 1 }
            precondition(allowed == iterations, "the benchmark request should be allowed")
            return MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        }
        _ = time(unbudgeted)
        _ = time(budgeted)
        let differences = (0..<7).map { _ in -time(unbudgeted) + time(budgeted) }.sorted()
        return differences[differences.count / 2]
    }
}

extension EngineBenchmark {
    /// Where a check's time goes outside HTTP (ns each): the JSON parse, the typed request, the
    /// personal-data scan, and the ten policies' decision.
    static func checkParts(iterations: Int) -> [String: Double] {
        let document = try! JSONDocument.parse(body, maxDepth: 20)
        let request = try! CheckRequest.from(document)
        let pii = PIIDetector.scan(request)
        func ns(_ body: () -> Void) -> Double {
            let start = MonotonicInstant.now()
            for _ in 0..<iterations { body() }
            return MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        }
        var sink = 0
        var demands: [BudgetDemand] = [], outcomes: [BudgetOutcome] = []
        return [
            "parse": ns { sink &+= (try? JSONDocument.parse(body, maxDepth: 20)) == nil ? 1 : 0 },
            "request": ns { sink &+= ((try? CheckRequest.from(document))?.operations.count ?? 0) },
            "scan": ns { sink &+= PIIDetector.scan(request).count },
            "decide": ns { sink &+= decide(request, tenPolicySet, pii: pii, &demands, &outcomes).riskScore },
            "sink": Double(sink & 1),
        ]
    }

    /// Where a budget decision's time goes: demands, reservation, evaluation with outcomes (ns each).
    static func budgetParts(iterations: Int) -> [String: Double] {
        let request = try! CheckRequest.from(try! JSONDocument.parse(body, maxDepth: 20))
        let pii = PIIDetector.scan(request)
        func ns(_ body: () -> Void) -> Double {
            let start = MonotonicInstant.now()
            for _ in 0..<iterations { body() }
            return MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        }
        let demands = RiskEngine.budgetDemands(request, policies: budgeted, at: now, caller: caller)
        var outcomes: [BudgetOutcome] = []
        ledger.reserve(demands, nowNs: 1, into: &outcomes, central: NoStoredUsage())
        var sink = 0
        var scratchDemands: [BudgetDemand] = [], scratchOutcomes: [BudgetOutcome] = []
        return [
            "demands": ns {
                RiskEngine.budgetDemands(request, policies: budgeted, at: now, caller: caller, into: &scratchDemands)
                sink &+= scratchDemands.count
            },
            "reserve": ns {
                ledger.reserve(demands, nowNs: 1, into: &scratchOutcomes, central: NoStoredUsage())
                sink &+= scratchOutcomes.count
            },
            "reserve_cluster": { () -> Double in
                clusterLedger.reserve(demands, nowNs: 1, into: &scratchOutcomes, central: PlentifulCentral()) // the first lease
                return ns {
                    clusterLedger.reserve(demands, nowNs: 1, into: &scratchOutcomes, central: PlentifulCentral())
                    sink &+= scratchOutcomes.count
                }
            }(),
            "evaluate_plain": ns { sink &+= RiskEngine.evaluate(request, policies: budgeted, pii: pii, at: now, caller: caller).riskScore },
            "evaluate_outcomes": ns {
                sink &+= RiskEngine.evaluate(request, policies: budgeted, pii: pii, at: now, caller: caller, budgets: outcomes).riskScore
            },
            "sink": Double(sink & 1),
        ]
    }
}

extension EngineBenchmark {
    /// A preview's replay without the database: recorded checks as the audit trail returns them
    /// (operation summaries and reasons as JSON text), decided against the policies in force and a
    /// draft that denies a model family and keeps a key budget. Returns µs per record.
    static func replay(records: Int) -> Double {
        let current = PolicySet([Policy(id: "pol_org", version: 1, mode: .enforce, rules: try! PolicyRules.parse(try! JSONParser.parse(Array(
            #"{"max_tokens": 10000, "allowed_models": ["gpt-4", "gpt-4o", "claude-3"]}"#.utf8))))])
        let draft = PolicySet(current.policies + [Policy(id: "draft", version: 1, mode: .enforce, rules: try! PolicyRules.parse(
            try! JSONParser.parse(Array(
                #"{"denied_models": ["gpt-4o*"], "budgets": [{"scope": "key", "metric": "tokens", "limit": 20000000, "period": "1d"}]}"#.utf8))))])
        let models = ["gpt-4", "gpt-4o", "claude-3", "llama-3"], providers = ["internal", "openai"]
        let start0 = WallClock.unixMicros() - 6 * 86_400_000_000
        let rows: [(String, String, String)] = (0..<1000).map { i in
            (#"[{"type":"llm_call","model":"\#(models[i % 4])","provider":"\#(providers[i % 2])","tokens":\#(i % 3000)},"#
                + #"{"type":"data_query","records":\#(i % 700),"data_classification":"internal"}]"#,
             i % 9 == 0 ? #"[{"factor":"personal_data","points":70,"kinds":["email"]}]"# : "[]", "key_prev_\(i % 10)")
        }
        let run = PolicyReplay.Run(current: current, draft: draft)
        let start = MonotonicInstant.now()
        var page: [ReplayedCheck] = []
        for i in 0..<records {
            let row = rows[i % rows.count]
            guard let check = ReplayedCheck(requestID: "req_\(i)", createdAtMicros: start0 + Int64(i) * 500_000, operationsJSON: row.0,
                                            reasonsJSON: row.1, caller: Caller(keyID: row.2)) else { continue }
            page.append(check)
            if page.count == 5_000 {
                run.add(page: page)
                page.removeAll(keepingCapacity: true)
            }
        }
        run.add(page: page)
        precondition(run.summary.replayed == records)
        return MonotonicInstant.now().milliseconds(since: start) * 1000 / Double(records)
    }
}
