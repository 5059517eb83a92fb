import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceJSON
import ConvergencePipelines
import ConvergenceStore
import Foundation

/// Seed 000's pipeline API for a tenant's own key:
/// - `POST /api/v1/pipelines/run/{tenant_id}/{provider}/{domain}/{template_name}` → 202, queued;
/// - `GET /api/v1/pipelines/runs/{tenant_id}[?status=&limit=&cursor=]`, `GET …/{run_id}`;
/// - `POST …/runs/{tenant_id}/{run_id}/cancel`.
/// A path naming another tenant is 403; another tenant's run id is simply not
/// in this tenant's schema, so it is 404.
enum PipelineRoutes {
    static let statuses: Set<String> = ["PENDING", "RUNNING", "COMPLETED", "FAILED", "CANCELLED"]

    static func register(on router: inout Router<RequestContext>, metrics: any PipelineMetricsSink) {
        router.post("/api/v1/pipelines/run/{tenant_id}/{provider}/{domain}/{template_name}") { request, context in
            try trigger(request, context, metrics: metrics)
        }
        router.get("/api/v1/pipelines/runs/{tenant_id}", query: ListPage.parameters.union(["status"])) { request, context in
            try list(request, context)
        }
        router.get("/api/v1/pipelines/runs/{tenant_id}/{run_id}") { request, context in try detail(request, context) }
        router.post("/api/v1/pipelines/runs/{tenant_id}/{run_id}/cancel") { request, context in try cancel(request, context) }
    }

    static func tenantKey(_ request: Request, _ context: RequestContext) throws(APIError) -> KeyRecord {
        try Authenticator.requireTenant(request.pathParameters["tenant_id"] ?? "", request, context)
    }

    // MARK: Trigger

    static func trigger(_ request: Request, _ context: RequestContext, metrics: any PipelineMetricsSink) throws -> Response {
        let key = try tenantKey(request, context)
        let tenant = key.tenantID!
        let provider = try TemplateFiles.validatedName(request.pathParameters["provider"], "provider")
        let domain = try TemplateFiles.validatedName(request.pathParameters["domain"], "domain")
        let template = try TemplateFiles.validatedName(request.pathParameters["template_name"], "template_name")
        let parameters = try parameterInputs(request)
        let id = UUID().uuidString.lowercased()
        let runContext = PipelineContext(tenantID: tenant, provider: provider, domain: domain, templateName: template, pipelineLoggingID: id)
        let plan = try TemplateFiles.plan(directory: context.config.pipelineConfigDir, context: runContext, parameters: parameters)
        do {
            try PipelineQueue(db: context.database).enqueue(plan, id: id, customerID: key.customerID!, triggeredBy: key.keyID)
        } catch let active as PipelineQueue.ActiveRun {
            return alreadyRunning(plan.pipelineID, active.pipelineLoggingID, requestID: request.requestID)
        } catch let error as PostgresError where error.sqlState == "23505" {
            // The active run ended between the conflict and the lookup: the pipeline is free now.
            do {
                try PipelineQueue(db: context.database).enqueue(plan, id: id, customerID: key.customerID!, triggeredBy: key.keyID)
            } catch let active as PipelineQueue.ActiveRun {
                return alreadyRunning(plan.pipelineID, active.pipelineLoggingID, requestID: request.requestID)
            } catch let again as PostgresError where again.sqlState == "23505" {
                throw APIError(.conflict, code: "pipeline_running", message: "Another run of \(plan.pipelineID) is starting; retry shortly.")
            }
        }
        metrics.runQueued(template: "\(provider)/\(domain)/\(template)")
        let body = "{\"pipeline_logging_id\":\(JSONString.quoted(id)),\"pipeline_id\":\(JSONString.quoted(plan.pipelineID)),"
            + "\"status\":\"PENDING\"}"
        return .rawJSON(Array(body.utf8), status: .accepted)
    }

    /// 409 in SPEC.md's error shape, plus the id of the run that holds the pipeline.
    static func alreadyRunning(_ pipelineID: String, _ runID: String, requestID: String) -> Response {
        let message = "Pipeline \(pipelineID) already has an active run (\(runID)); wait for it or cancel it."
        let body = "{\"error\":{\"code\":\"pipeline_already_running\",\"message\":\(JSONString.quoted(message)),"
            + "\"request_id\":\(JSONString.quoted(requestID)),\"pipeline_logging_id\":\(JSONString.quoted(runID))}}"
        return .rawJSON(Array(body.utf8), status: .conflict)
    }

