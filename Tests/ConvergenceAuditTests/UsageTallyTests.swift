import Testing
@testable import ConvergenceAudit

/// `UsageTally` on hand-made COPY rows: what the dashboard's usage charts will show for a
/// batch, without PostgreSQL (the equivalence with the SQL rollups is an integration test).
@Suite struct UsageTallyTests {
    /// One COPY text row in `AuditRecord.columns` order; `nil` fields become `\N`.
    static func row(kind: String = "check", customer: String? = "6F1C1A52-0000-4000-8000-00000000000A", key: String? = "key_a",
                    decision: String? = "allow", reasons: String? = "[]", wouldBlock: String? = "f", latency: String? = "700",
                    violations: String? = "[]") -> String {
        let fields: [String?] = [
            "0190c0de-0000-7000-8000-000000000001", kind, "2026-12-05 10:00:00+00", customer, key, "req_1", decision, "10", reasons,
            "[]", "[]", wouldBlock, "user", "session", latency, nil, nil, violations, "[]",
        ]
        return fields.map { $0 ?? "\\N" }.joined(separator: "\t") + "\n"
    }

    static func tally(_ rows: [String], at micros: Int64 = 1_764_928_800_000_000) -> UsageTally? {
        UsageTally(rows: Array(rows.joined().utf8), times: Array(repeating: micros, count: rows.count))
    }

    // 2025-12-05 10:00:00 UTC = 1_764_928_800: a whole day, hour and 5 minutes.
    let hour: Int64 = 1_764_928_800

