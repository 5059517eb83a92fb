import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// Globs over model names, and the per-model rules built on them (issue 19).
@Suite struct ModelPatternTests {
    @Test(arguments: [
        ("gpt-4", "gpt-4", true), ("gpt-4", "gpt-4o", false), ("gpt-4", "GPT-4", false),
        ("gpt-4*", "gpt-4", true), ("gpt-4*", "gpt-4-turbo", true), ("gpt-4*", "gpt-3.5", false),
        ("*-preview", "gpt-4-turbo-preview", true), ("*-preview", "preview", false), ("*", "anything", true), ("*", "", true),
        ("claude-*-sonnet*", "claude-3-5-sonnet-20241022", true), ("claude-*-sonnet*", "claude-3-opus", false),
        ("a*a", "a", false), ("a*a", "aa", true), ("*a*b*", "xxbxxa", false), ("*a*b*", "xaxbx", true),
    ])
    func globsMatchWholeNames(pattern: String, model: String, matches: Bool) {
        #expect(ModelPattern(pattern).matches(model, caseInsensitive: false) == matches)
    }

    @Test func foldingCaseIsOnlyForDeniesAndLimits() {
        #expect(ModelPattern("gpt-4*").matches("GPT-4-Turbo", caseInsensitive: true))
        #expect(!ModelPattern("gpt-4*").matches("GPT-4-Turbo", caseInsensitive: false))
    }

    @Test func theMostSpecificPatternDecidesWhateverTheOrder() {
        let limits = [ModelLimit(pattern: .init("*"), maxTokens: 8000), ModelLimit(pattern: .init("gpt-4*"), maxTokens: 2000),
                      ModelLimit(pattern: .init("gpt-4-turbo*"), maxTokens: 4000), ModelLimit(pattern: .init("gpt-4"), maxTokens: 1000)]
        for order in [limits, limits.reversed()] {
            #expect(ModelLimit.deciding(order, for: "gpt-4")?.maxTokens == 1000)
            #expect(ModelLimit.deciding(order, for: "gpt-4o")?.maxTokens == 2000)
            #expect(ModelLimit.deciding(order, for: "gpt-4-turbo-preview")?.maxTokens == 4000)
            #expect(ModelLimit.deciding(order, for: "llama-3")?.maxTokens == 8000)
        }
        #expect(ModelLimit.deciding([ModelLimit(pattern: .init("gpt-4*"), maxTokens: 1)], for: "claude-3") == nil)
    }

    @Test func aLongModelNameAgainstManyStarsStaysFast() {
        let pattern = ModelPattern(String(repeating: "a*", count: 100))
        let model = String(repeating: "a", count: 99) + String(repeating: "b", count: 100_000)
        let clock = ContinuousClock()
        let elapsed = clock.measure { #expect(!pattern.matches(model, caseInsensitive: true)) }
        #expect(elapsed < .seconds(1), "\(elapsed)")
    }
}

@Suite struct ModelRuleTests {
    func policy(_ rules: String, id: String = "pol_1", mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func check(_ operations: String, _ policies: [Policy]) throws -> Decision {
        let request = try CheckRequest.from(try JSONDocument.parse(Array(#"{"operations": [\#(operations)]}"#.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: PIIDetector.scan(request), at: 0, caller: Caller(keyID: "key_test"))
    }

    static let perModel = #"{"models": {"gpt-4*": {"max_tokens": 2000}, "*": {"max_tokens": 8000}}, "allowed_models": ["gpt-4*", "claude-*"]}"#

    @Test func perModelTokenLimitsTakeTheMostSpecificPattern() throws {
        let p = try policy(Self.perModel)
        #expect(try check(#"{"type": "llm_call", "model": "gpt-4o", "tokens": 2000}"#, [p]).allowed)
        let over = try check(#"{"type": "llm_call", "model": "gpt-4o", "tokens": 2001}"#, [p])
        #expect(!over.allowed)
        #expect(over.violations.map(\.rule) == ["models"])
        #expect(over.violations.first?.detail == #"operations[0].tokens over 2000 (models "gpt-4*")"#)
        // Other models fall to "*": 5000 tokens is within 8000.
        #expect(try check(#"{"type": "llm_call", "model": "claude-3", "tokens": 5000}"#, [p]).allowed)
        #expect(try check(#"{"type": "llm_call", "model": "claude-3", "tokens": 8001}"#, [p]).violations.map(\.rule) == ["models"])
        // Case does not dodge a limit.
        #expect(try check(#"{"type": "llm_call", "model": "GPT-4o", "tokens": 3000}"#, [p]).violations.map(\.rule).contains("models"))
    }

    @Test func theShorthandsKeepTheirMeaningAndTheStrictestLimitWins() throws {
        let p = try policy(#"{"models": {"gpt-4*": {"max_tokens": 2000}}, "max_tokens": 1000}"#)
        #expect(try check(#"{"type": "llm_call", "model": "gpt-4", "tokens": 1500}"#, [p]).violations.map(\.rule) == ["max_tokens"])
        let q = try policy(#"{"allowed_models": ["gpt-4"]}"#)
        #expect(try check(#"{"type": "llm_call", "model": "gpt-4-turbo"}"#, [q]).violations.map(\.rule) == ["allowed_models"])
        #expect(try check(#"{"type": "llm_call", "model": "gpt-4"}"#, [q]).allowed)
    }

    @Test func aDeniedModelIsRefusedEvenWhereAnotherPolicyAllowsIt() throws {
        let allows = try policy(#"{"allowed_models": ["gpt-*"]}"#, id: "pol_allow")
        let denies = try policy(#"{"denied_models": ["*-preview"]}"#, id: "pol_deny")
        let d = try check(#"{"type": "llm_call", "model": "gpt-4-turbo-PREVIEW"}, {"type": "llm_call", "model": "gpt-4"}"#, [allows, denies])
        #expect(!d.allowed)
        #expect(d.violations.map(\.rule) == ["denied_models"])
        #expect(d.violations.first?.detail == "Model in denied_models: operations[0].model")
        #expect(d.violations.first?.policyID == "pol_deny")
        // Denied is not approved: the external-model factor counts it although a policy allows "gpt-*".
        #expect(d.reasons.map(\.factor).contains(.externalModel))
        #expect(try check(#"{"type": "llm_call", "model": "gpt-4"}"#, [allows, denies]).riskScore == 0)
    }

    @Test func aMonitorPolicyOnlyWouldBlock() throws {
        let d = try check(#"{"type": "llm_call", "model": "gpt-4", "provider": "internal"}"#,
                          [try policy(#"{"denied_models": ["gpt-4"]}"#, mode: .monitor)])
        #expect(d.allowed)
        #expect(d.wouldBlock)
    }

    @Test func rulesSurviveStorage() throws {
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(Self.perModel.utf8)))
        #expect(try PolicyRules.parse(rules.json) == rules)
    }

    @Test(arguments: [
        (#"{"models": []}"#, "models"), (#"{"models": {"gpt-4": 5}}"#, "models.gpt-4"), (#"{"models": {"gpt-4": {}}}"#, "models.gpt-4"),
        (#"{"models": {"gpt-4": {"max_tokenz": 5}}}"#, "models.gpt-4.max_tokenz"),
        (#"{"models": {"*": {"max_tokens": -1}}}"#, "models.*.max_tokens"), (#"{"denied_models": "gpt-4"}"#, "denied_models"),
        (#"{"denied_models": [""]}"#, "denied_models"),
    ])
    func badModelRulesNameTheField(text: String, field: String) {
        expectRefused(text, naming: field)
    }
}
