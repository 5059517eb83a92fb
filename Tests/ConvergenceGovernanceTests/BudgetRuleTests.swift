import ConvergenceCore
import ConvergenceJSON
import Foundation
import Testing
@testable import ConvergenceGovernance

/// Budgets over calendar periods (issue 19): the rule's parsing, its periods in a time
/// zone, and what the engine makes of the usage keeper's answers. Pure: no clock, no I/O.
@Suite struct BudgetRuleTests {
    func rules(_ json: String) throws -> PolicyRules { try PolicyRules.parse(try JSONParser.parse(Array(json.utf8))) }

    func seconds(_ text: String) throws -> Int64 { try #require(RFC3339.parseMicros(text)) / 1_000_000 }
    /// For literals known to parse (inside #expect, which cannot take `try` on both sides of ==).
    func s(_ text: String) -> Int64 { RFC3339.parseMicros(text)! / 1_000_000 }

    func refusal(_ json: String) -> String? {
        do { _ = try rules(json); return nil } catch let error as PolicyRules.Invalid { return error.field } catch { return "\(error)" }
    }

    @Test func badBudgetsAreRefusedNamingTheField() {
        #expect(refusal(#"{"budgets": []}"#) == "budgets")
        #expect(refusal(#"{"budgets": {}}"#) == "budgets")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 10, "period": "0"}]}"#) == "budgets[0].period")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 10, "period": "2d"}]}"#) == "budgets[0].period")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 0, "period": "1d"}]}"#) == "budgets[0].limit")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 9007199254740994, "period": "1d"}]}"#) == "budgets[0].limit")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1.5, "period": "1d"}]}"#) == "budgets[0].limit")
        #expect(refusal(#"{"budgets": [{"scope": "team", "metric": "tokens", "limit": 1, "period": "1d"}]}"#) == "budgets[0].scope")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "dollars", "limit": 1, "period": "1d"}]}"#) == "budgets[0].metric")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1, "period": "1d", "tz": "Mars/Olympus"}]}"#) == "budgets[0].tz")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1, "period": "1d", "warn_at": 0}]}"#) == "budgets[0].warn_at")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1, "period": "1d", "warn_at": 1.2}]}"#) == "budgets[0].warn_at")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1, "period": "1d", "limt": 2}]}"#) == "budgets[0].limt")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "period": "1d"}]}"#) == "budgets[0]")
        #expect(refusal(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 5, "period": "1d"}, {"scope": "key", "metric": "tokens", "limit": 9, "period": "1d"}]}"#)
            == "budgets[1]", "two budgets counting the same usage")
        #expect(refusal(#"{"risk_weights": {"budget_warning": 10}}"#) == "risk_weights.budget_warning", "a warning is reported, never scored")
    }

