import ConvergenceGovernance
import ConvergenceShared

/// The series every response updates for its route and status: resolved once
/// per (route, status) and thread, then a response costs three atomic updates
/// instead of three label-keyed lookups. Classes: a bundle is handed out on every
/// request, and a copy is then one retain instead of one per handle.
final class EndpointSeries {
    let requests: MetricHandle
    let latency: MetricHandle?
    let duration: MetricHandle

    /// nil when the series table is full (not cached: the next response tries again and is counted as dropped).
    init?(_ metrics: MetricsRecorder, endpoint: String, status: Int, seedNames: Bool) {
        guard let requests = metrics.handle(MetricFamilies.requests, [endpoint, String(status)]),
              let duration = metrics.handle(MetricFamilies.duration, [endpoint]) else { return nil }
        var latency: MetricHandle?
        if seedNames {
            guard let handle = metrics.handle(MetricFamilies.latency, [endpoint]) else { return nil }
            latency = handle
        }
        self.requests = requests
        self.latency = latency
        self.duration = duration
    }

    func record(elapsedMs: Double) {
        requests.add()
        latency?.observe(elapsedMs)
        duration.observe(elapsedMs / 1000)
    }
}

/// The series a decided check updates for its customer, resolved once per customer and thread.
final class CheckSeries {
    let checks: MetricHandle
    let allowed: MetricHandle?
    let blocked: MetricHandle?
    let decidedAllow: MetricHandle
    let decidedBlock: MetricHandle
    let risk: MetricHandle
    /// Not per customer: /admin/stats shows the host's total, and a thousand more series would buy nothing.
    let wouldBlock: MetricHandle?

    init?(_ metrics: MetricsRecorder, customer: String, seedNames: Bool) {
        let label = metrics.customerLabel(customer)
        guard let checks = metrics.handle(MetricFamilies.checks, [label]),
              let decidedAllow = metrics.handle(MetricFamilies.decisions, [label, "allow"]),
              let decidedBlock = metrics.handle(MetricFamilies.decisions, [label, "block"]),
              let risk = metrics.handle(MetricFamilies.riskScore, [label]) else { return nil }
        if seedNames {
            guard let allowed = metrics.handle(MetricFamilies.allowed, [label]),
                  let blocked = metrics.handle(MetricFamilies.blocked, [label]) else { return nil }
            self.allowed = allowed
            self.blocked = blocked
        } else {
            allowed = nil
            blocked = nil
        }
        self.checks = checks
        self.decidedAllow = decidedAllow
        self.decidedBlock = decidedBlock
        self.risk = risk
        wouldBlock = metrics.handle(MetricFamilies.wouldBlock)
    }

    func record(_ decision: Decision) {
        checks.add()
        if decision.wouldBlock { wouldBlock?.add() }
        (decision.allowed ? allowed : blocked)?.add()
        (decision.allowed ? decidedAllow : decidedBlock).add()
        risk.observe(Double(decision.riskScore))
    }
}

/// A thread's resolved bundles, with the last one used kept aside: a worker
/// thread mostly serves the same route and customer over and over.
struct SeriesCache<Key: Hashable, Bundle> {
    private var last: (key: Key, bundle: Bundle)?
    private var bundles: [Key: Bundle] = [:]
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    mutating func bundle(_ key: Key, make: () -> Bundle?) -> Bundle? {
        if let last, last.key == key { return last.bundle }
        if let bundle = bundles[key] {
            last = (key, bundle)
            return bundle
        }
        guard let bundle = make() else { return nil }
        if bundles.count >= capacity { bundles.removeAll(keepingCapacity: true) }
        bundles[key] = bundle
        last = (key, bundle)
        return bundle
    }
}

struct EndpointStatus: Hashable {
    let endpoint: String
    let status: Int
}
