import ConvergenceCore
import ConvergenceJSON
import ConvergencePII
import Foundation
import Testing
@testable import ConvergenceGovernance

/// Policies in effect only at times (issue 19): the check's time is an input, so these
/// decide the same on any machine, in any zone, on any day.
@Suite struct PolicyWindowTests {
    func policy(_ rules: String, id: String = "pol_t") throws -> Policy {
        Policy(id: id, version: 1, mode: .enforce, rules: try PolicyRules.parse(try JSONParser.parse(Array(rules.utf8))))
    }

    func decide(_ policies: [Policy], at time: String) throws -> Decision {
        let request = try CheckRequest.from(try JSONDocument.parse(Array(#"{"operations": [{"type": "llm_call", "model": "gpt-4", "provider": "internal"}]}"#.utf8)))
        return RiskEngine.evaluate(request, policies: policies, pii: [], at: try #require(RFC3339.parseMicros(time)), caller: Caller(keyID: "key_test"))
    }

    @Test func notBeforeAndNotAfterBoundTheInEffectSpan() throws {
        let p = try policy(#"{"denied_models": ["gpt-4"], "not_before": "2027-01-01T00:00:00Z", "not_after": "2027-02-01T00:00:00+01:00"}"#)
        let before = try decide([p], at: "2026-12-31T23:59:59Z")
        #expect(before.allowed)
        #expect(before.policyVersions.isEmpty, "a policy not in effect is not named")
        #expect(try !decide([p], at: "2027-01-01T00:00:00Z").allowed)
        #expect(try !decide([p], at: "2027-01-31T22:59:59Z").allowed)
        #expect(try decide([p], at: "2027-01-31T23:00:00Z").allowed, "not_after is exclusive, in its own offset")
    }

    @Test func aWeeklyWindowFollowsTheLocalClockThroughDaylightSaving() throws {
        let p = try policy(#"{"denied_models": ["gpt-4"], "active": {"tz": "Europe/Berlin", "days": ["mon", "tue", "wed", "thu", "fri"], "from": "08:00", "to": "19:00"}}"#)
        // Monday 4 January 2027, CET (UTC+1).
        #expect(try decide([p], at: "2027-01-04T06:59:59Z").allowed)
        #expect(try !decide([p], at: "2027-01-04T07:00:00Z").allowed)
        #expect(try !decide([p], at: "2027-01-04T17:59:59Z").allowed)
        #expect(try decide([p], at: "2027-01-04T18:00:00Z").allowed)
        // Saturday.
        #expect(try decide([p], at: "2027-01-02T10:00:00Z").allowed)
        // Monday 5 July 2027, CEST (UTC+2): 06:30Z is 08:30 local.
        #expect(try !decide([p], at: "2027-07-05T06:30:00Z").allowed)
        #expect(try decide([p], at: "2027-07-05T05:30:00Z").allowed)
    }

    @Test func aWindowOverMidnightBelongsToTheDayItStarts() throws {
        let p = try policy(#"{"denied_models": ["gpt-4"], "active": {"days": ["fri"], "from": "22:00", "to": "06:00"}}"#)
        #expect(try !decide([p], at: "2027-01-01T23:00:00Z").allowed) // Friday night
        #expect(try !decide([p], at: "2027-01-02T05:59:00Z").allowed) // Saturday early
        #expect(try decide([p], at: "2027-01-02T23:00:00Z").allowed) // Saturday night
        #expect(try decide([p], at: "2027-01-01T05:00:00Z").allowed) // Friday early: Thursday's night, not listed
    }

    @Test func otherPoliciesStillApplyOutsideTheWindow() throws {
        let always = try policy(#"{"max_tokens": 10}"#, id: "pol_always")
        let timed = try policy(#"{"denied_models": ["gpt-4"], "not_after": "2027-01-01T00:00:00Z"}"#, id: "pol_timed")
        let d = try decide([always, timed], at: "2027-06-01T00:00:00Z")
        #expect(d.policyVersions == ["pol_always:1"])
    }

    @Test func windowsSurviveStorage() throws {
        let text = #"{"not_before": "2027-01-01T09:00:00+01:00", "active": {"tz": "America/New_York", "days": ["sat", "sun"], "from": "00:00", "to": "24:00"}}"#
        let rules = try PolicyRules.parse(try JSONParser.parse(Array(text.utf8)))
        #expect(try PolicyRules.parse(rules.json) == rules)
        guard case .object(let stored) = rules.json, case .string(let notBefore)? = stored["not_before"] else {
            Issue.record("no not_before in \(rules.json)")
            return
        }
        #expect(notBefore == "2027-01-01T09:00:00+01:00")
    }

    @Test(arguments: [
        (#"{"not_before": "yesterday"}"#, "not_before"), (#"{"not_after": "2027-01-01"}"#, "not_after"),
        (#"{"active": []}"#, "active"), (#"{"active": {"tz": "Mars/Olympus_Mons"}}"#, "active.tz"),
        (#"{"active": {"days": ["funday"]}}"#, "active.days"), (#"{"active": {"days": ["mon", "mon"]}}"#, "active.days"),
        (#"{"active": {"from": "8:00"}}"#, "active.from"), (#"{"active": {"from": "24:00"}}"#, "active.from"),
        (#"{"active": {"from": "08:00", "to": "08:00"}}"#, "active.to"), (#"{"active": {"hours": 3}}"#, "active.hours"),
    ])
    func badWindowsNameTheField(text: String, field: String) {
        expectRefused(text, naming: field)
    }

    @Test func theCachedOffsetChangesExactlyAtTheTransitionWhicheverOrderTimesAreAsked() throws {
        // Europe/Berlin went to summer time at 2026-03-29T01:00:00Z; Lord Howe Island shifts by half an hour.
        let berlin = try #require(TimeZone(identifier: "Europe/Berlin")), lordHowe = try #require(TimeZone(identifier: "Australia/Lord_Howe"))
        let cache = ZoneOffsetCache(), switchAt = try #require(RFC3339.parseMicros("2026-03-29T01:00:00Z")) / 1_000_000
        for seconds in [switchAt - 1, switchAt, switchAt - 1, switchAt + 899, switchAt - 900, switchAt, switchAt - 1] {
            #expect(cache.offset(berlin, at: seconds) == (seconds < switchAt ? 3600 : 7200), "at \(seconds - switchAt) s from the switch")
        }
        let other = ZoneOffsetCache()
        for seconds in [switchAt, switchAt + 7 * 86_400, switchAt + 180 * 86_400] {
            #expect(other.offset(lordHowe, at: seconds) == Int64(lordHowe.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds)))))
            #expect(other.offset(lordHowe, at: seconds) % 1800 == 0)
        }
    }
}
