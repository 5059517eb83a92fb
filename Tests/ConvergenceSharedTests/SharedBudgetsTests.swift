import CConvergenceShm
import Dispatch
import Synchronization
import Testing
@testable import ConvergenceShared

/// Budget usage in the shared region (cv_budget.c): exact under concurrent reservations,
/// refunds and loads that count once, and the keeper's sync that never loses usage.
@Suite struct SharedBudgetsTests {
    let region = SharedRegion.inMemory(buckets: 64, series: 64)
    var budgets: SharedBudgets { SharedBudgets(region: region) }

    @Test func concurrentReservationsAdmitExactlyTheLimit() throws {
        let budgets = self.budgets
        let admitted = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 {
                guard let slot = budgets.slot(counter: 42, periodStart: 1000, periodEnd: 2000, nowNs: 1) else { continue }
                if case .admitted = budgets.reserve(slot, amount: 3, limit: 10_000, nowNs: 1) { admitted.add(1, ordering: .relaxed) }
            }
        }
        #expect(admitted.load(ordering: .relaxed) == 3_333, "3,333 × 3 fit in 10,000")
        let slot = try #require(budgets.slot(counter: 42, periodStart: 1000, periodEnd: 2000, nowNs: 1))
        #expect(!slot.created && budgets.usage(slot) == 9_999)
        #expect(budgets.reserve(slot, amount: 1, limit: 10_000, nowNs: 1) == .admitted(used: 10_000))
        #expect(budgets.reserve(slot, amount: 0, limit: 10_000, nowNs: 1) == .refused(used: 10_000), "a spent budget refuses even nothing")
    }

    @Test func refundsAndLoadsCountOnce() throws {
        let slot = try #require(budgets.slot(counter: 7, periodStart: 0, periodEnd: 3600, nowNs: 1))
        #expect(slot.created)
        #expect(budgets.load(slot, total: 50))
        #expect(!budgets.load(slot, total: 50), "the first loader wins")
        #expect(budgets.reserve(slot, amount: 30, limit: 100, nowNs: 2) == .admitted(used: 80))
        #expect(budgets.reserve(slot, amount: 30, limit: 100, nowNs: 2) == .refused(used: 80))
        budgets.refund(slot, amount: 30)
        #expect(budgets.usage(slot) == 50)
        #expect(budgets.slot(counter: 7, periodStart: 3600, periodEnd: 7200, nowNs: 3)?.created == true, "a new period, a new counter")
    }

    @Test func aSyncKeepsWhatArrivesWhileItRuns() throws {
        let slot = try #require(budgets.slot(counter: 9, periodStart: 0, periodEnd: 3600, nowNs: 1))
        _ = budgets.reserve(slot, amount: 10, limit: 1000, nowNs: 1)
        let entry = try #require(budgets.entries().first { $0.counter == 9 })
        #expect(entry.used == 10)
        let taken = budgets.takeUnsynced(entry)
        #expect(taken == 10)
        _ = budgets.reserve(slot, amount: 5, limit: 1000, nowNs: 2) // admitted while the statement runs
        budgets.setTotal(entry, total: 10 + 200) // PostgreSQL: this host's 10 and another host's 200
        #expect(budgets.usage(slot) == 215)
        #expect(budgets.takeUnsynced(entry) == 5, "what arrived meanwhile goes at the next sync")
        budgets.giveBack(entry, amount: 5) // that sync failed: kept for the one after
        #expect(budgets.takeUnsynced(entry) == 5)
        #expect(budgets.release(entry) && budgets.entries().allSatisfy { $0.counter != 9 })
    }

    @Test func clusterSlotsSpendExactlyTheirGrantsAndAreApartFromHostSlots() throws {
        let budgets = self.budgets
        let slot = try #require(budgets.slot(counter: 42, periodStart: 1000, periodEnd: 2000, cluster: true, nowNs: 1))
        let hostSlot = try #require(budgets.slot(counter: 42, periodStart: 1000, periodEnd: 2000, nowNs: 1))
        #expect(slot.hash != hostSlot.hash, "the scope is part of a slot's identity")
        #expect(budgets.spend(slot, amount: 1, nowNs: 2) == .short(left: 0), "nothing granted yet")
        #expect(budgets.grant(slot, amount: 10_000))
        let spent = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<2_000 {
                guard let s = budgets.slot(counter: 42, periodStart: 1000, periodEnd: 2000, cluster: true, nowNs: 3) else { continue }
                if case .spent = budgets.spend(s, amount: 3, nowNs: 3) { spent.add(1, ordering: .relaxed) }
            }
        }
        #expect(spent.load(ordering: .relaxed) == 3_333, "3,333 × 3 fit in a grant of 10,000")
        #expect(budgets.spend(slot, amount: 3, nowNs: 4) == .short(left: 1))
        #expect(budgets.grant(slot, amount: 0, refund: 3), "a blocked check's amount comes back")
        #expect(budgets.spend(slot, amount: 4, nowNs: 4) == .spent(left: 0))
        let entry = try #require(budgets.entries().first { $0.hash == slot.hash })
        #expect(entry.cluster && budgets.takeUnsynced(entry) == 9_999 - 3 + 4, "the demand the keeper sees: spent, less refunds")
        #expect(budgets.usage(hostSlot) == 0, "the host-scope slot of the same counter is untouched")
    }

    @Test func outageAdmissionsStayWithinTheirAllowanceAndDrainsTakeWhatIsLeft() throws {
        let slot = try #require(budgets.slot(counter: 9, periodStart: 0, periodEnd: 60, cluster: true, nowNs: 1))
        #expect(budgets.admitOutside(slot, amount: 6, allowance: 10))
        #expect(!budgets.admitOutside(slot, amount: 6, allowance: 10), "6 + 6 is past the allowance")
        budgets.refundOutside(slot, amount: 6)
        #expect(budgets.admitOutside(slot, amount: 10, allowance: 10))
        let entry = try #require(budgets.entries().first { $0.hash == slot.hash })
        #expect(budgets.outsidePending(entry) == 10, "read, not taken: the share still counts it while it is charged")
        #expect(!budgets.admitOutside(slot, amount: 1, allowance: 10))
        budgets.outsideSettled(entry, amount: 10)
        #expect(budgets.outsidePending(entry) == 0 && budgets.outsidePending(slot) == 0)
        budgets.grant(slot, amount: 25)
        #expect(budgets.drain(entry) == 25 && budgets.drain(entry) == 0)
        budgets.noteCentral(slot, used: 70, nowNs: 5)
        budgets.noteCentral(slot, used: 60, nowNs: 4) // an older reading arriving late is ignored
        #expect(budgets.central(slot).used == 70 && budgets.central(slot).readNs == 5)
    }
}
