import Testing
@testable import ConvergenceShared

/// How cluster-scope budget grants are sized (pure): enough for the next checks, never more
/// than a host's share of what is left, returned when unused, refused locally only on a
/// fresh reading.
@Suite struct BudgetLeasePlanTests {
    let plan = BudgetLeasePlan(syncSeconds: 1)

    @Test func aRequestLeasesItsNeedPlusAFewChecksWithinItsShare() {
        // 1,000,000 tokens, 200,000 handed out, two hosts: a host's share is 400,000.
        #expect(plan.requestWant(need: 1500, amount: 1500, limit: 1_000_000, centralUsed: 200_000, hosts: 2) == 6000)
        // Near the end the share caps it, but never below what this check needs.
        #expect(plan.requestWant(need: 1500, amount: 1500, limit: 1_000_000, centralUsed: 997_000, hosts: 2) == 1500)
        #expect(plan.requestWant(need: 1, amount: 1, limit: 40, centralUsed: 0, hosts: 2) == 4)
        #expect(plan.requestWant(need: 1, amount: 1, limit: 40, centralUsed: 39, hosts: 2) == 1)
    }

    @Test func localRefusalsNeedAFreshReadingThatLeavesTooLittle() {
        #expect(plan.refusesLocally(need: 10, limit: 100, centralUsed: 95, readSecondsAgo: 0.5))
        #expect(!plan.refusesLocally(need: 5, limit: 100, centralUsed: 95, readSecondsAgo: 0.5), "5 are left: lease them")
        #expect(!plan.refusesLocally(need: 10, limit: 100, centralUsed: 95, readSecondsAgo: 2), "stale: grants may have come back")
        #expect(!plan.refusesLocally(need: 10, limit: 100, centralUsed: 95, readSecondsAgo: nil), "never read: ask")
    }

    @Test func theKeeperRefillsTwoSyncsOfDemandWhenLessThanOneIsLeft() {
        // 3,000 tokens/s spent here, 1,000 left: lease up to 6,000 held.
        #expect(plan.refill(left: 1000, demandPerSecond: 3000, idleSeconds: 0.1, limit: 1_000_000, centralUsed: 0, hosts: 2) == 5000)
        #expect(plan.refill(left: 4000, demandPerSecond: 3000, idleSeconds: 0.1, limit: 1_000_000, centralUsed: 0, hosts: 2) == 0,
                "more than a sync's demand left")
        #expect(plan.refill(left: 0, demandPerSecond: 3000, idleSeconds: 3, limit: 1_000_000, centralUsed: 0, hosts: 2) == 0, "idle")
        #expect(plan.refill(left: 0, demandPerSecond: 0, idleSeconds: 0.1, limit: 1_000_000, centralUsed: 0, hosts: 2) == 0, "no demand")
        #expect(plan.refill(left: 0, demandPerSecond: 3000, idleSeconds: 0.1, limit: 10_000, centralUsed: 9_000, hosts: 2) == 500,
                "half of what is left on two hosts")
        #expect(plan.refill(left: 0, demandPerSecond: 3000, idleSeconds: 0.1, limit: 10_000, centralUsed: 10_000, hosts: 2) == 0)
    }

    @Test func unusedGrantsGoBackAndTheOutageShareSplitsWhatIsLeft() {
        #expect(plan.shouldReturn(left: 10, idleSeconds: 2))
        #expect(!plan.shouldReturn(left: 10, idleSeconds: 1.5))
        #expect(!plan.shouldReturn(left: 0, idleSeconds: 10))
        #expect(BudgetLeasePlan.outageAllowance(limit: 100, centralUsed: 40, hosts: 3) == 20)
        #expect(BudgetLeasePlan.outageAllowance(limit: 100, centralUsed: 120, hosts: 3) == 0, "an overcharged counter allows nothing")
        #expect(BudgetLeasePlan.usage(centralUsed: 50, left: 8, limit: 100) == 42, "this host's unspent grants are not used")
        #expect(BudgetLeasePlan.usage(centralUsed: 130, left: 0, limit: 100) == 100)
    }
}
