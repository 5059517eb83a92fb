import ConvergenceServer
import Foundation
import Glibc

extension CommandLine {
    static func environmentValue(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
}

// Micro-benchmarks for scripts/bench: prints `name value unit` lines.
let arguments = Array(CommandLine.arguments.dropFirst())
let iterations = arguments.count > 1 ? Int(arguments[1]) ?? 200_000 : 200_000
switch arguments.first {
case "key-verification":
    _ = HotPathBenchmarks.keyVerification(iterations: iterations / 10) // warm-up
    let runs = (0..<5).map { _ in HotPathBenchmarks.keyVerification(iterations: iterations) }.sorted()
    print("key_verification_ns \(Int(runs[runs.count / 2])) ns/op (median of 5 × \(iterations))")
case "engine":
    _ = EngineBenchmark.run(iterations: iterations / 20)
    let runs = (0..<5).map { _ in EngineBenchmark.run(iterations: iterations / 2) }.sorted()
    print("engine_checks_per_second \(Int(runs[runs.count / 2])) checks/s/core (median of 5 × \(iterations / 2))")
case "engine-10":
    _ = EngineBenchmark.run(iterations: iterations / 20, policies: EngineBenchmark.tenPolicySet)
    let runs = (0..<5).map { _ in EngineBenchmark.run(iterations: iterations / 2, policies: EngineBenchmark.tenPolicySet) }.sorted()
    print("engine_10_policies_checks_per_second \(Int(runs[runs.count / 2])) checks/s/core (median of 5 × \(iterations / 2))")
    let decisions = (0..<5).map { _ in EngineBenchmark.decisionsOnly(iterations: iterations / 2, policies: EngineBenchmark.tenPolicySet) }.sorted()
    print("engine_10_policies_decisions_per_second \(Int(decisions[decisions.count / 2])) decisions/s/core "
          + "(the same 10 policies deciding a parsed, scanned check: applying subset, budget, rules; median of 5)")
case "check-parts":
    let parts = EngineBenchmark.checkParts(iterations: iterations / 4).sorted { $0.key < $1.key }
    print("check parts (engine-10's check): " + parts.map { "\($0.key) \(Int($0.value)) ns" }.joined(separator: ", "))
case "budget-decision":
    print("budget_decision_ns \(Int(EngineBenchmark.budgetDecisionCost(iterations: iterations / 4).rounded())) ns/check"
        + " (one key budget on top of the seed's policies; median of 7 alternated pairs × \(iterations / 4))")
case "budget-parts":
    let parts = EngineBenchmark.budgetParts(iterations: iterations).sorted { $0.key < $1.key }
    print(parts.map { "\($0.key) \(Int($0.value)) ns" }.joined(separator: ", "))
case "replay":
    let perRecord = EngineBenchmark.replay(records: iterations)
    print("replay_us_per_record \(String(format: "%.2f", perRecord)) µs (PolicyReplay over \(iterations) records, no database)")
case "check-route":
    let runs = (0..<5).map { _ in
        HotPathBenchmarks.checkRoute(body: EngineBenchmark.body, policies: EngineBenchmark.policies, iterations: iterations / 4)
    }.sorted()
    print("check_route_ns \(Int(runs[runs.count / 2])) ns/op (router + auth + engine, warm caches)")
case "rate-limit":
    _ = SharedMemoryBenchmark.uncontended(iterations: iterations / 10)
    let runs = (0..<5).map { _ in SharedMemoryBenchmark.uncontended(iterations: iterations) }.sorted()
    print("rate_limit_uncontended_ns \(String(format: "%.1f", runs[2])) ns/op (one process, one key, median of 5 × \(iterations))")
    let contended = try SharedMemoryBenchmark.contended(iterations: iterations)
    print("rate_limit_two_processes_ns \(String(format: "%.1f", max(contended.parent, contended.child))) ns/op "
          + "(2 processes × \(iterations) on one key; slower of the two)")
case "rate-limit-child":
    exit(SharedMemoryBenchmark.child(iterations: iterations))
case "metrics-render":
    print("metrics_render_1000_customers_ms \(String(format: "%.2f", SharedMemoryBenchmark.render(customers: 1000))) ms (median of 11)")
case "queue-claim":
    // Needs a migrated database: CONVERGENCE_DATABASE_URL.
    guard let url = CommandLine.environmentValue("CONVERGENCE_DATABASE_URL") else {
        print("convergence-bench queue-claim needs CONVERGENCE_DATABASE_URL")
        exit(64)
    }
    let runs = arguments.count > 1 ? Int(arguments[1]) ?? 500 : 500
    do {
        let (median, p95) = try PipelineBenchmarks.queueOverhead(databaseURL: url, runs: runs)
        print("queue_claim_ms \(String(format: "%.3f", median)) ms/run "
            + "(p95 \(String(format: "%.3f", p95)) ms; claim + lease renewal + finish, \(runs) runs)")
    } catch {
        print("queue-claim failed: \(error)")
        exit(1)
    }
case "audit-capture":
    // audit-capture DIR: per-step cost of capturing one check's record.
    guard arguments.count >= 2 else { print("usage: convergence-bench audit-capture DIR [iterations]"); exit(64) }
    let n = arguments.count > 2 ? Int(arguments[2]) ?? 100_000 : 100_000
    do {
        for (name, ns) in try AuditCaptureBenchmark.run(directory: arguments[1], iterations: n) { print("\(name) \(Int(ns)) ns/op") }
    } catch {
        print("cannot open the spool: \(error)")
        exit(1)
    }
case "audit-append-latency":
    // audit-append-latency DIR THREADS SECONDS [RATE_PER_THREAD]: the tail of append times under a steady load.
    guard arguments.count >= 4, let threads = Int(arguments[2]), let seconds = Double(arguments[3]) else {
        print("usage: convergence-bench audit-append-latency DIR THREADS SECONDS [RATE_PER_THREAD]")
        exit(64)
    }
    let rate = arguments.count > 4 ? Int(arguments[4]) ?? 1000 : 1000
    do {
        for (name, value) in try AuditAppendLatency.run(directory: arguments[1], threads: threads, seconds: seconds, ratePerThread: rate) {
            print("\(name) \(String(format: "%.1f", value))")
        }
    } catch {
        print("cannot open the spool: \(error)")
        exit(1)
    }
case "audit-spool":
    // audit-spool DIR COUNT: COUNT check records written through the worker's spool writer.
    guard arguments.count == 3, let count = Int(arguments[2]) else { print("usage: convergence-bench audit-spool DIR COUNT"); exit(64) }
    do {
        let average = try AuditSpoolFill.run(directory: arguments[1], count: count)
        print("audit_spool_records \(count) records, \(average) bytes/record (COPY row)")
    } catch {
        print("cannot fill the spool: \(error)")
        exit(1)
    }
case "pii":
    // pii CORPUS.jsonl: the detector's scorecard on the labelled corpus, then its speed (Markdown).
    guard arguments.count == 2 else { print("usage: convergence-bench pii CORPUS.jsonl"); exit(64) }
    do {
        print(try PIIBenchmark.run(corpus: arguments[1]), terminator: "")
    } catch {
        print("cannot read the corpus: \(error)")
        exit(1)
    }
default:
    print("usage: convergence-bench key-verification|engine|engine-10|budget-decision|check-route|rate-limit|metrics-render|audit-spool|audit-capture"
        + "|audit-append-latency [iterations] | queue-claim [runs] | pii CORPUS.jsonl")
    exit(64)
}
