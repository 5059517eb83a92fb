import CConvergenceShm
import ConvergenceCore
import ConvergenceShared
import Foundation
import Synchronization
import Testing

@Suite struct RateLimiterTests {
    let second: UInt64 = 1_000_000_000
    let t0: UInt64 = 5_000 * 1_000_000_000

    @Test func admitsExactlyTheBudgetAtOneInstantThenRefuses() {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let rule = RateLimitRule(limit: 100, periodSeconds: 60)
        var remaining: [Int] = []
        for _ in 0..<100 {
            let d = limiter.take(key: "key_a", rule: rule, nowNs: t0)
            #expect(d.allowed)
            remaining.append(d.remaining)
        }
        #expect(remaining.first == 99 && remaining.last == 0)
        #expect(remaining == remaining.sorted(by: >))
        let refused = limiter.take(key: "key_a", rule: rule, nowNs: t0)
        #expect(!refused.allowed)
        #expect(refused.remaining == 0)
        #expect(refused.retryAfterSeconds == 1) // one token every 0.6 s
        #expect(refused.resetAfterSeconds == 60)
    }

    /// Concurrent takes on the clock each report a different `remaining`: the count a
    /// client sees is exactly how many requests are left. The race is at a full
    /// bucket's first takes, so every round contends on a fresh key.
    @Test func concurrentTakesOnTheClockReportEveryRemainingCountOnce() {
        let limiter = RateLimiter(region: .inMemory(buckets: 4096, series: 64))
        let threads = 4, perThread = 8, rounds = 1_000
        let rule = RateLimitRule(limit: threads * perThread, periodSeconds: 3_600) // no refill meanwhile
        var wrong = 0
        for round in 0..<rounds {
            let seen = Mutex<[Int]>([])
            DispatchQueue.concurrentPerform(iterations: threads) { _ in
                var mine: [Int] = []
                for _ in 0..<perThread {
                    let d = limiter.take(key: "hot-\(round)", rule: rule)
                    if d.allowed { mine.append(d.remaining) }
                }
                seen.withLock { $0 += mine }
            }
            if seen.withLock({ $0.sorted() }) != Array(0..<(threads * perThread)) { wrong += 1 }
        }
        #expect(wrong == 0, "\(wrong) of \(rounds) rounds reported a count twice")
    }

