import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// `personal_data_kinds`, `block_secrets` and the `secret` factor: what a policy
/// author narrows, and what a credential in a check costs.
@Suite struct PersonalDataKindsTests {
    func rules(_ text: String) throws(PolicyRules.Invalid) -> PolicyRules {
        try PolicyRules.parse(try! JSONParser.parse(Array(text.utf8)))
    }

    func policy(_ text: String, mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: "pol_1", version: 3, mode: mode, rules: try rules(text))
    }

    let oneCall = CheckRequest(operations: [Operation(type: "llm_call", model: "gpt-4", provider: "internal")])

    func decide(_ policies: [Policy], _ findings: [(String, PIIKind)]) -> Decision {
        RiskEngine.evaluate(oneCall, policies: policies, pii: findings.map { PIIFinding(path: $0.0, kind: $0.1) }, at: 0, caller: Caller(keyID: "key_test"))
    }

    @Test func kindsAreValidatedStrictly() throws {
        #expect(try rules(#"{"personal_data_kinds": ["email", "payment_card"]}"#).personalDataKinds == [.email, .paymentCard])
        func problem(_ text: String) -> PolicyRules.Invalid? {
            do { _ = try rules(text); return nil } catch { return error }
        }
        #expect(problem(#"{"personal_data_kinds": ["email", "passport_photo"]}"#)?.field == "personal_data_kinds.passport_photo")
        #expect(problem(#"{"personal_data_kinds": ["email", "passport_photo"]}"#)?.problem.contains("person_name") == true,
                "the message lists the known kinds")
        #expect(problem(#"{"personal_data_kinds": ["secret"]}"#)?.problem.contains("block_secrets") == true)
        #expect(problem(#"{"personal_data_kinds": []}"#)?.field == "personal_data_kinds")
        #expect(problem(#"{"personal_data_kinds": "email"}"#)?.field == "personal_data_kinds")
        #expect(problem(#"{"personal_data_kinds": ["email", "email"]}"#)?.problem == "is listed twice")
        #expect(problem(#"{"block_secrets": "yes"}"#)?.field == "block_secrets")
        #expect(problem(#"{"block_secret": true}"#)?.problem.contains("block_secrets") == true, "a typo names the known rules")
    }

    @Test func rulesRoundTripThroughJSON() throws {
        let parsed = try rules(#"{"block_personal_data": true, "personal_data_kinds": ["ip_address", "email"], "block_secrets": false}"#)
        #expect(try PolicyRules.parse(parsed.json) == parsed)
    }

    @Test func narrowedKindsDecideTheRuleAndTheFactor() throws {
        let emailOnly = try policy(#"{"block_personal_data": true, "personal_data_kinds": ["email"]}"#)
        let ip = decide([emailOnly], [("context.client_ip", .ipAddress)])
        #expect(ip.allowed, "an IP address is not personal data for this customer")
        #expect(ip.riskScore == 0)
        let email = decide([emailOnly], [("context.client_ip", .ipAddress), ("context.email", .email)])
        #expect(!email.allowed)
        #expect(email.violations.map(\.rule) == ["block_personal_data"])
        #expect(email.reasons.first?.detail == "Personal data in context.email (email)", "only the counted kind is named")
        #expect(email.violations.first?.detail == "Personal data detected in context.email (email)", "the audit trail keeps where and what kind")
    }

    @Test func strictestWinsAcrossPolicies() throws {
        let emailOnly = try policy(#"{"personal_data_kinds": ["email"]}"#)
        let everything = Policy(id: "pol_2", version: 1, mode: .enforce, rules: try rules(#"{"max_tokens": 100000}"#))
        #expect(!decide([emailOnly, everything], [("context.ip", .ipAddress)]).allowed, "a policy that does not narrow counts every kind")
        #expect(!decide([], [("context.ip", .ipAddress)]).allowed, "no policy: every kind counts")
    }

    @Test func secretsScoreAndBlockOnTheirOwn() throws {
        let bare = decide([], [("operations[0].input", .secret)])
        #expect(!bare.allowed)
        #expect(bare.reasons.map(\.factor) == [.secret])
        #expect(bare.reasons[0].detail == "Secret in operations[0].input")
        #expect(bare.reason == "Secret detected in operation input")

        let byRule = decide([try policy(#"{"block_personal_data": true, "risk_weights": {"secret": 0}}"#)], [("context.note", .secret)])
        #expect(!byRule.allowed, "block_secrets defaults to block_personal_data")
        #expect(byRule.riskScore == 0)
        #expect(byRule.violations.map(\.rule) == ["block_secrets"])
        #expect(byRule.reason == "Secret detected in context")

        let allowed = decide([try policy(#"{"block_personal_data": true, "block_secrets": false, "risk_weights": {"secret": 0}}"#)],
                             [("context.note", .secret)])
        #expect(allowed.allowed, "block_secrets: false and weight 0 let a secret through")
        #expect(decide([try policy(#"{"personal_data_kinds": ["email"]}"#)], [("context.note", .secret)]).reasons.map(\.factor) == [.secret],
                "narrowing personal data never hides a secret")
    }

    @Test func violationsNameEveryPlaceAndKindBounded() throws {
        let rules = try policy(#"{"block_personal_data": true}"#)
        let request = CheckRequest(operations: [Operation(type: "data_query", dataClassification: "personal")])
        let d = RiskEngine.evaluate(request, policies: [rules], pii: [
            PIIFinding(path: "context.a", kind: .phone), PIIFinding(path: "context.a", kind: .email), PIIFinding(path: "context.b", kind: .ssn),
        ], at: 0, caller: Caller(keyID: "key_test"))
        #expect(d.violations.first?.detail == "Personal data detected in context.a (email, phone), context.b (ssn), operations[0].data_classification")
        let many = (0..<12).map { PIIFinding(path: "context.f\($0)", kind: .email) }
        let bounded = RiskEngine.evaluate(oneCall, policies: [rules], pii: many, at: 0, caller: Caller(keyID: "key_test")).violations.first?.detail ?? ""
        #expect(bounded.hasSuffix("context.f7 (email) and 4 more"), "\(bounded)")
        #expect(decide([rules], [("context.k", .secret)]).violations.map(\.detail) == ["Secret detected in context.k"])
    }

    @Test func monitorModeReportsASecretWithoutBlocking() throws {
        let lenient = Policy(id: "pol_0", version: 1, mode: .enforce, rules: try rules(#"{"risk_weights": {"secret": 0}}"#))
        let d = decide([lenient, try policy(#"{"block_secrets": true}"#, mode: .monitor)], [("context.k", .secret)])
        #expect(d.allowed)
        #expect(d.wouldBlock)
        #expect(d.violations.map(\.rule) == ["block_secrets"])
        #expect(d.wouldBlockBy == ["pol_1:3"])
    }
}
