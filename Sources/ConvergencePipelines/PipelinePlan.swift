/// A template expanded for one run: every placeholder resolved, every
/// parameter turned into a bound value. The trigger validates and stores it
/// with the queued run, so the executor runs exactly what was accepted even if
/// the template file changes in between.
public struct PipelinePlan: Codable, Sendable, Equatable {
    public var pipelineID: String
    public var tenantID: String
    public var provider: String
    public var domain: String
    public var templateName: String
    /// Relative to the configuration folder, for messages.
    public var templateFile: String
    public var steps: [PlannedStep]
    /// The parameters as bound (after defaults), stored with the run as data.
    public var parameters: [String: String?]
    /// The same as a JSON object with typed values (for `pipeline_runs.parameters`).
    public var parametersJSON: String

    enum CodingKeys: String, CodingKey {
        case steps, parameters, provider, domain
        case pipelineID = "pipeline_id"
        case tenantID = "tenant_id"
        case templateName = "template_name"
        case templateFile = "template_file"
        case parametersJSON = "parameters_json"
    }
}

public enum StepKind: String, Codable, Sendable, CaseIterable {
    case sql
    case loadCSV = "load_csv"
    case dqCheck = "dq_check"
}

/// One step of a plan; exactly one of `statements`, `load`, `dq` is set, per `kind`.
public struct PlannedStep: Codable, Sendable, Equatable {
    public var number: Int
    public var name: String
    public var kind: StepKind
    /// nil: the server's `pipeline_step_timeout_seconds`.
    public var timeoutSeconds: Int?
    public var statements: [BoundStatement]?
    public var load: CSVLoad?
    public var dq: DQCheckStep?

    enum CodingKeys: String, CodingKey {
        case number, name, kind, statements, load, dq
        case timeoutSeconds = "timeout_seconds"
    }
}

/// SQL with `$1…$n` and the values bound to them (text; NULL as nil).
public struct BoundStatement: Codable, Sendable, Equatable {
    public var sql: String
    public var parameters: [String?]

    public init(sql: String, parameters: [String?]) {
        self.sql = sql
        self.parameters = parameters
    }
}

public enum ColumnType: String, Codable, Sendable, CaseIterable {
    case text, integer, numeric, double, boolean, date, timestamp

    /// The PostgreSQL type the table is created with.
    public var sqlType: String {
        switch self {
        case .text: "text"
        case .integer: "bigint"
        case .numeric: "numeric"
        case .double: "double precision"
        case .boolean: "boolean"
        case .date: "date"
        case .timestamp: "timestamptz"
        }
    }
}

public struct CSVColumn: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var nullable: Bool

    public init(name: String, type: ColumnType, nullable: Bool) {
        self.name = name
        self.type = type
        self.nullable = nullable
    }
}

public struct CSVLoad: Codable, Sendable, Equatable {
    public enum Mode: String, Codable, Sendable { case replace, append }

    /// Relative to the data folder.
    public var file: String
    public var table: String
    public var columns: [CSVColumn]
    public var header: Bool
    public var mode: Mode

    /// The table's DDL (created when missing): the declared columns, quoted.
    public var createTableSQL: String {
        let list = columns.map { "\(SQLIdentifier.quoted($0.name)) \($0.type.sqlType)\($0.nullable ? "" : " NOT NULL")" }
        return "CREATE TABLE IF NOT EXISTS \(SQLIdentifier.quoted(table)) (\(list.joined(separator: ", ")))"
    }

    public var copySQL: String {
        let names = columns.map { SQLIdentifier.quoted($0.name) }.joined(separator: ", ")
        return "COPY \(SQLIdentifier.quoted(table)) (\(names)) FROM STDIN WITH (FORMAT csv, HEADER \(header ? "true" : "false"))"
    }
}

public struct DQCheckStep: Codable, Sendable, Equatable {
    public var table: String
    public var checks: [DQCheck]
}

public struct DQCheck: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case notNull = "not_null"
        case unique
        case rowCount = "row_count"
        case range
        case freshness
    }

    public enum Severity: String, Codable, Sendable { case error, warn }

    /// What `dq_results.check_name` says (defaults to the kind).
    public var name: String
    public var kind: Kind
    /// One column (not_null, range, freshness) or the key (unique); empty for row_count.
    public var columns: [String]
    public var min: Double?
    public var max: Double?
    public var maxAgeSeconds: Int?
    public var severity: Severity

    enum CodingKeys: String, CodingKey {
        case name, kind, columns, min, max, severity
        case maxAgeSeconds = "max_age_seconds"
    }

    public init(name: String, kind: Kind, columns: [String], min: Double? = nil, max: Double? = nil,
                maxAgeSeconds: Int? = nil, severity: Severity = .error) {
        self.name = name
        self.kind = kind
        self.columns = columns
        self.min = min
        self.max = max
        self.maxAgeSeconds = maxAgeSeconds
        self.severity = severity
    }
}