    /// The optional JSON object body: its members are the run's parameters.
    static func parameterInputs(_ request: Request) throws(APIError) -> [String: JSONValue] {
        guard !request.body.isEmpty else { return [:] }
        guard case .object(let object) = try request.parseJSONBody() else {
            throw APIError.badRequest("invalid_parameters", "The body must be a JSON object of parameters.")
        }
        var out: [String: JSONValue] = [:]
        for (name, value) in object { out[name] = value } // a repeated name: the last wins
        return out
    }

    // MARK: Runs

    /// `run_id` from the path: a UUID (400 otherwise).
    static func runID(_ request: Request) throws(APIError) -> String {
        let text = request.pathParameters["run_id"] ?? ""
        guard UUID(uuidString: text) != nil else { throw APIError.badRequest("invalid_run_id", "The run id must be a UUID.") }
        return text.lowercased()
    }

    static let unknownRun = APIError(.notFound, code: "run_not_found", message: "No such pipeline run for this tenant.")

    static func runJSON(_ alias: String) -> String {
        """
        'pipeline_logging_id', \(alias).pipeline_logging_id, 'pipeline_id', \(alias).pipeline_id, 'provider', \(alias).provider,
        'domain', \(alias).domain, 'template_name', \(alias).template_name, 'status', \(alias).status,
        'parameters', \(alias).parameters, 'error', \(alias).error, 'attempts', \(alias).attempts,
        'created_at', convergence.iso(\(alias).created_at), 'started_at', convergence.iso(\(alias).started_at),
        'finished_at', convergence.iso(\(alias).finished_at),
        'duration_ms', round(extract(epoch FROM \(alias).finished_at - \(alias).started_at) * 1000)
        """
    }

    static func list(_ request: Request, _ context: RequestContext) throws -> Response {
        let tenant = try tenantKey(request, context).tenantID!
        let query = request.queryParameters
        let status = query["status"].map { $0.uppercased() }
        if let status, !statuses.contains(status) {
            throw APIError.badRequest("invalid_status", "status must be one of \(statuses.sorted().joined(separator: ", ")).")
        }
        let listPage = try ListPage(query, defaultLimit: 20, maxLimit: 100) { UUID(uuidString: String($0)) != nil }
        let (limit, cursor) = (listPage.limit, listPage.cursor)
        let schema = TenantID.quotedSchema(tenant)
        let rows = try context.database.query("""
            SELECT json_build_object(\(runJSON("r")))::text AS run,
                   (extract(epoch FROM r.created_at) * 1000000)::bigint || '_' || r.pipeline_logging_id AS cursor
            FROM \(schema).pipeline_runs r
            WHERE ($1::text IS NULL OR r.status = $1)
              AND ($2::bigint IS NULL OR (r.created_at, r.pipeline_logging_id)
                   < (timestamptz 'epoch' + $2::bigint * interval '1 microsecond', $3::uuid))
            ORDER BY r.created_at DESC, r.pipeline_logging_id DESC LIMIT $4
            """, [status, cursor?.micros, cursor?.id, limit + 1], idempotent: true).rows
        let page = rows.prefix(limit)
        let runs = try page.map { try $0.decode("run", as: String.self) }
        let next: String = rows.count > limit ? JSONString.quoted(try page.last!.decode("cursor")) : "null"
        return .rawJSON(Array("{\"runs\":[\(runs.joined(separator: ","))],\"next_cursor\":\(next)}".utf8))
    }

