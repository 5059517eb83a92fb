import ConvergenceCore
import ConvergenceStore
import ConvergenceSupervisor

/// `convergence cache-listener`: one per host, supervised like the audit flusher.
/// It LISTENs on `CacheInvalidation.channel` and turns every notification — a key
/// revoked, rotated or re-limited, a policy changed, on any host — into a bump of
/// this host's generation counters, so this host's workers stop trusting their
/// cached copies within a round trip instead of a cache TTL.
package enum CacheInvalidationListener {
    /// How often the loop looks for SIGTERM while no notification comes.
    static let tickMs = 200
    /// Pause after a connection failure before connecting again.
    static let retryMs = 1000

    package static func run(_ child: ChildProcess) -> ProcessExit {
        let config = child.config, logger = child.logger
        let db = PostgresConnection(ConnectionInfo(url: config.databaseURL, password: child.databasePassword,
                                                   connectTimeoutSeconds: config.databaseConnectTimeoutSeconds,
                                                   applicationName: "convergence-cache-listener"))
        defer { db.close() }
        child.notifyReady()
        logger.info("cache listener started", ["channel": .string(CacheInvalidation.channel)])
        var listeningOn: Int32 = 0
        var warned = false // one warning per outage, not one per retry
        while child.stopSignal(waitingMs: 0) == nil {
            do {
                if listeningOn == 0 || listeningOn != db.backendPID {
                    try db.listen(CacheInvalidation.channel)
                    // Notifications sent while this host was not listening are lost: expire everything once.
                    CacheInvalidation.apply(.all, to: child.shared)
                    logger.info("cache listener listening; cached keys and policies expired", ["pid": .int(Int(db.backendPID))])
                    listeningOn = db.backendPID
                    warned = false
                }
                let change = try db.waitForNotifications(timeoutMs: tickMs).reduce(into: CacheInvalidation.Change()) {
                    $0.formUnion(CacheInvalidation.Change(payload: $1))
                }
                if !change.isEmpty { CacheInvalidation.apply(change, to: child.shared) }
            } catch {
                if !warned {
                    warned = true
                    logger.warning("cache listener lost PostgreSQL; retrying (caches expire by TTL meanwhile)",
                                   ["error": .string(String(describing: error))])
                }
                listeningOn = 0
                db.close()
                if child.stopSignal(waitingMs: retryMs) != nil { break }
            }
        }
        logger.info("cache listener stopped")
        return .clean
    }
}
