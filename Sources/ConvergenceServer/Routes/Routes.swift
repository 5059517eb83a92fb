import ConvergenceCore
import ConvergenceHTTP
import ConvergencePipelines
import ConvergenceShared

/// The route table of a worker, assembled from the feature route groups.
package enum Routes {
    /// `shared`: the host's region for metrics recorded outside a request's context (pipeline events).
    package static func make(config: Config, shared: SharedRegion? = nil) -> Router<RequestContext> {
        var router = Router<RequestContext>()
        HealthRoutes.register(on: &router)
        MetricsRoute.register(on: &router)
        StatsRoute.register(on: &router)
        CustomerRoutes.register(on: &router)
        KeyRoutes.register(on: &router)
        SessionRoutes.register(on: &router)
        CredentialRoutes.register(on: &router)
        PolicyRoutes.register(on: &router)
        PolicyPreviewRoute.register(on: &router)
        CheckRoute.register(on: &router)
        let pipelineMetrics = shared.map { SharedPipelineMetrics(region: $0) as any PipelineMetricsSink } ?? NoPipelineMetrics()
        PipelineRoutes.register(on: &router, metrics: pipelineMetrics)
        AuditLogRoutes.register(on: &router)
        UsageRoutes.register(on: &router)
        if config.enableEcho { EchoRoute.register(on: &router) }
        return router
    }
}