    static func detail(_ request: Request, _ context: RequestContext) throws -> Response {
        let tenant = try tenantKey(request, context).tenantID!
        let id = try runID(request)
        let schema = TenantID.quotedSchema(tenant)
        // The steps and data-quality results of the last execution; steps of earlier ones
        // (cut off by a dead or stopping executor) under `earlier_steps`, for the story.
        guard let row = try context.database.query("""
            SELECT json_build_object(\(runJSON("r")),
                'steps', coalesce((SELECT json_agg(\(stepJSON("l")) ORDER BY l.step_number, l.id)
                    FROM \(schema).step_logs l WHERE l.pipeline_logging_id = r.pipeline_logging_id AND l.attempt = e.last), '[]'::json),
                'dq_results', coalesce((SELECT json_agg(json_build_object('step_number', d.step_number, 'check_name', d.check_name,
                        'table_name', d.table_name, 'column_name', d.column_name, 'status', d.status, 'severity', d.severity,
                        'observed_value', d.observed_value, 'expected_value', d.expected_value, 'attempt', d.attempt,
                        'created_at', convergence.iso(d.created_at)) ORDER BY d.id)
                    FROM \(schema).dq_results d WHERE d.pipeline_logging_id = r.pipeline_logging_id AND d.attempt = e.last), '[]'::json),
                'earlier_steps', coalesce((SELECT json_agg(\(stepJSON("l")) ORDER BY l.attempt, l.step_number, l.id)
                    FROM \(schema).step_logs l WHERE l.pipeline_logging_id = r.pipeline_logging_id AND l.attempt < e.last), '[]'::json)
            )::text AS body
            FROM \(schema).pipeline_runs r
            CROSS JOIN LATERAL (SELECT max(attempt) AS last FROM \(schema).step_logs
                                WHERE pipeline_logging_id = r.pipeline_logging_id) e
            WHERE r.pipeline_logging_id = $1::uuid
            """, [id], idempotent: true).rows.first else { throw unknownRun }
        return .rawJSON(Array(try row.decode("body", as: String.self).utf8))
    }

    static func stepJSON(_ alias: String) -> String {
        """
        json_build_object('step_number', \(alias).step_number, 'name', \(alias).name, 'kind', \(alias).kind,
            'status', \(alias).status, 'attempt', \(alias).attempt, 'started_at', convergence.iso(\(alias).started_at),
            'finished_at', convergence.iso(\(alias).finished_at),
            'duration_ms', round(extract(epoch FROM \(alias).finished_at - \(alias).started_at) * 1000),
            'rows_affected', \(alias).rows_affected, 'error', \(alias).error)
        """
    }

    /// A queued run is cancelled at once (200); a running one is asked to stop at
    /// its next step boundary, its current statement cancelled (202).
    static func cancel(_ request: Request, _ context: RequestContext) throws -> Response {
        let tenant = try tenantKey(request, context).tenantID!
        let id = try runID(request)
        let schema = TenantID.quotedSchema(tenant)
        // (status now, whether this call changed it)
        let outcome: (String, Bool)? = try context.database.transaction { tx in
            if try tx.query("""
                DELETE FROM convergence.pipeline_queue WHERE pipeline_logging_id = $1::uuid AND tenant_id = $2 AND status = 'PENDING'
                """, [id, tenant]).affectedRows == 1 {
                try tx.query("""
                    UPDATE \(schema).pipeline_runs SET status = 'CANCELLED', finished_at = now(), error = 'cancelled before it started'
                    WHERE pipeline_logging_id = $1::uuid
                    """, [id])
                return ("CANCELLED", true)
            }
            if try tx.query("""
                UPDATE convergence.pipeline_queue SET cancel_requested = true
                WHERE pipeline_logging_id = $1::uuid AND tenant_id = $2 AND status = 'RUNNING'
                """, [id, tenant]).affectedRows == 1 {
                try tx.query("SELECT pg_notify($1, $2)", [PipelineQueue.cancelChannel, id])
                return ("CANCELLING", true)
            }
            return try tx.query("SELECT status FROM \(schema).pipeline_runs WHERE pipeline_logging_id = $1::uuid", [id])
                .rows.first.map { (try $0.decode("status", as: String.self), false) }
        }
        guard let (status, changed) = outcome else { throw unknownRun }
        let body = "{\"pipeline_logging_id\":\(JSONString.quoted(id)),\"status\":\(JSONString.quoted(status))}"
        switch (status, changed) {
        case ("CANCELLED", true): return .rawJSON(Array(body.utf8))
        case ("CANCELLING", true): return .rawJSON(Array(body.utf8), status: .accepted)
        default:
            throw APIError(.conflict, code: "run_finished", message: "The run already ended with status \(status).")
        }
    }
}
