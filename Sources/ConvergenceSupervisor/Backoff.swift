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

/// What the supervisor does about a child that exited unexpectedly (pure, unit-tested).
///
/// The rule: a child's failure never stops its healthy siblings.
/// * A worker that cannot start (exit 78) before any worker has ever served stops
///   `serve` with exit 1: nothing has served yet, so it is a bad configuration or
///   environment, and a clear stop is what an operator (and systemd) needs to see.
/// * Once something has served, a worker that cannot start is retried with back-off,
///   then every `longMs` forever: the causes left at that point (a full disk, a
///   secret file being replaced, a resource limit) can go away by themselves.
/// * A worker crash loop (`crashLoopMax` quick deaths in a row) stops the service only
///   when no other worker is serving; with siblings serving it is retried every `longMs`.
/// * Auxiliary processes (flusher, executor) never stop anything: checks do not need
///   them. Past the crash-loop threshold, or unable to start, they are retried every
///   `longMs`, reported in /ready and /metrics.
public enum ChildFailurePolicy {
    public enum Kind: Sendable { case worker, auxiliary }

    public enum Action: Equatable, Sendable {
        case restart(afterMs: Int)
        case stopService(reason: String)
    }

    public static func decide(kind: Kind, cannotStart: Bool, everServed: Bool, siblingsServing: Bool, livedMs: Int,
                              longMs: Int, backoff: inout RestartBackoff) -> Action {
        if kind == .worker, cannotStart, !everServed {
            return .stopService(reason: "worker cannot start (see its log line)")
        }
        switch backoff.recordDeath(livedMs: livedMs) {
        case .restart(let delay):
            return .restart(afterMs: delay)
        case .giveUp:
            if kind == .worker, !cannotStart, !siblingsServing || !everServed { return .stopService(reason: "crash loop") }
            return .restart(afterMs: max(longMs, backoff.maxMs))
        }
    }
}