    @Test func aBudgetRoundTripsAndTakesThePolicysZone() throws {
        let parsed = try rules(#"{"budgets": [{"scope": "department", "metric": "requests", "limit": 9007199254740992, "period": "1mo", "warn_at": 0.8}], "active": {"tz": "Asia/Tokyo"}}"#)
        let budget = try #require(parsed.budgets?.first)
        #expect(budget.limit == 1 << 53 && budget.zone == "Asia/Tokyo" && budget.zoneText == nil && budget.warningLevel == 7_205_759_403_792_794)
        #expect(try PolicyRules.parse(parsed.json) == parsed)
        let explicit = try rules(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 10, "period": "1h", "tz": "UTC"}], "active": {"tz": "Asia/Tokyo"}}"#)
        #expect(explicit.budgets?.first?.zone == "UTC")
    }

    @Test func periodsFollowTheLocalCalendar() throws {
        let utc = try #require(TimeZone(identifier: "UTC")), berlin = try #require(TimeZone(identifier: "Europe/Berlin"))
        let kolkata = try #require(TimeZone(identifier: "Asia/Kolkata"))
        let t = try seconds("2027-03-28T12:34:56Z") // the day Berlin moves to summer time
        #expect(CalendarPeriod.hour.bounds(at: t, in: utc) == (s("2027-03-28T12:00:00Z"), s("2027-03-28T13:00:00Z")))
        #expect(CalendarPeriod.hour.bounds(at: t, in: kolkata) == (s("2027-03-28T12:30:00Z"), s("2027-03-28T13:30:00Z")))
        let day = CalendarPeriod.day.bounds(at: t, in: berlin)
        #expect(day == (s("2027-03-27T23:00:00Z"), s("2027-03-28T22:00:00Z")), "23 hours long")
        #expect(CalendarPeriod.month.bounds(at: t, in: berlin) == (s("2027-02-28T23:00:00Z"), s("2027-03-31T22:00:00Z")))
        #expect(CalendarPeriod.month.bounds(at: s("2026-12-31T23:30:00Z"), in: utc)
            == (s("2026-12-01T00:00:00Z"), s("2027-01-01T00:00:00Z")))
        #expect(CalendarPeriod.month.bounds(at: s("2026-12-31T23:30:00Z"), in: berlin)
            == (s("2026-12-31T23:00:00Z"), s("2027-01-31T23:00:00Z")), "already January in Berlin")
        #expect(CalendarPeriod.month.bounds(at: s("2028-02-29T12:00:00Z"), in: utc).end == (s("2028-03-01T00:00:00Z")))
        let autumn = CalendarPeriod.day.bounds(at: s("2027-10-31T12:00:00Z"), in: berlin)
        #expect(autumn.end - autumn.start == 25 * 3600)
        // Every instant lies in its period, and periods tile time.
        var at = s("2027-01-01T00:00:00Z")
        for _ in 0..<400 {
            for period in CalendarPeriod.allCases {
                let (start, end) = period.bounds(at: at, in: berlin)
                #expect(start <= at && at < end)
                #expect(period.bounds(at: end, in: berlin).start == end)
            }
            at += 86_400 + 3_600 + 7
        }
    }

    func request(tokens: Int, department: String? = nil) throws -> CheckRequest {
        let context = department.map { #", "context": {"department": "\#($0)"}"# } ?? ""
        return try CheckRequest.from(try JSONDocument.parse(Array(
            #"{"operations": [{"type": "llm_call", "model": "m", "provider": "internal", "tokens": \#(tokens)}, {"type": "llm_call", "model": "m", "provider": "internal", "tokens": 5}]\#(context)}"#.utf8)))
    }

    func set(_ json: String, mode: Policy.Mode = .enforce) throws -> PolicySet {
        PolicySet([Policy(id: "pol_b", version: 3, mode: mode, rules: try rules(json))])
    }

    @Test func demandsNameOneCounterPerScopeValueAndPeriod() throws {
        let policies = try set(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 100, "period": "1d"}, "#
            + #"{"scope": "department", "metric": "requests", "limit": 3, "period": "1h"}, {"scope": "customer", "metric": "requests", "limit": 9, "period": "1mo"}]}"#)
        let at = try #require(RFC3339.parseMicros("2027-05-05T10:20:00Z"))
        func demands(_ key: String, _ department: String?, keyDepartment: String? = nil, at: Int64 = at) throws -> [BudgetDemand] {
            RiskEngine.budgetDemands(try request(tokens: 40, department: department), policies: policies, at: at,
                                     caller: Caller(keyID: key, department: keyDepartment))
        }
        let a = try demands("key_a", "sales")
        #expect(a.map(\.amount) == [45, 1, 1], "tokens of every operation; one request")
        #expect(a[0].periodStart == (s("2027-05-05T00:00:00Z")) && a[1].periodEnd == (s("2027-05-05T11:00:00Z")))
        let b = try demands("key_b", "sales")
        #expect(a[0].counter != b[0].counter, "each key its own")
        #expect(a[1].counter == b[1].counter && a[2].counter == b[2].counter, "keys without a department share one; one customer")
        #expect(try demands("key_b", "ops")[1].counter == b[1].counter, "context.department cannot open a fresh budget")
        let finance = try demands("key_c", nil, keyDepartment: "finance")[1].counter
        let alsoFinance = try demands("key_d", "ops", keyDepartment: "finance")[1].counter
        #expect(finance != b[1].counter && alsoFinance == finance, "keys of one department share its budget")
        let later = try demands("key_a", "sales", at: at + 3_600_000_000)
        #expect(later[0].counter == a[0].counter && later[0].periodStart == a[0].periodStart && later[1].periodStart == a[1].periodEnd)
        #expect(RiskEngine.budgetDemands(try request(tokens: 1), policies: try set(#"{"max_tokens": 5}"#), at: at, caller: Caller(keyID: "k")).isEmpty)
    }

    func decide(_ policies: PolicySet, used: Int64, admitted: Bool, tokens: Int = 40) throws -> Decision {
        let request = try request(tokens: tokens)
        let at = try #require(RFC3339.parseMicros("2027-05-05T10:20:00Z"))
        let demands = RiskEngine.budgetDemands(request, policies: policies, at: at, caller: Caller(keyID: "key_a"))
        let outcomes = demands.map { BudgetOutcome(demand: $0, admitted: admitted, used: used) }
        return RiskEngine.evaluate(request, policies: policies, pii: [], at: at, caller: Caller(keyID: "key_a"), budgets: outcomes)
    }

    @Test func aRefusedBudgetBlocksAndAWarningIsReported() throws {
        let enforcing = try set(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 1000, "period": "1d", "warn_at": 0.8}]}"#)
        let quiet = try decide(enforcing, used: 500, admitted: true)
        #expect(quiet.allowed && quiet.reasons.isEmpty && quiet.violations.isEmpty)
        let warned = try decide(enforcing, used: 800, admitted: true)
        #expect(warned.allowed && warned.riskScore == 0)
        #expect(warned.reasons.map(\.factor) == [.budgetWarning] && warned.reasons[0].points == 0)
        #expect(warned.reasons[0].detail.contains("80 %"), "\(warned.reasons[0].detail)")
        let refused = try decide(enforcing, used: 990, admitted: false)
        #expect(!refused.allowed)
        #expect(refused.violations.map(\.rule) == ["budgets"] && refused.violations[0].policyID == "pol_b" && refused.violations[0].version == 3)
        #expect(refused.reason.hasPrefix("Blocked by policy pol_b rule budgets: key budget of 1000 tokens per 1d reached: 990 used"), "\(refused.reason)")
        let monitored = try decide(try set(#"{"budgets": [{"scope": "key", "metric": "requests", "limit": 2, "period": "1h"}]}"#, mode: .monitor),
                                   used: 2, admitted: false)
        #expect(monitored.allowed && monitored.wouldBlock && monitored.wouldBlockBy == ["pol_b:3"])
        #expect(monitored.violations.map(\.mode) == [.monitor])
    }

    func policy(_ rules: String, id: String) throws -> Policy {
        Policy(id: id, version: 1, mode: .enforce, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func recorded(_ id: String, model: String, at: Int64, key: String = "key_a") throws -> ReplayedCheck {
        try #require(ReplayedCheck(requestID: id, createdAtMicros: at,
                                   operationsJSON: #"[{"type":"llm_call","model":"\#(model)","provider":"internal","tokens":500}]"#,
                                   reasonsJSON: "[]", caller: Caller(keyID: key)))
    }

    /// A draft budget replays in time order: per key and period, spending only what it admitted.
    @Test func aDraftBudgetReplaysInTheOrderTheChecksHappened() throws {
        let day: Int64 = 86_400_000_000
        let start = try #require(RFC3339.parseMicros("2027-03-01T08:00:00Z"))
        // Newest first, as the route reads them: three on the 1st (key_a twice, key_b once), two on the 2nd.
        let checks = try [
            recorded("d2b", model: "m", at: start + day + 2), recorded("d2a", model: "m", at: start + day + 1),
            recorded("d1c", model: "m", at: start + 3, key: "key_b"), recorded("d1b", model: "m", at: start + 2),
            recorded("d1a", model: "m", at: start + 1),
        ]
        let draft = [try policy(#"{"budgets": [{"scope": "key", "metric": "tokens", "limit": 600, "period": "1d"}]}"#, id: "pol_q")]
        let s = PolicyReplay.run(checks, current: PolicySet([]), draft: PolicySet(draft))
        #expect(s.draft.allowed == 3 && s.draft.blocked == 2, "500 tokens each, 600 a day per key: key_a's second check of each day")
        #expect(s.changes.map(\.requestID) == ["d2b", "d1b"], "newest first; the 2nd starts a new period")
        #expect(s.byRule.map(\.rule) == ["budgets"] && s.byRule.first?.checks == 2)
    }
}