    @Test func refillsContinuously() {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let rule = RateLimitRule(limit: 10, periodSeconds: 10) // one per second
        for _ in 0..<10 { #expect(limiter.take(key: "k", rule: rule, nowNs: t0).allowed) }
        #expect(!limiter.take(key: "k", rule: rule, nowNs: t0 + second / 2).allowed)
        #expect(limiter.take(key: "k", rule: rule, nowNs: t0 + second).allowed)
        #expect(!limiter.take(key: "k", rule: rule, nowNs: t0 + second).allowed)
        // After a whole period the bucket is full again, and never fuller.
        var admitted = 0
        for _ in 0..<20 where limiter.take(key: "k", rule: rule, nowNs: t0 + 100 * second).allowed { admitted += 1 }
        #expect(admitted == 10)
    }

    @Test func timeGoingBackwardsGrantsNothingExtra() {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let rule = RateLimitRule(limit: 5, periodSeconds: 60)
        for _ in 0..<5 { #expect(limiter.take(key: "k", rule: rule, nowNs: t0).allowed) }
        // A reading from "before" (another process's clock read earlier) must not refill.
        #expect(!limiter.take(key: "k", rule: rule, nowNs: t0 - 30 * second).allowed)
        #expect(!limiter.take(key: "k", rule: rule, nowNs: t0).allowed)
    }

    @Test func aChangedRuleStartsAFreshBucketInsteadOfTheOldDebt() {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let daily = RateLimitRule(limit: 10_000, periodSeconds: 86_400)
        for _ in 0..<10_000 { #expect(limiter.take(key: "k", rule: daily, nowNs: t0).allowed) } // a day "in debt"
        #expect(!limiter.take(key: "k", rule: daily, nowNs: t0).allowed)
        let perMinute = RateLimitRule(limit: 100, periodSeconds: 60)
        var admitted = 0
        for _ in 0..<200 where limiter.take(key: "k", rule: perMinute, nowNs: t0).allowed { admitted += 1 }
        #expect(admitted == 100) // the new rule's budget, not a day's wait
        let refused = limiter.take(key: "k", rule: perMinute, nowNs: t0)
        #expect(refused.retryAfterSeconds == 1 && refused.resetAfterSeconds == 60)
    }

    @Test func costsAboveTheBucketAreCappedNotOverflowed() {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let rule = RateLimitRule(limit: 10, periodSeconds: 60)
        #expect(limiter.take(key: "k", rule: rule, cost: Int.max, nowNs: t0).allowed) // the whole bucket at once
        #expect(!limiter.take(key: "k", rule: rule, nowNs: t0).allowed)
    }

    @Test func keysSharingASetStayIndependent() {
        // 8 buckets = one set: every key lands in the same set.
        let limiter = RateLimiter(region: .inMemory(buckets: 8, series: 64))
        let rule = RateLimitRule(limit: 3, periodSeconds: 60)
        for key in 0..<8 {
            for _ in 0..<3 { #expect(limiter.take(key: "key\(key)", rule: rule, nowNs: t0).allowed) }
        }
        for key in 0..<8 { #expect(!limiter.take(key: "key\(key)", rule: rule, nowNs: t0).allowed) }
        #expect(limiter.occupancy == 8)
    }

    @Test func fullSetEvictsTheLeastRecentlyUsedAndLiveKeysStayExact() {
        let region = SharedRegion.inMemory(buckets: 8, series: 64)
        let limiter = RateLimiter(region: region)
        let rule = RateLimitRule(limit: 50, periodSeconds: 3600)
        var admittedHot = 0
        var evictions = 0
        for i in 0..<200 {
            let now = t0 + UInt64(i) * 1000
            if limiter.take(key: "hot", rule: rule, nowNs: now).allowed { admittedHot += 1 }
            if limiter.take(key: "cold\(i)", rule: rule, nowNs: now + 1).evicted { evictions += 1 }
        }
        #expect(admittedHot == 50)
        #expect(evictions >= 190)
        #expect(region.counter(Int32(CV_COUNTER_BUCKET_EVICTIONS)) == UInt64(evictions))
        #expect(limiter.occupancy == 8)
    }

    @Test func threadsHammeringOneKeyGetExactlyTheBudget() async {
        let limiter = RateLimiter(region: .inMemory(buckets: 1024, series: 64))
        let rule = RateLimitRule(limit: 1000, periodSeconds: 3600)
        let now = t0
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    var n = 0
                    for _ in 0..<500 where limiter.take(key: "shared", rule: rule, nowNs: now).allowed { n += 1 }
                    return n
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 1000)
    }

    @Test func ruleParsing() {
        #expect(RateLimitRule.parse("100/60s") == RateLimitRule(limit: 100, periodSeconds: 60))
        #expect(RateLimitRule.parse("1000/60") == RateLimitRule(limit: 1000, periodSeconds: 60))
        for bad in ["", "100", "0/60", "10/0", "-1/60", "a/b", "10/60m", "1/2/3"] {
            #expect(RateLimitRule.parse(bad) == nil, "\(bad)")
        }
    }
}

@Suite struct SharedRegionTests {
    @Test func attachRefusesAnotherLayoutVersion() throws {
        let region = try SharedRegion.create(buckets: 64, series: 64)
        let attached = try SharedRegion.attach(fd: region.fd)
        #expect(attached.layoutVersion == CV_SHM_LAYOUT_VERSION)
        region.header.pointee.layout_version = CV_SHM_LAYOUT_VERSION + 1
        do {
            _ = try SharedRegion.attach(fd: region.fd)
            Issue.record("attached a region of another layout")
        } catch {
            #expect(error.description.contains("layout version \(CV_SHM_LAYOUT_VERSION + 1)"))
        }
        region.header.pointee.layout_version = CV_SHM_LAYOUT_VERSION
    }

    @Test func attachRefusesSomethingElse() throws {
        var template = Array("/tmp/convergence-shm-test-XXXXXX".utf8CString)
        let fd = mkstemp(&template)
        unlink(String(cString: template))
        defer { close(fd) }
        _ = ftruncate(fd, 4096)
        #expect(throws: SharedRegion.Failure.self) { try SharedRegion.attach(fd: fd) }
    }

    @Test func twoMappingsSeeTheSameBuckets() throws {
        let region = try SharedRegion.create(buckets: 64, series: 64)
        let other = try SharedRegion.attach(fd: region.fd)
        let rule = RateLimitRule(limit: 2, periodSeconds: 60)
        let now: UInt64 = 1_000_000_000_000
        #expect(RateLimiter(region: region).take(key: "k", rule: rule, nowNs: now).allowed)
        #expect(RateLimiter(region: other).take(key: "k", rule: rule, nowNs: now).allowed)
        #expect(!RateLimiter(region: region).take(key: "k", rule: rule, nowNs: now).allowed)
    }
}
