/// What a run is: the names from the trigger's path plus the run id. These are
/// the built-in placeholders every template may use.
public struct PipelineContext: Sendable, Equatable {
    public let tenantID: String
    public let provider: String
    public let domain: String
    public let templateName: String
    public let pipelineLoggingID: String
    /// The template's file, relative to the configuration folder.
    public let templatePath: String

    /// `templatePath` defaults to `{provider}/{domain}/{template_name}.yml`; only
    /// server-chosen templates (onboarding's) live elsewhere.
    public init(tenantID: String, provider: String, domain: String, templateName: String, pipelineLoggingID: String,
                templatePath: String? = nil) {
        self.tenantID = tenantID
        self.provider = provider
        self.domain = domain
        self.templateName = templateName
        self.pipelineLoggingID = pipelineLoggingID
        self.templatePath = templatePath ?? "\(provider)/\(domain)/\(templateName).yml"
    }

    /// Seed 000: `{tenant_id}-{provider}-{domain}-{template_name}`.
    public var pipelineID: String { "\(tenantID)-\(provider)-\(domain)-\(templateName)" }

    public static let builtInNames: Set<String> = ["tenant_id", "provider", "domain", "template_name", "pipeline_id", "pipeline_logging_id"]

    public var builtIns: [String: String] {
        ["tenant_id": tenantID, "provider": provider, "domain": domain, "template_name": templateName,
         "pipeline_id": pipelineID, "pipeline_logging_id": pipelineLoggingID]
    }
}
