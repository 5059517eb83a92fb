/// Exponential restart back-off with crash-loop detection (pure, unit-tested).
/// A worker that dies within `stableAfterMs` of starting counts as a failure in a
/// row; one that lived longer resets the count.
public struct RestartBackoff: Sendable, Equatable {
    public let initialMs: Int
    public let maxMs: Int
    public let crashLoopMax: Int
    public let stableAfterMs: Int
    public private(set) var consecutiveFailures = 0

    public init(initialMs: Int, maxMs: Int, crashLoopMax: Int, stableAfterMs: Int = 10_000) {
        self.initialMs = initialMs
        self.maxMs = maxMs
        self.crashLoopMax = crashLoopMax
        self.stableAfterMs = stableAfterMs
    }

    public enum Decision: Equatable {
        case restart(afterMs: Int)
        case giveUp(failures: Int)
    }

    /// Records a death after `livedMs` and decides what to do.
    public mutating func recordDeath(livedMs: Int) -> Decision {
        consecutiveFailures = livedMs >= stableAfterMs ? 1 : consecutiveFailures + 1
        if consecutiveFailures > crashLoopMax { return .giveUp(failures: consecutiveFailures) }
        let exponent = min(consecutiveFailures - 1, 30)
        return .restart(afterMs: min(maxMs, initialMs << exponent))
    }

    public mutating func reset() { consecutiveFailures = 0 }
}
