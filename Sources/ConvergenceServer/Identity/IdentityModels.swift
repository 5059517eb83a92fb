import ConvergenceCore

/// JSON shapes of the identity API (snake_case on the wire).
package struct CustomerBody: Codable, Sendable {
    package let id: String
    let tenantID: String
    let name: String
    let tier: String
    let createdAt: String
    /// Set on a soft-deleted customer (listed with `include_deleted=true`); absent otherwise.
    var deletedAt: String? = nil
    /// List rows only: live keys (neither revoked nor expired), and `active` or `deleted`.
    var keyCount: Int? = nil
    var status: String? = nil

    enum CodingKeys: String, CodingKey {
        case id, name, tier, status
        case tenantID = "tenant_id"
        case createdAt = "created_at"
        case deletedAt = "deleted_at"
        case keyCount = "key_count"
    }
}

/// Key metadata: never the key, never its digest.
struct KeyMetadata: Codable, Sendable {
    let keyID: String
    let kind: String
    let customerID: String?
    let name: String
    let prefix: String
    let last4: String
    let createdAt: String
    let rotatedAt: String?
    let replacedBy: String?
    let expiresAt: String?
    let revokedAt: String?
    let lastUsedAt: String?
    /// The key's own token bucket; null: its customer's tier applies.
    var rateLimit: KeyRateLimit? = nil
    /// Its customer's tenant id (null for admin keys).
    var tenantID: String? = nil
    /// `active`, `rotating` (rotated, working until `grace_until`), `revoked` or `expired`.
    var state: String? = nil
    var graceUntil: String? = nil
    /// The department its checks count as for policies' `applies_to.departments`.
    var department: String? = nil

    enum CodingKeys: String, CodingKey {
        case name, prefix, last4, kind, state, department
        case tenantID = "tenant_id"
        case graceUntil = "grace_until"
        case rateLimit = "rate_limit"
        case keyID = "key_id"
        case customerID = "customer_id"
        case createdAt = "created_at"
        case rotatedAt = "rotated_at"
        case replacedBy = "replaced_by"
        case expiresAt = "expires_at"
        case revokedAt = "revoked_at"
        case lastUsedAt = "last_used_at"
    }
}

/// A key as issued: the secret is in this response and nowhere else, ever.
package struct IssuedKey: Codable, Sendable {
    let apiKey: String
    let key: KeyMetadata

    enum CodingKeys: String, CodingKey {
        case apiKey = "api_key"
        case seedKey = "key"
        case id
    }

    /// Seed 002's names (`id`, `key`) beside ours (`key_id`, `api_key`): customers follow
    /// the seed's guide, and existing clients keep working. Same values under both.
    package func encode(to encoder: any Encoder) throws {
        try key.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(key.keyID, forKey: .id)
        try container.encode(apiKey, forKey: .apiKey)
        try container.encode(apiKey, forKey: .seedKey)
    }

    init(apiKey: String, key: KeyMetadata) {
        self.apiKey = apiKey
        self.key = key
    }

    package init(from decoder: any Decoder) throws {
        apiKey = try decoder.container(keyedBy: CodingKeys.self).decode(String.self, forKey: .apiKey)
        key = try KeyMetadata(from: decoder)
    }
}

struct KeyRateLimit: Codable, Sendable {
    let limit: Int
    let periodSeconds: Int

    init(_ rule: RateLimitRule) {
        limit = rule.limit
        periodSeconds = rule.periodSeconds
    }

    var rule: RateLimitRule { RateLimitRule(limit: limit, periodSeconds: periodSeconds) }

    enum CodingKeys: String, CodingKey {
        case limit
        case periodSeconds = "period_seconds"
    }
}

struct CredentialMetadata: Codable, Sendable {
    let provider: String
    let masterKeyID: String
    let createdAt: String
    let updatedAt: String

    enum CodingKeys: String, CodingKey {
        case provider
        case masterKeyID = "master_key_id"
        case createdAt = "created_at"
        case updatedAt = "updated_at"
    }
}
