import CConvergenceShm
import ConvergenceCore
import ConvergenceShared
import Glibc

/// Rate-limit decisions and /metrics rendering on the shared region.
enum SharedMemoryBenchmark {
    static let rule = RateLimitRule(limit: RateLimitRule.maxLimit, periodSeconds: 1) // never refuses: measures the update itself
    /// Region counter used as a start barrier between the two processes.
    static let barrier: Int32 = Int32(CV_COUNTER_COUNT) - 1

    /// ns per decision, one thread, one key (the uncontended hot path, hashing included).
    static func uncontended(iterations: Int) -> Double {
        let limiter = RateLimiter(region: .inMemory(buckets: 131_072, series: 64))
        return time(iterations) { limiter.take(key: "key_0123456789abcdef", rule: rule) }
    }

    /// ns per decision in this process while a second process hammers the same key.
    static func contended(iterations: Int) throws -> (parent: Double, child: Double) {
        let region = try SharedRegion.create(buckets: 131_072, series: 64)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, region.fd, SharedRegion.childFD)
        var pipeFDs: [Int32] = [0, 0]
        _ = pipe(&pipeFDs)
        posix_spawn_file_actions_adddup2(&actions, pipeFDs[1], 1)
        let invoked = CommandLine.arguments[0]
        let executable = invoked.hasPrefix("/") ? invoked : realpath(invoked, nil).map { String(cString: $0) } ?? invoked
        let argv = [executable, "rate-limit-child", String(iterations)]
        var pid: pid_t = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        guard posix_spawn(&pid, executable, &actions, nil, cArgs, environ) == 0 else { throw SharedRegion.Failure(description: "spawn failed") }
        close(pipeFDs[1])
        let mine = hammer(region, iterations: iterations)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = read(pipeFDs[0], &buffer, buffer.count)
        close(pipeFDs[0])
        let theirs = Double(String(decoding: buffer.prefix(max(0, n)), as: UTF8.self).split(separator: "\n").first ?? "") ?? .nan
        return (mine, theirs)
    }

    /// The child's half: attach fd 4, hammer, print ns/op.
    static func child(iterations: Int) -> Int32 {
        guard let region = try? SharedRegion.attach(fd: SharedRegion.childFD) else { return 1 }
        print(hammer(region, iterations: iterations))
        return 0
    }

    private static func hammer(_ region: SharedRegion, iterations: Int) -> Double {
        region.addCounter(barrier)
        while region.counter(barrier) < 2 {} // both processes start together
        let limiter = RateLimiter(region: region)
        return time(iterations) { limiter.take(key: "one_hot_key", rule: rule) }
    }

    private static func time(_ iterations: Int, _ body: () -> RateDecision) -> Double {
        var admitted = 0
        let start = MonotonicInstant.now()
        for _ in 0..<iterations where body().allowed { admitted += 1 }
        let ns = MonotonicInstant.now().milliseconds(since: start) * 1_000_000 / Double(iterations)
        precondition(admitted == iterations, "benchmark bucket refused a request")
        return ns
    }

    /// ms to render /metrics with `customers` customers' governance series (and some endpoints).
    static func render(customers: Int) -> Double {
        let region = SharedRegion.inMemory(buckets: 1024, series: 16_384)
        let metrics = MetricsRecorder(region: region, customerCap: customers)
        for c in 0..<customers {
            let customer = metrics.customerLabel("tenant_\(c)")
            metrics.add(MetricFamilies.checks, [customer], 10)
            metrics.add(MetricFamilies.allowed, [customer], 7)
            metrics.add(MetricFamilies.blocked, [customer], 3)
            metrics.add(MetricFamilies.decisions, [customer, "allow"], 7)
            metrics.add(MetricFamilies.decisions, [customer, "block"], 3)
            metrics.observe(MetricFamilies.riskScore, [customer], Double(c % 100))
        }
        for endpoint in ["/v1/check", "/health", "/admin/keys", "/policies"] {
            for status in ["200", "400", "429"] { metrics.add(MetricFamilies.requests, [endpoint, status]) }
            metrics.observe(MetricFamilies.latency, [endpoint], 3)
            metrics.observe(MetricFamilies.duration, [endpoint], 0.003)
        }
        var bytes = 0
        let runs = (0..<11).map { _ -> Double in
            let start = MonotonicInstant.now()
            bytes = MetricsRenderer(region: region).render().count
            return MonotonicInstant.now().milliseconds(since: start)
        }.sorted()
        precondition(bytes > customers * 100, "render produced too little")
        return runs[runs.count / 2]
    }
}
