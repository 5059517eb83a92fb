import ConvergenceShared
import Testing

@testable import ConvergenceServer

/// The NOTIFY payloads hosts exchange: what one host sends, another must read back the
/// same; what it cannot read must expire too much, never too little.
struct CacheInvalidationChangeTests {
    @Test func payloadsRoundTrip() {
        for change: CacheInvalidation.Change in [.keys, .policies, .sessions, [.keys, .policies], .all] {
            #expect(CacheInvalidation.Change(payload: change.payload) == change)
        }
        #expect(CacheInvalidation.Change.keys.payload == "keys")
        #expect(CacheInvalidation.Change([.keys, .policies]).payload == "keys,policies")
    }

    @Test func unknownOrEmptyPayloadsExpireEverything() {
        #expect(CacheInvalidation.Change(payload: "") == .all)
        #expect(CacheInvalidation.Change(payload: "keys,budgets") == .all)
        #expect(CacheInvalidation.Change(payload: "sessions") == .sessions)
    }

    @Test func applyingAChangeMovesOnlyItsGenerations() {
        let region = SharedRegion.inMemory(buckets: 64, series: 64)
        let keys0 = region.counter(CacheInvalidation.keyGeneration), policies0 = region.counter(CacheInvalidation.policyGeneration)
        CacheInvalidation.apply(.keys, to: region)
        #expect(region.counter(CacheInvalidation.keyGeneration) == keys0 + 1)
        #expect(region.counter(CacheInvalidation.policyGeneration) == policies0)
        CacheInvalidation.apply([.keys, .policies], to: region)
        #expect(region.counter(CacheInvalidation.keyGeneration) == keys0 + 2)
        #expect(region.counter(CacheInvalidation.policyGeneration) == policies0 + 1)
    }
}
