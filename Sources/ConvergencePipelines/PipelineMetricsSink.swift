/// The pipeline events a metrics backend counts. The shared-memory Prometheus
/// registry (issue 5) implements this; until it is wired, `NoPipelineMetrics`
/// drops them. Called from the executor's runner threads and request threads.
public protocol PipelineMetricsSink: Sendable {
    /// A trigger queued a run (`template` is `provider/domain/template_name`).
    func runQueued(template: String)
    /// A run reached a final status: COMPLETED, FAILED or CANCELLED.
    func runFinished(template: String, status: String, durationMs: Double)
    /// A step finished (status COMPLETED, FAILED or CANCELLED); for the step-duration histogram.
    func stepFinished(kind: StepKind, status: String, durationMs: Double)
    /// A data-quality check failed (`severity` error or warn).
    func dqCheckFailed(template: String, check: DQCheck.Kind, severity: DQCheck.Severity)
    /// A run's executor stopped heartbeating; `retried` false means it was marked FAILED.
    func runLeaseExpired(retried: Bool)
}

public struct NoPipelineMetrics: PipelineMetricsSink {
    public init() {}
    public func runQueued(template: String) {}
    public func runFinished(template: String, status: String, durationMs: Double) {}
    public func stepFinished(kind: StepKind, status: String, durationMs: Double) {}
    public func dqCheckFailed(template: String, check: DQCheck.Kind, severity: DQCheck.Severity) {}
    public func runLeaseExpired(retried: Bool) {}
}
