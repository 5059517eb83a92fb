import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// Data-classification routing and per-kind personal-data actions (issue 19).
@Suite struct ClassificationRuleTests {
    func policy(_ rules: String, id: String = "pol_c", mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func decide(_ policies: [Policy], operations: String, pii: [PIIFinding] = []) throws -> Decision {
        let request = try CheckRequest.from(try JSONDocument.parse(Array(#"{"operations": \#(operations)}"#.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: pii, at: 0, caller: Caller(keyID: "key_test"))
    }

    let routing = #"{"classifications": {"confidential": {"allowed_providers": ["internal", "azure-eu"]}, "restricted": "block"}}"#

    @Test func aClassGoesOnlyWhereItsRuleAllows() throws {
        let p = try policy(routing)
        func ops(_ cls: String, _ provider: String?) -> String {
            let named = provider.map { #", "provider": "\#($0)""# } ?? ""
            return #"[{"type": "data_query", "data_classification": "\#(cls)"\#(named)}]"#
        }
        #expect(try decide([p], operations: ops("confidential", "azure-eu")).allowed)
        #expect(try decide([p], operations: ops("Confidential", "INTERNAL")).allowed, "classes and providers ignore case")
        let us = try decide([p], operations: ops("confidential", "openai"))
        #expect(!us.allowed)
        #expect(us.violations.map(\.rule) == ["classifications"])
        #expect(us.violations.first?.detail == #"operations[0] is "confidential": provider not in allowed_providers"#)
        #expect(!(try decide([p], operations: ops("confidential", nil)).allowed), "no provider named: not an allowed one")
        let restricted = try decide([p], operations: ops("RESTRICTED", "internal"))
        #expect(restricted.violations.first?.detail == #"operations[0] is "restricted": class blocked"#)
        #expect(try decide([p], operations: ops("public", "openai")).allowed, "a class the policy does not name is not its business")
    }

    @Test func aMonitorClassificationRuleOnlyReports() throws {
        let d = try decide([try policy(routing, mode: .monitor)],
                           operations: #"[{"type": "data_query", "data_classification": "restricted"}]"#)
        #expect(d.allowed && d.wouldBlock)
        #expect(d.violations.map(\.mode) == [.monitor])
    }

    @Test func perKindActionsBlockSomeKindsAndAllowOthers() throws {
        let p = try policy(#"{"block_personal_data": true, "personal_data_actions": {"ip_address": "allow", "payment_card": "block"}}"#)
        let call = #"[{"type": "llm_call", "provider": "internal"}]"#
        // An IP address alone: allowed, and not even counted by the factor.
        let ip = try decide([p], operations: call, pii: [PIIFinding(path: "operations[0].input", kind: .ipAddress)])
        #expect(ip.allowed)
        #expect(ip.riskScore == 0)
        let email = try decide([p], operations: call, pii: [PIIFinding(path: "context.who", kind: .email)])
        #expect(email.violations.map(\.rule) == ["block_personal_data"])
        // Blocked without block_personal_data too, naming where and which kind.
        let cardOnly = try policy(#"{"personal_data_actions": {"payment_card": "block"}}"#)
        let card = try decide([cardOnly], operations: call, pii: [PIIFinding(path: "operations[0].input", kind: .paymentCard)])
        #expect(card.violations.map(\.rule) == ["personal_data_actions"])
        #expect(card.violations.first?.detail == "Blocked kind of personal data in operations[0].input (payment_card)")
    }

    /// Strictest wins across policies: one policy allowing a kind does not stop another from counting it.
    @Test func anAllowInOnePolicyDoesNotSilenceAnother() throws {
        let lax = try policy(#"{"personal_data_actions": {"email": "allow"}}"#, id: "pol_lax")
        let strict = try policy(#"{"block_personal_data": true}"#, id: "pol_strict")
        let d = try decide([lax, strict], operations: #"[{"type": "llm_call", "provider": "internal"}]"#,
                           pii: [PIIFinding(path: "context.who", kind: .email)])
        #expect(!d.allowed)
        #expect(d.violations.map(\.policyID) == ["pol_strict"])
    }

    @Test(arguments: [
        (#"{"classifications": {}}"#, "classifications"), (#"{"classifications": {"x": "allow"}}"#, "classifications.x"),
        (#"{"classifications": {"x": {"allowed_providers": "azure"}}}"#, "classifications.x.allowed_providers"),
        (#"{"classifications": {"x": {"providers": []}}}"#, "classifications.x"),
        (#"{"classifications": {"x": "block", "X": "block"}}"#, "classifications.X"),
        (#"{"personal_data_actions": {"secret": "block"}}"#, "personal_data_actions.secret"),
        (#"{"personal_data_actions": {"email": "warn"}}"#, "personal_data_actions.email"),
        (#"{"personal_data_actions": []}"#, "personal_data_actions"),
    ])
    func badRulesNameTheField(text: String, field: String) {
        expectRefused(text, naming: field)
    }

    @Test func rulesSurviveStorage() throws {
        let text = #"{"classifications": {"restricted": "block", "confidential": {"allowed_providers": ["internal"]}}, "#
            + #""personal_data_actions": {"email": "block", "ip_address": "allow"}}"#
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(text.utf8)))
        #expect(try PolicyRules.parse(rules.json) == rules)
        #expect(rules.classifications?.map(\.name) == ["restricted", "confidential"], "the policy's order is kept")
    }
}
