import ConvergenceCore
import ConvergenceJSON
import ConvergencePII
import Testing
@testable import ConvergenceGovernance

/// `POST /policies/preview`'s engine: recorded checks replayed against the policies in force
/// and against a draft, each at the record's own time (issue 19).
@Suite struct PolicyReplayTests {
    func policy(_ rules: String, id: String, mode: Policy.Mode = .enforce) throws -> Policy {
        Policy(id: id, version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func recorded(_ id: String, model: String, at: Int64 = 0, reasons: String = "[]", key: String = "key_a",
                  department: String? = nil) throws -> ReplayedCheck {
        try #require(ReplayedCheck(requestID: id, createdAtMicros: at,
                                   operationsJSON: #"[{"type":"llm_call","model":"\#(model)","provider":"internal","tokens":500}]"#,
                                   reasonsJSON: reasons, caller: Caller(keyID: key, department: department)))
    }

    @Test func recordsKeepWhatTheEngineNeeds() throws {
        let check = try recorded("r1", model: "gpt-4", reasons: #"[{"factor":"personal_data","points":70,"kinds":["email","phone"]},{"factor":"secret","points":70}]"#)
        #expect(check.operations.first?.model == "gpt-4")
        #expect(check.operations.first?.tokens == 500)
        #expect(check.personalKinds == PIIKindSet([.email, .phone]))
        #expect(check.secret)
        // Records from before kinds were kept replay as every kind.
        #expect(try recorded("r2", model: "m", reasons: #"[{"factor":"personal_data","points":70}]"#).personalKinds == .personalData)
        #expect(ReplayedCheck(requestID: "r3", createdAtMicros: 0, operationsJSON: "{}", reasonsJSON: nil, caller: Caller(keyID: "k")) == nil)
    }

    @Test func aDraftShowsWhatItWouldHaveBlocked() throws {
        let checks = [try recorded("r1", model: "gpt-4o"), try recorded("r2", model: "gpt-3.5"), try recorded("r3", model: "gpt-4"),
                      try recorded("r4", model: "claude", reasons: #"[{"factor":"personal_data","points":70,"kinds":["ip_address"]}]"#)]
        let current = [try policy(#"{"max_tokens": 10000}"#, id: "pol_org")]
        // The draft replaces pol_org (as with policy_id): it denies gpt-4* and lets IP addresses through.
        let draft = [try policy(#"{"max_tokens": 10000, "denied_models": ["gpt-4*"], "personal_data_actions": {"ip_address": "allow"}}"#, id: "pol_org")]
        let s = PolicyReplay.run(checks, current: PolicySet(current), draft: PolicySet(draft))
        #expect(s.replayed == 4)
        // r4's personal data (an IP address, 70 points) blocks today; the draft no longer counts IP addresses.
        #expect(s.current == .init(allowed: 3, blocked: 1, wouldBlock: 0))
        #expect(s.draft == .init(allowed: 2, blocked: 2, wouldBlock: 0))
        #expect(s.newlyBlocked == 2)
        #expect(s.newlyAllowed == 1)
        #expect(s.byRule == [.init(policyID: "pol_org", rule: "denied_models", mode: .enforce, checks: 2)])
        #expect(s.changes.map(\.requestID) == ["r1", "r3", "r4"])
        #expect(s.changes.first?.rules == ["pol_org:denied_models"])
        // Added next to pol_org instead, the allow changes nothing: pol_org still counts every kind (strictest wins).
        let added = current + [try policy(#"{"personal_data_actions": {"ip_address": "allow"}}"#, id: "draft")]
        #expect(PolicyReplay.run(checks, current: PolicySet(current), draft: PolicySet(added)).newlyAllowed == 0)
    }

    /// Replayed at the record's time: a draft active only in office hours blocks only what was sent then.
    @Test func timeWindowsReplayAtTheRecordsTime() throws {
        let monday9 = try #require(RFC3339.parseMicros("2026-11-30T09:00:00Z")), monday22 = try #require(RFC3339.parseMicros("2026-11-30T22:00:00Z"))
        let checks = [try recorded("day", model: "x", at: monday9), try recorded("night", model: "x", at: monday22)]
        let draft = [try policy(#"{"denied_models": ["*"], "active": {"tz": "UTC", "from": "08:00", "to": "18:00"}}"#, id: "draft", mode: .monitor)]
        let s = PolicyReplay.run(checks, current: PolicySet([]), draft: PolicySet(draft))
        #expect(s.draft.wouldBlock == 1)
        #expect(s.byRule.first?.mode == .monitor)
        #expect(s.newlyBlocked == 0, "a monitor draft blocks nothing")
    }
}

/// The monitor pass skips the enforcing policies' rules (already evaluated): the same
/// would-block and violations as assessing everything again, over mixes of modes, narrowed
/// kinds, thresholds and findings.
@Suite struct MonitorPassEquivalenceTests {
    @Test func skippingEnforcedRulesChangesNoDecision() throws {
        let texts = [#"{"block_personal_data": true, "personal_data_kinds": ["email"]}"#, #"{"block_personal_data": true}"#,
                     #"{"max_tokens": 100}"#, #"{"block_threshold": 20}"#, #"{"denied_models": ["gpt-4*"]}"#,
                     #"{"personal_data_actions": {"phone": "block"}}"#, #"{"allowed_models": ["gpt-4"]}"#]
        let findings: [[PIIFinding]] = [[], [PIIFinding(path: "context.a", kind: .email)], [PIIFinding(path: "context.a", kind: .phone)],
                                        [PIIFinding(path: "context.a", kind: .secret)]]
        let requests = try [#"{"operations": [{"type": "llm_call", "model": "gpt-4", "provider": "internal", "tokens": 50}]}"#,
                            #"{"operations": [{"type": "llm_call", "model": "gpt-4o", "tokens": 500}]}"#].map {
            try CheckRequest.from(try JSONDocument.parse(Array($0.utf8)))
        }
        var compared = 0
        for a in texts.indices { for b in texts.indices where a != b { for modes in [(Policy.Mode.enforce, Policy.Mode.monitor), (.monitor, .enforce), (.monitor, .monitor)] {
            let set = PolicySet(try [(a, modes.0), (b, modes.1)].map { i, mode in
                Policy(id: "pol_\(i)", version: 1, mode: mode, rules: try PolicyRules.parse(try JSONParser.parse(Array(texts[i].utf8))))
            })
            for request in requests { for pii in findings {
                let decision = RiskEngine.evaluate(request, policies: set, pii: pii, at: 0, caller: Caller(keyID: "k"))
                let enforced = RiskEngine.assess(request, set, scope: set.enforced, pii: pii)
                let everything = RiskEngine.assess(request, set, scope: set.all, pii: pii)
                #expect(decision.wouldBlock == (!enforced.blocked && everything.blocked), "\(texts[a]) \(texts[b]) \(modes) \(pii)")
                #expect(decision.violations == enforced.violations + everything.violations.filter { $0.mode == .monitor })
                compared += 1
            } }
        } } }
        #expect(compared == 7 * 6 * 3 * 2 * 4)
    }
}
