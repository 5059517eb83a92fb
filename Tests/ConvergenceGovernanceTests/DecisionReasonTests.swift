import ConvergenceJSON
import Testing
@testable import ConvergenceGovernance
import ConvergencePII

/// What a decision says about why: the deciding policy, version and rule, in
/// the reason and in violations that never carry request values.
@Suite struct DecisionReasonTests {
    func policy(_ rules: String, id: String, version: Int = 1, mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: version, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func check(_ body: String, _ policies: [Policy]) throws -> Decision {
        let request = try CheckRequest.from(try JSONDocument.parse(Array(body.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: PIIDetector.scan(request), at: 0, caller: Caller(keyID: "key_test"))
    }

    static let threeInternalCalls = #"{"operations": [{"type": "external_api_call"}, {"type": "external_api_call"}, {"type": "external_api_call"}]}"#

    @Test func aRuleBlockNamesThePolicyAndTheRule() throws {
        let d = try check(Self.threeInternalCalls, [try policy(#"{"max_external_calls": 2}"#, id: "pol_calls", version: 3)])
        #expect(!d.allowed)
        #expect(d.riskScore == 0, "no factor fired")
        #expect(d.reasons.isEmpty)
        #expect(d.reason == "Blocked by policy pol_calls rule max_external_calls: 3 external calls, at most 2")
        #expect(d.violations == [.init(policyID: "pol_calls", version: 3, rule: "max_external_calls",
                                      detail: "3 external calls, at most 2", mode: .enforce)])
    }

    @Test func aFactorBlockKeepsTheFactorSentence() throws {
        let d = try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4"}]}"#, [try policy(#"{"max_tokens": 10}"#, id: "pol_t")])
        #expect(!d.allowed)
        #expect(d.reason.hasPrefix("Risk score 50 reaches the block threshold 50"), "\(d.reason)")
    }

    /// The reason names the heaviest factor in words; every factor has its words, and they say its name.
    @Test func everyFactorReadsAsItsNameInASentence() {
        for factor in RiskFactor.allCases {
            #expect(factor.words == String(factor.rawValue.map { $0 == "_" ? " " : $0 }), "\(factor)")
        }
    }

    @Test func violationDetailsNameFieldPathsNotValues() throws {
        let p = try policy(#"{"allowed_models": ["gpt-4"], "max_tokens": 100}"#, id: "pol_m")
        let d = try check(#"{"operations": [{"type": "llm_call", "model": "jane.doe-private-model", "provider": "internal", "tokens": 5000}]}"#, [p])
        #expect(d.violations.map(\.rule) == ["allowed_models", "max_tokens"])
        #expect(d.violations[0].detail == "Model not in allowed_models: operations[0].model")
        #expect(d.violations[1].detail == "operations[0].tokens over 100")
        #expect(!d.violations.contains { $0.detail.contains("jane") })
        #expect(!d.reason.contains("jane"), "\(d.reason)")
        #expect(d.reason.hasPrefix("Blocked by policy pol_m rule allowed_models"))
    }

    @Test func aMonitorPolicyThatWouldBlockIsNamed() throws {
        let enforcing = try policy(#"{"max_external_calls": 10}"#, id: "pol_e", version: 2)
        let monitor = try policy(#"{"max_external_calls": 1}"#, id: "pol_mon", version: 4, mode: .monitor)
        let quiet = try policy(#"{"max_tokens": 100000}"#, id: "pol_quiet", mode: .monitor)
        let d = try check(Self.threeInternalCalls, [enforcing, monitor, quiet])
        #expect(d.allowed)
        #expect(d.wouldBlock)
        #expect(d.wouldBlockBy == ["pol_mon:4"])
        #expect(d.violations == [.init(policyID: "pol_mon", version: 4, rule: "max_external_calls",
                                      detail: "3 external calls, at most 1", mode: .monitor)])
        #expect(d.reason == "Within policy limits")
    }

    @Test func aMonitorThresholdThatWouldBlockIsNamedToo() throws {
        let monitor = try policy(#"{"block_threshold": 20}"#, id: "pol_low", mode: .monitor)
        let d = try check(#"{"operations": [{"type": "data_query", "records": 20000}]}"#, [monitor])
        #expect(d.allowed)
        #expect(d.wouldBlockBy == ["pol_low:1"])
        #expect(d.violations.isEmpty, "a threshold is not a rule violation")
    }

    @Test func nothingToReportBuildsNothing() throws {
        let d = try check(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "tokens": 5}]}"#,
                          [try policy(#"{"allowed_models": ["gpt-4"]}"#, id: "pol_a"), try policy("{}", id: "pol_b", mode: .monitor)])
        #expect(d.allowed)
        #expect(!d.wouldBlock)
        #expect(d.wouldBlockBy.isEmpty)
        #expect(d.violations.isEmpty)
    }
}
