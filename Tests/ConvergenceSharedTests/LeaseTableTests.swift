import CConvergenceShm
import ConvergenceCore
import ConvergenceShared
import Foundation
import Testing

/// Leased tokens in the shared region: a token is spent at most once, only by the
/// key it was leased for, and a slot taken over by another key keeps none of them.
@Suite struct LeaseTableTests {
    let rule = RateLimitRule(limit: 100, periodSeconds: 60)

    @Test func bucketIDsAreTheSameOnEveryHostAndDifferPerRule() {
        let a = LeaseTable.bucketID(keyID: "key_1", rule: rule)
        #expect(a == LeaseTable.bucketID(keyID: "key_1", rule: rule))
        #expect(a != LeaseTable.bucketID(keyID: "key_2", rule: rule))
        #expect(a != LeaseTable.bucketID(keyID: "key_1", rule: RateLimitRule(limit: 10, periodSeconds: 60)))
        #expect(a > 1)
    }

    @Test func spendsExactlyTheTokensAdded() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        let bucket = LeaseTable.bucketID(keyID: "key_1", rule: rule)
        let slot = try #require(table.slot(bucket, rule: rule, nowNs: 1))
        table.back(slot, untilNs: .max)
        #expect(!table.take(slot, bucket: bucket, nowNs: 2), "a new slot holds no token")
        #expect(table.add(slot, bucket: bucket, tokens: 3))
        #expect((0..<5).map { _ in table.take(slot, bucket: bucket, nowNs: 3) } == [true, true, true, false, false])
        #expect(table.slots().first?.spent == 3)
        #expect(table.slots().first?.rule == rule)
        #expect(table.add(slot, bucket: bucket, tokens: 4))
        #expect(table.drain(slot, bucket: bucket) == 4)
        #expect(!table.take(slot, bucket: bucket, nowNs: 4))
    }

    @Test func aSlotTakenOverByAnotherKeyHandsOutNoneOfTheFormerKeysTokens() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        #expect(table.capacity == 512)
        let first = LeaseTable.bucketID(keyID: "key_0", rule: rule)
        let slot = try #require(table.slot(first, rule: rule, nowNs: 1))
        table.back(slot, untilNs: .max)
        #expect(table.add(slot, bucket: first, tokens: 50))
        // Eight other keys of the same 8-way set (the set is picked by bits 20… of the id): the
        // least recently used slot, key_0's, is taken over.
        let sets = UInt64(table.capacity / 8)
        let rivals = (1...5000).lazy.map { LeaseTable.bucketID(keyID: "key_\($0)", rule: self.rule) }
            .filter { ($0 >> 20) & (sets - 1) == (first >> 20) & (sets - 1) }.prefix(8)
        var t: UInt64 = 2
        for b in rivals {
            t += 1
            let s = try #require(table.slot(b, rule: rule, nowNs: t))
            _ = table.take(s, bucket: b, nowNs: t)
        }
        var tokens: Int64 = 0
        #expect(cv_lease_owner(slot, &tokens) != first)
        #expect(tokens == 0, "the new owner starts without the evicted key's tokens")
        #expect(!table.take(slot, bucket: first, nowNs: t), "the evicted key cannot spend from the slot")
        #expect(!table.add(slot, bucket: first, tokens: 5), "nor add to it: the caller gives the tokens back")
        #expect(table.slots().count <= table.capacity)
    }

    @Test func concurrentSpendersNeverTakeMoreThanWasLeased() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        let bucket = LeaseTable.bucketID(keyID: "hot", rule: rule)
        let slot = try #require(table.slot(bucket, rule: rule, nowNs: 1))
        table.back(slot, untilNs: .max)
        #expect(table.add(slot, bucket: bucket, tokens: 10_000))
        let taken = Array(repeating: 0, count: 8)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 8)
        counts.initialize(from: taken)
        defer { counts.deallocate() }
        nonisolated(unsafe) let shared = (table, slot, counts)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            var n = 0
            while LeaseTable.take(shared.0)(shared.1, bucket: bucket, nowNs: 2) { n += 1 }
            shared.2[i] = n
        }
        #expect(counts.reduce(0, +) == 10_000)
    }

    @Test func leasesAreSizedToTheHostsDemandAndShare() {
        let plan = LeasePlan(syncSeconds: 1)
        #expect(plan.want(demandPerSecond: 0, rule: rule, hosts: 2) == 1)
        #expect(plan.want(demandPerSecond: 10, rule: rule, hosts: 2) == 20, "two syncs of 10/s")
        #expect(plan.want(demandPerSecond: 1000, rule: rule, hosts: 2) == 50, "never more than the host's share")
        #expect(plan.firstWant(rule: rule, hosts: 2) == 5)
        #expect(plan.needsRefill(tokens: 1, demandPerSecond: 10, idleSeconds: 0.1))
        #expect(!plan.needsRefill(tokens: 20, demandPerSecond: 10, idleSeconds: 0.1))
        #expect(!plan.needsRefill(tokens: 0, demandPerSecond: 10, idleSeconds: 10), "a key unused for watchSeconds is not refilled")
        #expect(plan.tokensToReturn(tokens: 3, idleSeconds: 1) == 0, "in use: kept")
        #expect(plan.tokensToReturn(tokens: 3, idleSeconds: 2.5) == 2, "quiet: all but one go back")
        #expect(plan.tokensToReturn(tokens: 3, idleSeconds: 10) == 3, "unused for watchSeconds: all go back")
        #expect(plan.tokensToReturn(tokens: 0, idleSeconds: 30) == 0)
        #expect(!plan.needsRefill(tokens: 0, demandPerSecond: 0.1, idleSeconds: 4, centralAtMost: 0.9), "no token can be there")
        #expect(plan.needsRefill(tokens: 0, demandPerSecond: 0.1, idleSeconds: 9, centralAtMost: 1), "a quiet key still watched gets one")
        #expect(plan.needsRefresh(tokens: 1, backedForSeconds: 4))
        #expect(!plan.needsRefresh(tokens: 1, backedForSeconds: 6))
        #expect(!plan.needsRefresh(tokens: 0, backedForSeconds: 1), "nothing held, nothing to refresh")
        #expect(LeasePlan.outageRule(rule, hosts: 3) == RateLimitRule(limit: 33, periodSeconds: 60))
        #expect(LeasePlan.chargeable(debt: 500, rule: rule) == 100)
    }

    /// The regression behind a flaky cluster test: a host that had not yet seen a second host's
    /// heartbeat leased the whole bucket for a burst of 24 and the second host was refused.
    @Test func aFirstSynchronousLeaseTakesATenthOfTheShareEvenForAHostThatBelievesItIsAlone() {
        let plan = LeasePlan(syncSeconds: 1), big = RateLimitRule(limit: 100_000, periodSeconds: 60)
        #expect(plan.synchronousWant(rule: big, hostsKnown: 1, centralLeft: 100_000, sinceLastLease: nil) == 1000)
        #expect(plan.synchronousWant(rule: big, hostsKnown: 0, centralLeft: 100_000, sinceLastLease: nil) == 1000, "before the first heartbeat")
        #expect(plan.synchronousWant(rule: big, hostsKnown: 2, centralLeft: 100_000, sinceLastLease: 11) == 1000, "a key the leaser stopped watching")
        #expect(plan.synchronousWant(rule: big, hostsKnown: 2, centralLeft: 60_000, sinceLastLease: 0.2) == 30_000,
                "a burst on a synced key: its share of what was left")
        #expect(plan.synchronousWant(rule: rule, hostsKnown: 2, centralLeft: 0, sinceLastLease: 0.2) == 5, "never below the first lease")
        #expect(plan.synchronousWant(rule: rule, hostsKnown: 2, centralLeft: -1, sinceLastLease: 0.2) == 5, "a failed lease's marker is not a size")
    }

    @Test func aKeyAtItsLimitWaitsForTheNextSyncInsteadOfAStatementPerRequest() {
        let plan = LeasePlan(syncSeconds: 1)
        #expect(plan.leasesSynchronously(sinceLastLease: nil, centralLeft: 0), "a key never leased leases at once")
        #expect(!plan.leasesSynchronously(sinceLastLease: 5, centralLeft: 0), "a key at its limit: the leaser leases for it")
        #expect(plan.leasesSynchronously(sinceLastLease: 11, centralLeft: 0), "one the leaser stopped watching leases at once")
        #expect(!plan.leasesSynchronously(sinceLastLease: 0.5, centralLeft: 0), "an empty central bucket: wait for the sync")
        #expect(plan.leasesSynchronously(sinceLastLease: 0.5, centralLeft: 30), "a burst while the bucket holds tokens")
        #expect(!plan.leasesSynchronously(sinceLastLease: 0.01, centralLeft: 30), "but not more often than every 50 ms")
    }

    /// A key the leaser stopped syncing (quiet on this host for a few seconds) while its central
    /// bucket was empty: no statement until a whole token can have come back by the refill rate.
    @Test func aKeyWhoseCentralBucketCannotHoldATokenYetIsRefusedWithoutAStatement() {
        let plan = LeasePlan(syncSeconds: 1), rule = RateLimitRule(limit: 2, periodSeconds: 10) // 0.2 tokens/s
        // Empty at the last lease: full again in 10 s. 4 s later at most 0.8 tokens, 5 s later one.
        #expect(LeasePlan.centralAtMost(rule: rule, secondsToFull: 10) == 0)
        #expect(abs(LeasePlan.centralAtMost(rule: rule, secondsToFull: 6) - 0.8) < 1e-9)
        #expect(LeasePlan.centralAtMost(rule: rule, secondsToFull: 5) == 1)
        #expect(LeasePlan.centralAtMost(rule: rule, secondsToFull: 0) == 2, "full")
        #expect(LeasePlan.centralAtMost(rule: rule, secondsToFull: -3) == 2, "past its full time: full, never more")
        #expect(!plan.leasesSynchronously(sinceLastLease: 4, centralLeft: 0, centralAtMost: 0.8), "no token can be there")
        #expect(!plan.leasesSynchronously(sinceLastLease: 5, centralLeft: 0, centralAtMost: 1), "a token may be there: the leaser asks")
        #expect(plan.leasesSynchronously(sinceLastLease: 11, centralLeft: 0, centralAtMost: 1), "not watched any more: this request asks")
        #expect(plan.leasesSynchronously(sinceLastLease: nil, centralLeft: 2, centralAtMost: 0),
                "a key never leased on this host knows nothing of its bucket: ask")
        #expect(!plan.leasesSynchronously(sinceLastLease: 0.5, centralLeft: 30, centralAtMost: 0.5), "a stale header estimate does not override it")
    }

    /// PostgreSQL counts a host's tokens as held until the holding expires, and gives them back to
    /// the bucket then: past its backing a slot drops them, so they are never spent twice.
    @Test func tokensPastTheirHoldingAreDroppedNotSpent() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        let bucket = LeaseTable.bucketID(keyID: "key_1", rule: rule)
        let slot = try #require(table.slot(bucket, rule: rule, nowNs: 1))
        #expect(table.add(slot, bucket: bucket, tokens: 5))
        #expect(!table.take(slot, bucket: bucket, nowNs: 2), "tokens no holding backs are not spent")
        #expect(table.drain(slot, bucket: bucket) == 0, "they are gone")
        #expect(slot.pointee.spent == 5, "counted as spent: PostgreSQL takes them off the host's holding")
        table.back(slot, untilNs: 100)
        table.back(slot, untilNs: 50) // never moved back
        #expect(table.add(slot, bucket: bucket, tokens: 2))
        #expect(table.take(slot, bucket: bucket, nowNs: 99))
        #expect(!table.take(slot, bucket: bucket, nowNs: 100), "expired at 100")
        #expect(slot.pointee.spent == 7, "one spent, one dropped")
        #expect(table.drop(slot, bucket: bucket) == 0)
    }

    @Test func admissionsOutsideALeaseAreCountedApartForTheLeaserToCharge() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        let bucket = LeaseTable.bucketID(keyID: "key_1", rule: rule)
        let slot = try #require(table.slot(bucket, rule: rule, nowNs: 1))
        table.back(slot, untilNs: .max)
        #expect(table.add(slot, bucket: bucket, tokens: 2))
        #expect(table.take(slot, bucket: bucket, nowNs: 2))
        cv_lease_note_spent(slot) // a synchronous lease's own token: leased, not charged again
        cv_lease_note_outside(slot) // admitted by the outage share: charged at the next sync
        cv_lease_note_outside(slot)
        let seen = try #require(table.slots().first)
        #expect(seen.spent == 2)
        #expect(seen.outside == 2)
    }

    /// Clock jumps: a request is admitted by spending a leased token (a count), the central
    /// bucket is timed by PostgreSQL's clock, and the host's times are CLOCK_MONOTONIC, which
    /// `settimeofday` and NTP steps do not move. Even a time reading that jumped an hour
    /// forward or back neither mints nor loses a token; a forward jump can at most make a
    /// request lease once more, which debits the central bucket like any lease.
    @Test func aJumpingClockNeitherMintsNorLosesTokens() throws {
        let table = LeaseTable(region: .inMemory(buckets: 1024, series: 64))
        let bucket = LeaseTable.bucketID(keyID: "key_1", rule: rule)
        let hour: UInt64 = 3_600_000_000_000
        let slot = try #require(table.slot(bucket, rule: rule, nowNs: hour))
        table.back(slot, untilNs: .max) // held by PostgreSQL throughout (the expiry has its own test)
        #expect(table.add(slot, bucket: bucket, tokens: 3))
        let takes = [2 * hour, 1, hour, 5 * hour, 0].map { table.take(slot, bucket: bucket, nowNs: $0) }
        #expect(takes == [true, true, true, false, false], "exactly the leased tokens, whatever the readings")
        #expect(table.slot(bucket, rule: rule, nowNs: 1) == slot, "a reading from the past keeps the slot")
        // Who leases: one thread per observed value, however far apart the readings are.
        let synced = slot.pointee.synced_ns
        #expect(cv_lease_begin_sync(slot, synced, 7 * hour) == 1)
        #expect(cv_lease_begin_sync(slot, synced, 2) == 0, "a second thread with the stale value loses")
        let plan = LeasePlan(syncSeconds: 1)
        #expect(plan.leasesSynchronously(sinceLastLease: 3600, centralLeft: 0), "a forward jump: one more lease, bounded centrally")
        #expect(!plan.leasesSynchronously(sinceLastLease: 0, centralLeft: 0), "a backward jump reads as no time passed: refused locally")
    }
}
