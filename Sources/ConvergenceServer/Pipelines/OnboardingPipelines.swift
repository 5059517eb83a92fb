import ConvergenceCore
import ConvergenceHTTP
import ConvergencePipelines
import Foundation
import Glibc

/// What onboarding runs once the tenant exists: `customer/onboarding-template.yml`
/// (verifies what onboarding created), then the dryrun `gcp/example/dryrun.yml`.
///
/// They run inline on the request's thread and connection rather than through the
/// executor: both take milliseconds, the answer reports the real outcome without
/// waiting on a queue, and onboarding works on a host whose executor is off. They
/// are still ordinary runs (queue row with a lease, pipeline_runs, step_logs,
/// dq_results), so a worker dying mid-run is recovered like any executor. Each
/// step's timeout is capped at `onboarding_dryrun_timeout_seconds`.
enum OnboardingPipelines {
    struct Ran: Encodable {
        let pipelineID: String
        let pipelineLoggingID: String?
        let status: String
        let error: String?

        enum CodingKeys: String, CodingKey {
            case status, error
            case pipelineID = "pipeline_id"
            case pipelineLoggingID = "pipeline_logging_id"
        }
    }

    /// (provider, domain, template name, file) of each pipeline, in order.
    static let pipelines: [(String, String, String, String)] = [
        ("customer", "onboarding", "onboarding-template", "customer/onboarding-template.yml"),
        ("gcp", "example", "dryrun", "gcp/example/dryrun.yml"),
    ]

    static func run(tenantID: String, customerID: String, context: RequestContext, requestID: String,
                    metrics: any PipelineMetricsSink = NoPipelineMetrics()) -> [Ran] {
        let config = context.config
        let cap = config.onboardingDryrunTimeoutSeconds
        let owner = "inline:\(HostIdentity.processName())"
        return pipelines.map { provider, domain, template, file in
            let id = UUID().uuidString.lowercased()
            let runContext = PipelineContext(tenantID: tenantID, provider: provider, domain: domain, templateName: template,
                                             pipelineLoggingID: id, templatePath: file)
            do {
                var plan = try TemplateFiles.plan(directory: config.pipelineConfigDir, context: runContext, parameters: [:])
                for index in plan.steps.indices {
                    plan.steps[index].timeoutSeconds = min(plan.steps[index].timeoutSeconds ?? cap, cap)
                }
                let lease = max(config.pipelineLeaseSeconds, cap + 5)
                try PipelineQueue(db: context.database).enqueue(plan, id: id, customerID: customerID, triggeredBy: "onboarding",
                                                                leaseOwner: owner, leaseSeconds: lease)
                let runner = PipelineRunner(db: context.database, owner: owner, leaseSeconds: lease, defaultTimeoutSeconds: cap,
                                            dataDirectory: config.pipelineDataDir, control: RunControl(), metrics: metrics,
                                            logger: context.logger)
                let outcome = try runner.run(PipelineQueue.Claimed(id: id, tenantID: tenantID, template: "\(provider)/\(domain)/\(template)",
                                                                   plan: plan, attempt: 1))
                var error: String?
                if case .failed(let message) = outcome { error = message }
                return Ran(pipelineID: plan.pipelineID, pipelineLoggingID: id, status: outcome.status, error: error)
            } catch {
                // An APIError's message is written for clients (template missing or invalid); others stay in the log.
                let message = (error as? APIError)?.message ?? "the run could not be recorded"
                context.logger.warning("onboarding pipeline failed", ["pipeline": .string(file), "error": .string(String(describing: error))],
                                       requestID: requestID)
                return Ran(pipelineID: runContext.pipelineID, pipelineLoggingID: nil, status: "FAILED", error: message)
            }
        }
    }
}