    @Test func aCheckCountsForTheInstallationAtEveryGranularityAndForItsCustomerAndKeyByHourAndDay() throws {
        let tally = try #require(Self.tally([Self.row()]))
        let scopes = Set(tally.series.keys.map { "\($0.seconds) \($0.scope)" })
        #expect(scopes == ["300 *", "3600 *", "86400 *", "3600 c:6f1c1a52-0000-4000-8000-00000000000a",
                           "86400 c:6f1c1a52-0000-4000-8000-00000000000a", "3600 k:key_a", "86400 k:key_a"])
        let hourly = try #require(tally.series[.init(seconds: 3600, scope: "*", start: hour)])
        #expect(hourly.checks == 1 && hourly.allowed == 1 && hourly.blocked == 0)
        #expect(hourly.latency[1] == 1, "700 µs is in the (500, 1000] bucket")
        #expect(tally.series[.init(seconds: 86400, scope: "*", start: hour - 36_000)] != nil, "the day starts at midnight UTC")
    }

    @Test func decisionsWouldBlockPersonalDataAndLatencyEdgesAreCounted() throws {
        let tally = try #require(Self.tally([
            Self.row(decision: "block", latency: "500"),
            Self.row(reasons: #"[{"factor":"personal_data","points":70}]"#, wouldBlock: "t", latency: "2000000"),
            Self.row(customer: nil, key: nil, latency: nil),
        ]))
        let all = try #require(tally.series[.init(seconds: 300, scope: "*", start: hour)])
        #expect(all.checks == 3 && all.blocked == 1 && all.allowed == 2 && all.wouldBlock == 1 && all.pii == 1)
        #expect(all.latency[0] == 1, "500 µs is in the first bucket (≤ 500)")
        #expect(all.latency.last == 1, "above the last bound")
        #expect(all.latency.reduce(0, +) == 2, "a missing latency is in no bucket")
        #expect(tally.series[.init(seconds: 3600, scope: "c:6f1c1a52-0000-4000-8000-00000000000a", start: hour)]?.checks == 2)
    }

    @Test func violationsCountOncePerCheckAndRuleAndOncePerCheckAndPolicy() throws {
        let violations = #"[{"policy_id":"pol_1","version":2,"rule":"max_tokens","mode":"enforce","detail":"x"},"#
            + #"{"policy_id":"pol_1","version":2,"rule":"max_tokens","mode":"enforce","detail":"y"},"#
            + #"{"policy_id":"pol_1","version":2,"rule":"allowed_models","mode":"enforce","detail":"z"},"#
            + #"{"policy_id":"pol_2","version":1,"rule":"max_tokens","mode":"monitor","detail":"w"}]"#
        let tally = try #require(Self.tally([Self.row(decision: "block", violations: violations), Self.row()]))
        let rule = try #require(tally.rules[.init(series: .init(seconds: 3600, scope: "*", start: hour), policyID: "pol_1", rule: "max_tokens")])
        #expect(rule == .init(blocked: 1, wouldBlock: 0))
        #expect(tally.rules[.init(series: .init(seconds: 3600, scope: "k:key_a", start: hour), policyID: "pol_2", rule: "max_tokens")]
            == .init(blocked: 0, wouldBlock: 1))
        #expect(tally.policies[.init(policyID: "pol_1", hourStart: hour)] == .init(blocked: 1, wouldBlock: 0))
        #expect(tally.policies[.init(policyID: "pol_2", hourStart: hour)] == .init(blocked: 0, wouldBlock: 1))
        #expect(!tally.rules.keys.contains { $0.series.seconds == 300 }, "rules are kept by hour and day only")
    }

    @Test func adminRowsAreNotChecksAndCopyEscapesAreUndone() throws {
        let tally = try #require(Self.tally([Self.row(kind: "admin"), Self.row(key: #"key\\with\ttab"#)]))
        #expect(tally.series[.init(seconds: 300, scope: "*", start: hour)]?.checks == 1)
        #expect(tally.series[.init(seconds: 3600, scope: "k:key\\with\ttab", start: hour)]?.checks == 1)
    }

    /// Fields are compared as bytes where they hold no escape: the other spellings
    /// PostgreSQL accepts must count the same as through a String.
    @Test func spellingsAndEscapesCountAsPostgreSQLWouldReadThem() throws {
        let tally = try #require(Self.tally([
            Self.row(customer: "6f1c1a52-0000-4000-8000-00000000000a", wouldBlock: "true", latency: "+700"),
            Self.row(reasons: #"[{"note":"a\\\\b","factor":"personal_data","points":70}]"#, wouldBlock: "false", latency: "-1"),
            Self.row(decision: #"bl\ock"#),
        ]))
        let hourly = try #require(tally.series[.init(seconds: 3600, scope: "*", start: hour)])
        #expect(hourly.checks == 3 && hourly.allowed == 2 && hourly.blocked == 1, "an escaped letter is the letter")
        #expect(hourly.wouldBlock == 1 && hourly.pii == 1)
        #expect(hourly.latency[0] == 1 && hourly.latency[1] == 2, "-1 µs, and 700 µs (once written +700)")
        #expect(tally.series[.init(seconds: 3600, scope: "c:6f1c1a52-0000-4000-8000-00000000000a", start: hour)]?.checks == 3,
                "lower- and upper-case spellings of one customer are one scope")
        #expect(Self.tally([Self.row(wouldBlock: "yes")]) == nil)
    }

    @Test func aRowTheRollupsCannotReadSendsTheBatchToTheSQLPath() {
        #expect(Self.tally([Self.row(), "not\ta\trow\n"]) == nil)
        #expect(Self.tally([Self.row(violations: #"[{"rule":"max_tokens"}]"#)]) == nil, "a violation without its policy")
        #expect(Self.tally([Self.row(latency: "fast")]) == nil)
        #expect(UsageTally(rows: Array(Self.row().utf8), times: []) == nil, "one time per row")
    }

    @Test func arrayLiteralsQuoteWhatPostgreSQLWouldMisread() {
        #expect(UsageTally.array(["1", "2"]) == "{1,2}")
        #expect(UsageTally.array(["k:a,b", #"q"uote"#, #"back\slash"#], quoted: true) == #"{"k:a,b","q\"uote","back\\slash"}"#)
    }
}
