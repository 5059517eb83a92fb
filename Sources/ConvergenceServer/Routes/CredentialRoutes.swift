import ConvergenceCore
import ConvergenceHTTP
import ConvergenceIdentity
import ConvergenceJSON
import ConvergenceStore

/// `/api/v1/tenants/{tenant_id}/credentials[/{provider}]`: cloud credentials,
/// AES-256-GCM encrypted under the master key, never returned in clear.
enum CredentialRoutes {
    static let maxCredentialBytes = 64 * 1024

    static func register(on router: inout Router<RequestContext>) {
        let base = "/api/v1/tenants/{tenant_id}/credentials"
        router.put(base + "/{provider}") { request, context in try put(request, context) }
        router.get(base) { request, context in
            let tenant = try authorize(request, context)
            let rows = try context.database.query("""
                SELECT provider, master_key_id, convergence.iso(created_at) AS created_at, convergence.iso(updated_at) AS updated_at
                FROM \(TenantID.quotedSchema(tenant)).cloud_credentials ORDER BY provider
                """).rows
            return try .json(["credentials": try rows.map(decode)])
        }
        router.get(base + "/{provider}") { request, context in
            let tenant = try authorize(request, context)
            guard let metadata = try find(tenant, try provider(request), context) else { throw unknownCredential }
            return try .json(metadata)
        }
        router.delete(base + "/{provider}") { request, context in
            let (tenant, actor) = try authorizeActor(request, context)
            let name = try provider(request)
            try AdminAudit.ensureCapacity(context)
            let deleted = try context.database.query(
                "DELETE FROM \(TenantID.quotedSchema(tenant)).cloud_credentials WHERE provider = $1", [name]).affectedRows
            guard deleted > 0 else { throw unknownCredential }
            AdminAudit.record(context, request, actor: actor, action: "credential.delete", target: "credential:\(tenant)/\(name)")
            return .rawJSON(JSONSerializer.bytes(.object(["provider": .string(name), "deleted": .bool(true)])))
        }
    }

    static let unknownCredential = APIError(.notFound, code: "credential_not_found", message: "No credential for this provider.")

    static func authorize(_ request: Request, _ context: RequestContext) throws(APIError) -> String {
        try authorizeActor(request, context).tenant
    }

    /// The tenant and the key acting on its credentials (named in the audit record).
    static func authorizeActor(_ request: Request, _ context: RequestContext) throws(APIError) -> (tenant: String, actor: KeyRecord) {
        let tenant = request.pathParameters["tenant_id"] ?? ""
        let record = try Authenticator.requireTenant(tenant, request, context)
        return (record.tenantID!, record)
    }

    static func provider(_ request: Request) throws(APIError) -> String {
        let name = request.pathParameters["provider"] ?? ""
        guard (1...32).contains(name.utf8.count),
              name.utf8.allSatisfy({ ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 || $0 == 45 }) else {
            throw APIError.badRequest("invalid_provider", "provider must be 1 to 32 characters of a-z, 0-9, _ and -.")
        }
        return name
    }

    static func put(_ request: Request, _ context: RequestContext) throws -> Response {
        let (tenant, actor) = try authorizeActor(request, context)
        let name = try provider(request)
        guard let keyring = context.keyring else {
            throw APIError(.serviceUnavailable, code: "master_key_unavailable",
                           message: "No master key is configured, so credentials cannot be stored.")
        }
        guard request.body.count <= maxCredentialBytes else { throw APIError.payloadTooLarge(limit: maxCredentialBytes) }
        guard case .object = try request.parseJSONBody() else {
            throw APIError.badRequest("invalid_credential", "The credential must be a JSON object.")
        }
        let (keyID, sealed) = try keyring.seal(request.body, context: "\(tenant)/\(name)")
        try AdminAudit.ensureCapacity(context)
        try context.database.query("""
            INSERT INTO \(TenantID.quotedSchema(tenant)).cloud_credentials (provider, master_key_id, nonce, ciphertext)
            VALUES ($1, $2, $3::bytea, $4::bytea)
            ON CONFLICT (provider) DO UPDATE SET master_key_id = EXCLUDED.master_key_id, nonce = EXCLUDED.nonce,
                ciphertext = EXCLUDED.ciphertext, updated_at = now()
            """, [name, keyID, PostgresBytes(sealed.nonce), PostgresBytes(sealed.ciphertext)])
        // A DELETE may land between the upsert and this read: answer 404, never trap.
        AdminAudit.record(context, request, actor: actor, action: "credential.put", target: "credential:\(tenant)/\(name)")
        guard let stored = try find(tenant, name, context) else { throw unknownCredential }
        return try .json(stored)
    }

    static func find(_ tenant: String, _ provider: String, _ context: RequestContext) throws -> CredentialMetadata? {
        try context.database.query("""
            SELECT provider, master_key_id, convergence.iso(created_at) AS created_at, convergence.iso(updated_at) AS updated_at
            FROM \(TenantID.quotedSchema(tenant)).cloud_credentials WHERE provider = $1
            """, [provider]).rows.first.map(decode)
    }

    static func decode(_ row: PostgresRow) throws -> CredentialMetadata {
        CredentialMetadata(provider: try row.decode("provider"), masterKeyID: try row.decode("master_key_id"),
                           createdAt: try row.decode("created_at"), updatedAt: try row.decode("updated_at"))
    }
}
