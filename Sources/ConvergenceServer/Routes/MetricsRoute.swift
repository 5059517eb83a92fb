import CConvergenceShm
import ConvergenceAudit
import ConvergenceHTTP
import ConvergenceShared

/// `GET /metrics`: Prometheus text from the shared region, so any worker
/// answers with the sum over all of them. nginx lets only loopback in.
enum MetricsRoute {
    static func register(on router: inout Router<RequestContext>) {
        router.get("/metrics") { _, context in
            let region = context.shared
            var derived: [(MetricFamily, Double)] = [
                (MetricFamilies.bucketsUsed, Double(context.limiter.occupancy)),
                (MetricFamilies.bucketsCapacity, Double(region.bucketCapacity)),
                (MetricFamilies.bucketEvictions, Double(region.counter(Int32(CV_COUNTER_BUCKET_EVICTIONS)))),
                (MetricFamilies.lockTimeouts, Double(region.counter(Int32(CV_COUNTER_LOCK_TIMEOUTS)))),
                (MetricFamilies.seriesUsed, Double(region.counter(Int32(CV_COUNTER_SERIES_USED)))),
                (MetricFamilies.seriesCapacity, Double(region.seriesCapacity)),
                (MetricFamilies.seriesDropped, Double(region.counter(Int32(CV_COUNTER_SERIES_DROPPED)))),
                (MetricFamilies.customersLabelled, Double(region.counter(Int32(CV_COUNTER_CUSTOMER_LABELS)))),
                (MetricFamilies.shmBytes, Double(region.totalBytes)),
                (MetricFamilies.budgetWarnings, Double(region.counter(Int32(CV_COUNTER_BUDGET_WARNINGS)))),
                (MetricFamilies.budgetRefusals, Double(region.counter(Int32(CV_COUNTER_BUDGET_REFUSALS)))),
                (MetricFamilies.budgetSyncFailures, Double(region.counter(Int32(CV_COUNTER_BUDGET_SYNC_FAILURES)))),
                (MetricFamilies.budgetLeases, Double(region.counter(Int32(CV_COUNTER_BUDGET_LEASES)))),
            ]
            if context.config.rateLimitScope == .cluster {
                derived.append((MetricFamilies.clusterOutage, Double(region.counter(ClusterRateGate.outageCounter))))
                derived.append((MetricFamilies.clusterHosts, Double(region.counter(ClusterRateGate.hostsCounter))))
                derived.append((MetricFamilies.leaseFailures, Double(region.counter(ClusterRateGate.leaseFailuresCounter))))
                derived.append((MetricFamilies.synchronousLeases, Double(region.counter(ClusterRateGate.synchronousLeasesCounter))))
            }
            if let spool = context.audit {
                // The audit gauges as of now, not as of the flusher's last loop: a dead or
                // stuck flusher must not freeze the age of the oldest unflushed record.
                let audit = AuditReadiness.current(config: context.config, spool: spool)
                context.metrics.set(AuditMetricFamilies.backlogBytes, [], Double(audit.backlogBytes))
                context.metrics.set(AuditMetricFamilies.oldestAge, [], (audit.oldestUnflushedAgeMs ?? 0) / 1000)
                derived.append((AuditMetricFamilies.spoolWritable, spool.isWritable ? 1 : 0))
            }
            let all = MetricFamilies.stored + AuditMetricFamilies.all + PipelineMetricFamilies.all
            let families = context.config.metricsSeedNames ? all : all.filter { !MetricFamilies.seedNamesFlaggedByLint.contains($0.name) }
            let body = MetricsRenderer(region: region, families: families).render(extra: derived)
            return Response(status: .ok, headers: [HTTPField("Content-Type", MetricsRenderer.contentType)], body: body)
        }
    }
}
