import Testing
@testable import ConvergenceServer

@Suite struct RestartBackoffTests {
    @Test func delaysDoubleUpToTheCap() {
        var backoff = RestartBackoff(initialMs: 100, maxMs: 1000, crashLoopMax: 10)
        let delays = (0..<6).map { _ in backoff.recordDeath(livedMs: 50) }
        #expect(delays == [.restart(afterMs: 100), .restart(afterMs: 200), .restart(afterMs: 400),
                           .restart(afterMs: 800), .restart(afterMs: 1000), .restart(afterMs: 1000)])
    }

    @Test func aWorkerThatLivedLongEnoughResetsTheCount() {
        var backoff = RestartBackoff(initialMs: 100, maxMs: 10_000, crashLoopMax: 3)
        _ = backoff.recordDeath(livedMs: 10)
        _ = backoff.recordDeath(livedMs: 10)
        #expect(backoff.recordDeath(livedMs: 60_000) == .restart(afterMs: 100))
        #expect(backoff.consecutiveFailures == 1)
    }

    @Test func givesUpAfterTooManyQuickDeaths() {
        var backoff = RestartBackoff(initialMs: 10, maxMs: 100, crashLoopMax: 3)
        for _ in 0..<3 { if case .giveUp = backoff.recordDeath(livedMs: 5) { Issue.record("gave up too early") } }
        #expect(backoff.recordDeath(livedMs: 5) == .giveUp(failures: 4))
    }
}

@Suite struct ChildFailurePolicyTests {
    func backoff() -> RestartBackoff { RestartBackoff(initialMs: 100, maxMs: 1000, crashLoopMax: 2) }

    @Test func aWorkerThatCannotStartBeforeAnythingServedStopsTheService() {
        var b = backoff()
        #expect(ChildFailurePolicy.decide(kind: .worker, cannotStart: true, everServed: false, siblingsServing: false, livedMs: 5,
                                          longMs: 60_000, backoff: &b) == .stopService(reason: "worker cannot start (see its log line)"))
    }

    @Test func aWorkerThatCannotStartAfterServingIsRetriedForeverWithLongBackoff() {
        var b = backoff()
        let actions = (0..<5).map { _ in
            ChildFailurePolicy.decide(kind: .worker, cannotStart: true, everServed: true, siblingsServing: false, livedMs: 5,
                                      longMs: 60_000, backoff: &b)
        }
        #expect(actions == [.restart(afterMs: 100), .restart(afterMs: 200), .restart(afterMs: 60_000), .restart(afterMs: 60_000),
                            .restart(afterMs: 60_000)])
    }

    @Test func aCrashLoopStopsOnlyWhenNoSiblingServes() {
        var alone = backoff()
        var withSiblings = backoff()
        for _ in 0..<2 {
            _ = ChildFailurePolicy.decide(kind: .worker, cannotStart: false, everServed: true, siblingsServing: false, livedMs: 5,
                                          longMs: 5000, backoff: &alone)
            _ = ChildFailurePolicy.decide(kind: .worker, cannotStart: false, everServed: true, siblingsServing: true, livedMs: 5,
                                          longMs: 5000, backoff: &withSiblings)
        }
        #expect(ChildFailurePolicy.decide(kind: .worker, cannotStart: false, everServed: true, siblingsServing: false, livedMs: 5,
                                          longMs: 5000, backoff: &alone) == .stopService(reason: "crash loop"))
        #expect(ChildFailurePolicy.decide(kind: .worker, cannotStart: false, everServed: true, siblingsServing: true, livedMs: 5,
                                          longMs: 5000, backoff: &withSiblings) == .restart(afterMs: 5000))
    }

    @Test func auxiliariesNeverStopTheService() {
        var b = backoff()
        for cannotStart in [false, true, false, true, true, false] {
            let action = ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: cannotStart, everServed: false, siblingsServing: false,
                                                   livedMs: 5, longMs: 3000, backoff: &b)
            guard case .restart = action else { Issue.record("an auxiliary stopped the service: \(action)"); return }
        }
        #expect(ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: false, everServed: true, siblingsServing: true, livedMs: 5,
                                          longMs: 3000, backoff: &b) == .restart(afterMs: 3000))
    }

    @Test func aChildThatLivedLongEnoughStartsOverAtTheInitialDelay() {
        var b = backoff()
        for _ in 0..<5 {
            _ = ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: false, everServed: true, siblingsServing: true, livedMs: 5,
                                          longMs: 3000, backoff: &b)
        }
        #expect(ChildFailurePolicy.decide(kind: .auxiliary, cannotStart: false, everServed: true, siblingsServing: true, livedMs: 60_000,
                                          longMs: 3000, backoff: &b) == .restart(afterMs: 100))
    }
}
