/// One schema change, applied once and recorded in `public.schema_migrations`.
public struct Migration: Sendable {
    public let version: Int
    public let name: String
    public let sql: StaticString

    public init(version: Int, name: String, sql: StaticString) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}

/// The ordered migrations compiled into the binary, so a deployed binary always
/// carries exactly the schema it was built for.
public enum Migrations {
    public static let all: [Migration] = [
        Migration(version: 1, name: "control_schema", sql: """
            -- The control schema holds cross-tenant data (customers, keys, policies, audit);
            -- each tenant gets a schema of its own at onboarding.
            CREATE SCHEMA convergence;
            COMMENT ON SCHEMA convergence IS 'Convergence control schema';
            """),
    ]
}
