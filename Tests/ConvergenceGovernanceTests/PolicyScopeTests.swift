import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// `applies_to` and the precedence between policies (issue 19): deny wins, the strictest
/// limit wins, and every decision names the policies that applied.
@Suite struct PolicyScopeTests {
    func policy(_ rules: String, id: String, mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func decide(_ policies: [Policy], model: String = "gpt-4", tokens: Int = 100, department: String? = nil,
                key: String = "key_a", keyDepartment: String? = nil) throws -> Decision {
        let context = department.map { #", "context": {"department": "\#($0)"}"# } ?? ""
        let body = #"{"operations": [{"type": "llm_call", "model": "\#(model)", "provider": "internal", "tokens": \#(tokens)}]\#(context)}"#
        let request = try CheckRequest.from(try JSONDocument.parse(Array(body.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: [], at: 0, caller: Caller(keyID: key, department: keyDepartment))
    }

    /// A key's stored department decides; `context.department` only stands in for keys without one,
    /// so a client cannot talk its way out of its department's policy.
    @Test func aKeysDepartmentWinsOverTheContext() throws {
        let finance = try policy(#"{"applies_to": {"departments": ["finance"]}, "max_tokens": 50}"#, id: "pol_fin")
        #expect(try !decide([finance], department: "marketing", keyDepartment: "finance").allowed)
        #expect(try decide([finance], department: "finance", keyDepartment: "marketing").allowed)
        #expect(try !decide([finance], department: "finance").allowed)
    }

    /// The subsets a customer's scopes make are prepared once and reused: the same set for the
    /// same applying policies, a different one when other policies apply.
    @Test func applyingSubsetsAreReusedAndDistinct() throws {
        let finance = try policy(#"{"applies_to": {"departments": ["finance"]}, "max_tokens": 50}"#, id: "pol_fin")
        let legal = try policy(#"{"applies_to": {"departments": ["legal"]}, "max_tokens": 10}"#, id: "pol_legal")
        let org = try policy(#"{"max_tokens": 1000}"#, id: "pol_org")
        let set = PolicySet([finance, legal, org])
        func applying(_ department: String) throws -> PolicySet {
            let body = #"{"operations": [{"type": "llm_call"}], "context": {"department": "\#(department)"}}"#
            return set.applying(to: try CheckRequest.from(try JSONDocument.parse(Array(body.utf8))), caller: Caller(keyID: "k"), at: 0)
        }
        let first = try applying("finance")
        #expect(first.versionTags == ["pol_fin:1", "pol_org:1"])
        #expect(try applying("finance") === first)
        #expect(try applying("legal").versionTags == ["pol_legal:1", "pol_org:1"])
        #expect(try applying("sales").versionTags == ["pol_org:1"])
    }

    @Test func aDepartmentPolicyAppliesOnlyToThatDepartment() throws {
        let finance = try policy(#"{"applies_to": {"departments": ["finance"]}, "max_tokens": 50}"#, id: "pol_fin")
        #expect(try decide([finance], department: "marketing").allowed)
        #expect(try decide([finance]).allowed, "no department named: the scoped policy does not apply")
        let d = try decide([finance], department: "finance")
        #expect(!d.allowed)
        #expect(d.policyVersions == ["pol_fin:1"])
        #expect(try decide([finance], department: "marketing").policyVersions.isEmpty, "a policy that does not apply is not named")
    }

    @Test func keyAndModelScopes() throws {
        let keyed = try policy(#"{"applies_to": {"keys": ["key_b"]}, "denied_models": ["*"]}"#, id: "pol_key")
        #expect(try decide([keyed], key: "key_a").allowed)
        #expect(try !decide([keyed], key: "key_b").allowed)
        let modelScoped = try policy(#"{"applies_to": {"models": ["claude-*"]}, "max_tokens": 10}"#, id: "pol_claude")
        #expect(try decide([modelScoped], model: "gpt-4").allowed)
        #expect(try !decide([modelScoped], model: "Claude-3-opus").allowed)
        // Every dimension given must match.
        let both = try policy(#"{"applies_to": {"keys": ["key_a"], "departments": ["legal"]}, "max_tokens": 10}"#, id: "pol_both")
        #expect(try decide([both], department: "finance").allowed)
        #expect(try !decide([both], department: "legal").allowed)
    }

    /// The precedence table of docs/governance.md, row by row.
    @Test func precedenceDenyWinsAndTheStrictestLimitWins() throws {
        let broad = try policy(#"{"allowed_models": ["gpt-*"], "max_tokens": 1000}"#, id: "pol_org")
        let team = try policy(#"{"applies_to": {"departments": ["research"]}, "denied_models": ["gpt-4*"], "max_tokens": 5000}"#, id: "pol_team")
        // A team policy cannot widen an organisation's limit: 2000 tokens is over the strictest (1000).
        let wider = try decide([broad, team], model: "gpt-3.5", tokens: 2000, department: "research")
        #expect(wider.violations.map(\.rule) == ["max_tokens"])
        #expect(wider.violations.map(\.policyID) == ["pol_org"])
        // Deny wins over an allow in another policy, and the decision names both policies.
        let denied = try decide([broad, team], model: "gpt-4o", tokens: 10, department: "research")
        #expect(denied.violations.map(\.rule) == ["denied_models"])
        #expect(denied.policyVersions == ["pol_org:1", "pol_team:1"])
        // Out of the team's scope only the organisation's policy applies.
        #expect(try decide([broad, team], model: "gpt-4o", tokens: 10, department: "sales").allowed)
    }

    @Test(arguments: [
        (#"{"applies_to": {}}"#, "applies_to"), (#"{"applies_to": {"teams": ["a"]}}"#, "applies_to.teams"),
        (#"{"applies_to": {"keys": []}}"#, "applies_to.keys"), (#"{"applies_to": {"departments": [1]}}"#, "applies_to.departments"),
    ])
    func badScopesNameTheField(text: String, field: String) {
        expectRefused(text, naming: field)
    }

    @Test func scopesSurviveStorage() throws {
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(#"{"applies_to": {"departments": ["finance"], "models": ["gpt-4*"]}}"#.utf8)))
        #expect(try PolicyRules.parse(rules.json) == rules)
    }
}

/// The stash encoding of a customer's policies (what another worker decides with during an
/// outage): the same policies, rules and all, and nothing from bytes that are not a set.
@Suite struct PolicySetStashTests {
    @Test func policiesSurviveTheStash() throws {
        let texts = [#"{"max_tokens": 100, "applies_to": {"departments": ["finance"]}, "models": {"gpt-4*": {"max_tokens": 5}}}"#,
                     #"{"denied_models": ["x*"], "active": {"tz": "Europe/Berlin", "days": ["mon"], "from": "08:00", "to": "17:00"}}"#]
        let policies = try texts.enumerated().map { i, text in
            Policy(id: "pol_\(i)", version: i + 3, mode: i == 0 ? .enforce : .monitor,
                   rules: try PolicyRules.parse(try JSONParser.parse(Array(text.utf8))))
        }
        let set = try #require(PolicySet(stashed: PolicySet(policies).stashed))
        #expect(set.policies == policies)
        #expect(set.isConditional)
        #expect(PolicySet(stashed: Array(#"[{"id": "pol_1"}]"#.utf8)) == nil)
        #expect(PolicySet(stashed: Array("[".utf8)) == nil)
        #expect(PolicySet(stashed: Array("[]".utf8))?.policies.isEmpty == true)
    }
}
