import ConvergenceJSON
import Testing
@testable import ConvergenceGovernance
import ConvergencePII

@Suite struct RiskEngineTests {
    func policy(_ rules: String = "{}", id: String = "pol_1", mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func check(_ body: String, _ policies: [Policy]) throws -> Decision {
        let request = try CheckRequest.from(try JSONDocument.parse(Array(body.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: PIIDetector.scan(request), at: 0, caller: Caller(keyID: "key_test"))
    }

    static let seedPolicy = #"{"max_external_calls": 5, "block_personal_data": true, "allowed_models": ["gpt-4", "claude-3"], "max_tokens": 10000}"#

    @Test func seedExampleIsAllowed() throws {
        let d = try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}], "context": {"user_id": "user_123", "session_id": "session_456"}}"#,
                          [try policy(Self.seedPolicy)])
        #expect(d.allowed)
        #expect(d.riskScore == 0)
        #expect(d.reason == "Within policy limits")
        #expect(d.violations.isEmpty)
    }

    @Test func seedExampleWithAnEmailInContextIsBlocked() throws {
        let d = try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 500}], "context": {"user_id": "user_123", "email": "jane@example.com"}}"#,
                          [try policy(Self.seedPolicy)])
        #expect(!d.allowed)
        #expect(d.riskScore == 70)
        #expect(d.reason == "Personal data detected in context")
        #expect(d.reasons.map(\.factor) == [.personalData])
        #expect(d.reasons[0].detail.contains("context.email"))
        #expect(!d.reasons[0].detail.contains("jane"), "never the PII itself")
        #expect(d.violations.map(\.rule) == ["block_personal_data"])
    }

    @Test func eachFactorScoresItsPointsOnce() throws {
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4"}, {"type": "llm_call", "model": "claude-3"}]}"#, []).riskScore == 50)
        #expect(try check(#"{"operations": [{"type": "data_query", "records": 20000}, {"type": "data_query", "tokens": 9000}]}"#, []).riskScore == 30)
        #expect(try check(#"{"operations": [{"type": "teleport"}, {"type": "warp"}]}"#, []).riskScore == 20)
        #expect(try check(#"{"operations": [{"type": "data_query", "data_classification": "personal"}]}"#, []).riskScore == 70)
        #expect(try check(#"{"operations": [{"type": "data_query", "input": "ssn 123-45-6789"}]}"#, []).reason == "Personal data detected in operation input")
    }

    @Test func scoreIsCappedAt100() throws {
        let d = try check(#"{"operations": [{"type": "warp", "model": "gpt-4", "tokens": 50000, "input": "alice@example.com"}]}"#, [])
        #expect(d.reasons.map(\.points).reduce(0, +) == 170)
        #expect(d.riskScore == 100)
        #expect(!d.allowed)
    }

    @Test func thresholdDecides() throws {
        #expect(try check(#"{"operations": [{"type": "data_query", "records": 20000}]}"#, []).allowed, "30 < 50")
        let strict = try check(#"{"operations": [{"type": "data_query", "records": 20000}]}"#, [try policy(#"{"block_threshold": 30}"#)])
        #expect(!strict.allowed)
        #expect(strict.reason.contains("block threshold 30"))
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4"}]}"#, []).allowed == false, "50 ≥ 50")
    }

    @Test func internalProvidersAndApprovedModelsAreNotExternal() throws {
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "llama-3", "provider": "internal"}]}"#, []).riskScore == 0)
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4"}]}"#, [try policy(#"{"allowed_models": ["gpt-4"]}"#)]).riskScore == 0)
    }

    @Test func rulesAreEnforced() throws {
        let p = try policy(Self.seedPolicy)
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "gpt-3.5", "provider": "internal"}]}"#, [p]).violations.map(\.rule) == ["allowed_models"])
        #expect(try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 10001}]}"#, [p]).violations.map(\.rule).contains("max_tokens"))
        let calls = String(repeating: #"{"type": "external_api_call"},"#, count: 6).dropLast()
        let d = try check(#"{"operations": [\#(calls)]}"#, [p])
        #expect(d.violations.map(\.rule) == ["max_external_calls"])
        #expect(!d.allowed)
        #expect(d.riskScore == 0, "a rule blocks even at score 0")
    }

    @Test func strictestPolicyWins() throws {
        let lenient = try policy(#"{"block_threshold": 90, "risk_weights": {"large_dataset": 10}, "large_dataset_records": 50000}"#, id: "pol_a")
        let strict = try policy(#"{"block_threshold": 25, "risk_weights": {"large_dataset": 40}, "large_dataset_records": 100}"#, id: "pol_b")
        let d = try check(#"{"operations": [{"type": "data_export", "records": 500}]}"#, [lenient, strict])
        #expect(d.riskScore == 40, "highest weight, lowest dataset threshold")
        #expect(!d.allowed, "lowest threshold")
        #expect(Set(d.policyVersions) == ["pol_a:1", "pol_b:1"])
    }

    @Test func monitorModeReportsWithoutBlocking() throws {
        let monitor = try policy(#"{"block_personal_data": true, "block_threshold": 10}"#, id: "pol_m", mode: .monitor)
        let d = try check(#"{"operations": [{"type": "data_query", "records": 20000}], "context": {"note": "x"}}"#, [monitor])
        #expect(d.allowed)
        #expect(d.wouldBlock, "score 30 ≥ the monitor policy's 10")
        let pii = try check(#"{"operations": [{"type": "data_query"}], "context": {"e": "a@b.co"}}"#, [monitor])
        #expect(!pii.allowed, "70 ≥ the default 50: the default threshold still enforces")
        #expect(pii.violations.allSatisfy { $0.mode == .monitor })
        let quiet = try check(#"{"operations": [{"type": "data_query"}]}"#, [monitor])
        #expect(quiet.allowed && !quiet.wouldBlock)
    }

    @Test func anExternalAPICallNamingAModelCountsOnce() throws {
        let d = try check(#"{"operations": [{"type": "external_api_call", "model": "gpt-4"}]}"#,
                          [try policy(#"{"max_external_calls": 1, "allowed_models": ["gpt-4"]}"#)])
        #expect(d.violations.isEmpty, "one call is within a limit of one")
    }

    @Test func contextKeysThatLookLikeDataAreNotEchoed() throws {
        let d = try check(#"{"operations": [{"type": "data_query"}], "context": {"jane@example.com": "555-867-5309 or (415) 555-2671"}}"#, [])
        #expect(!d.allowed)
        #expect(!d.reasons[0].detail.contains("jane"), "\(d.reasons[0].detail)")
        #expect(d.reasons[0].detail.contains("context.[key]"))
    }

    @Test func customWeightsApply() throws {
        let p = try policy(#"{"risk_weights": {"unknown_operation": 60}}"#)
        let d = try check(#"{"operations": [{"type": "warp"}]}"#, [p])
        #expect(d.riskScore == 60)
        #expect(!d.allowed)
    }
}

@Suite struct PolicyRulesTests {
    func parse(_ text: String) throws(PolicyRules.Invalid) -> PolicyRules {
        try PolicyRules.parse(try! JSONParser.parse(Array(text.utf8)))
    }

    @Test(arguments: [
        (#"{"max_tokenz": 5}"#, "max_tokenz"), (#"{"max_tokens": "5"}"#, "max_tokens"), (#"{"max_tokens": -1}"#, "max_tokens"),
        (#"{"max_tokens": 1.5}"#, "max_tokens"), (#"{"block_personal_data": "yes"}"#, "block_personal_data"),
        (#"{"allowed_models": "gpt-4"}"#, "allowed_models"), (#"{"allowed_models": [1]}"#, "allowed_models"),
        (#"{"block_threshold": 101}"#, "block_threshold"), (#"{"risk_weights": {"pii": 10}}"#, "risk_weights.pii"),
        (#"{"risk_weights": {"personal_data": "high"}}"#, "risk_weights.personal_data"),
    ])
    func typosAndWrongTypesNameTheField(text: String, field: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func roundTripsThroughJSON() throws {
        let rules = try parse(RiskEngineTests.seedPolicy)
        #expect(try PolicyRules.parse(rules.json) == rules)
    }
}

@Suite struct CheckRequestTests {
    func parse(_ text: String) throws(CheckRequest.Invalid) -> CheckRequest {
        try CheckRequest.from(try! JSONDocument.parse(Array(text.utf8)))
    }

    @Test(arguments: [
        ("[]", "body"), ("{}", "operations"), (#"{"operations": []}"#, "operations"), (#"{"operations": {}}"#, "operations"),
        (#"{"operations": [{}]}"#, "operations[0].type"), (#"{"operations": [{"type": "x", "tokens": -1}]}"#, "operations[0].tokens"),
        (#"{"operations": [{"type": "x", "tokens": 1.5}]}"#, "operations[0].tokens"),
        (#"{"operations": [{"type": "x", "tokens": 1e12}]}"#, "operations[0].tokens"),
        (#"{"operations": [{"type": "x", "tokens": "5"}]}"#, "operations[0].tokens"),
        (#"{"operations": [{"type": "x"}], "context": []}"#, "context"), (#"{"operations": [5]}"#, "operations[0]"),
        // A typo must not disable a rule: `token` for `tokens` is refused, not ignored.
        (#"{"operations": [{"type": "llm_call", "model": "gpt-4", "token": 50000}]}"#, "operations[0].token"),
        (#"{"operations": [{"type": "x"}, {"type": "x", "Tokens": 1}]}"#, "operations[1].Tokens"),
        (#"{"operations": [{"type": "x"}], "contxt": {}}"#, "contxt"),
        (#"{"operation": [{"type": "x"}], "operations": [{"type": "x"}]}"#, "operation"),
    ])
    func badBodiesNameTheField(text: String, field: String) {
        do {
            _ = try parse(text)
            Issue.record("accepted \(text)")
        } catch {
            #expect(error.field == field)
        }
    }

    @Test func anUnknownFieldsMessageListsTheKnownOnesAndBoundsTheName() {
        do {
            _ = try parse(#"{"operations": [{"type": "x", "\#(String(repeating: "k", count: 5000))": 1}]}"#)
            Issue.record("accepted an unknown field")
        } catch {
            #expect(error.message.contains("tokens") && error.message.contains("context"))
            #expect(error.message.utf8.count < 400)
        }
        // Everything the check reads, and null context, still pass.
        #expect(throws: Never.self) {
            try parse(#"{"operations": [{"type": "llm_call", "model": "m", "provider": "p", "tokens": 1, "records": 2, "input": "i", "#
                + #""data_classification": "internal", "destination": "d"}], "context": null}"#)
        }
    }

    @Test func anEmptyTypeIsNamedAsEmptyNotMissing() {
        do {
            _ = try parse(#"{"operations": [{"type": ""}]}"#)
            Issue.record("accepted an empty type")
        } catch {
            #expect(error.field == "operations[0].type")
            #expect(error.problem == "must not be empty")
        }
        do {
            _ = try parse(#"{"operations": [{"model": "gpt-4"}]}"#)
            Issue.record("accepted a missing type")
        } catch {
            #expect(error.problem == "is required")
        }
    }

    @Test func boundsAreEnforced() {
        let many = "{\"operations\": [" + Array(repeating: #"{"type": "x"}"#, count: 101).joined(separator: ",") + "]}"
        #expect(throws: CheckRequest.Invalid.self) { try parse(many) }
        let deep = #"{"operations": [{"type": "x"}], "context": "# + String(repeating: #"{"a":"#, count: 20) + "1" + String(repeating: "}", count: 20) + "}"
        #expect(throws: CheckRequest.Invalid.self) { try parse(deep) }
        let long = #"{"operations": [{"type": "x", "input": ""# + String(repeating: "y", count: 200_000) + #""}]}"#
        #expect(throws: CheckRequest.Invalid.self) { try parse(long) }
    }
}
