import ConvergenceCore
import ConvergenceHTTP

/// The route table of a worker, assembled from the feature route groups.
enum Routes {
    static func make(config: Config) -> Router<RequestContext> {
        var router = Router<RequestContext>()
        HealthRoutes.register(on: &router)
        CustomerRoutes.register(on: &router)
        KeyRoutes.register(on: &router)
        CredentialRoutes.register(on: &router)
        PolicyRoutes.register(on: &router)
        CheckRoute.register(on: &router)
        AuditLogRoutes.register(on: &router)
        if config.enableEcho { EchoRoute.register(on: &router) }
        return router
    }
}
