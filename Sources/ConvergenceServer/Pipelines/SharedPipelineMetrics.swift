import ConvergencePipelines
import ConvergenceShared
import Synchronization

/// Pipeline events into the shared-memory metrics, from any thread of a
/// worker or of the executor process. Pipeline events are rare (per run and
/// step, not per request), so one recorder behind a mutex is plenty.
final class SharedPipelineMetrics: PipelineMetricsSink {
    private let recorder: Mutex<MetricsRecorder>

    init(region: SharedRegion) {
        recorder = Mutex(MetricsRecorder(region: region, customerCap: 0))
    }

    func runQueued(template: String) {
        recorder.withLock { $0.add(PipelineMetricFamilies.queued, [template]) }
    }

    func runFinished(template: String, status: String, durationMs: Double) {
        recorder.withLock {
            $0.add(PipelineMetricFamilies.runs, [template, status])
            $0.observe(PipelineMetricFamilies.runDuration, [template], durationMs / 1000)
        }
    }

    func stepFinished(kind: StepKind, status: String, durationMs: Double) {
        recorder.withLock { $0.observe(PipelineMetricFamilies.stepDuration, [kind.rawValue, status], durationMs / 1000) }
    }

    func dqCheckFailed(template: String, check: DQCheck.Kind, severity: DQCheck.Severity) {
        recorder.withLock { $0.add(PipelineMetricFamilies.dqFailures, [template, check.rawValue, severity.rawValue]) }
    }

    func runLeaseExpired(retried: Bool) {
        recorder.withLock { $0.add(PipelineMetricFamilies.leaseExpired, [retried ? "retried" : "failed"]) }
    }
}

/// Pipeline metric families (templates are files in the config folder, so labels stay bounded).
enum PipelineMetricFamilies {
    static let durationBuckets: [Double] = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

    static let queued = MetricFamily("convergence_pipeline_runs_queued_total", .counter, labels: ["template"],
                                     help: "Pipeline runs queued by triggers (and by onboarding), by template.")
    static let runs = MetricFamily("convergence_pipeline_runs_total", .counter, labels: ["template", "status"],
                                   help: "Pipeline runs finished, by template and final status (COMPLETED, FAILED, CANCELLED).")
    static let runDuration = MetricFamily("convergence_pipeline_run_duration_seconds", .histogram(buckets: durationBuckets),
                                          labels: ["template"], help: "Pipeline run time from start to final status.")
    static let stepDuration = MetricFamily("convergence_pipeline_step_duration_seconds", .histogram(buckets: durationBuckets),
                                           labels: ["kind", "status"], help: "Pipeline step time, by step kind and status.")
    static let dqFailures = MetricFamily("convergence_pipeline_dq_failures_total", .counter, labels: ["template", "check", "severity"],
                                         help: "Data-quality checks that failed, by template, check kind and severity.")
    static let leaseExpired = MetricFamily("convergence_pipeline_lease_expired_total", .counter, labels: ["outcome"],
                                           help: "Runs whose executor stopped heartbeating: retried or marked FAILED.")

    static let all: [MetricFamily] = [queued, runs, runDuration, stepDuration, dqFailures, leaseExpired]
}
