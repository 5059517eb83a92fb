import ConvergenceCore
import ConvergenceJSON

/// Template YAML + trigger context + request parameters → a validated `PipelinePlan`.
/// Everything a client or an operator can get wrong is found here, before a
/// run is queued: invalid YAML, unknown keys or step kinds, bad names,
/// missing/unknown/mistyped parameters.
public enum TemplateCompiler {
    public static let maxSteps = 100
    public static let maxTimeoutSeconds = 86_400

    public static func compile(yaml text: String, context: PipelineContext,
                               parameters: [String: JSONValue]) throws(TemplateError) -> PipelinePlan {
        let file = context.templatePath
        let root: YAMLNode
        do { root = try YAMLParser.parse(text) } catch {
            throw TemplateError.at(file, error.line, "invalid YAML: \(error.message)")
        }
        let top = try TemplateMapping(root, file: file, what: "the template")
        try top.allowOnly(["name", "description", "version", "timeout_seconds", "parameters", "steps"], in: "the template")
        _ = try top.string("name")
        _ = try top.string("description")
        _ = try top.string("version")
        let defaultTimeout = try top.integer("timeout_seconds", 1...maxTimeoutSeconds)

        let declarations = try declaredParameters(top.node("parameters"), file: file)
        let bound = try bind(parameters, to: declarations)
        var values: [String: PlaceholderExpansion.Value] = [:]
        for (name, text) in context.builtIns { values[name] = .init(text) }
        for declaration in declarations {
            values[declaration.name] = .init(bound[declaration.name] ?? nil, sqlCast: declaration.type.sqlCast)
        }

        guard let stepsNode = top.node("steps") else { throw TemplateError.at(file, top.line, "the template needs \"steps\"") }
        guard case .sequence(let items, let line) = stepsNode else {
            throw TemplateError.at(file, stepsNode.line, "steps must be a list, found \(stepsNode.kindName)")
        }
        guard !items.isEmpty, items.count <= maxSteps else {
            throw TemplateError.at(file, line, "steps must list 1 to \(maxSteps) steps")
        }
        var steps: [PlannedStep] = []
        for (index, item) in items.enumerated() {
            var step = try compileStep(item, number: index + 1, file: file, values: values)
            if step.timeoutSeconds == nil { step.timeoutSeconds = defaultTimeout }
            if steps.contains(where: { $0.name == step.name }) {
                throw TemplateError.at(file, item.line, "two steps are named \"\(step.name)\"")
            }
            steps.append(step)
        }
        return PipelinePlan(pipelineID: context.pipelineID, tenantID: context.tenantID, provider: context.provider,
                            domain: context.domain, templateName: context.templateName, templateFile: file,
                            steps: steps, parameters: bound, parametersJSON: parametersJSON(bound, declarations))
    }

    // MARK: Parameters

    static func declaredParameters(_ node: YAMLNode?, file: String) throws(TemplateError) -> [ParameterDeclaration] {
        guard let node else { return [] }
        let mapping = try TemplateMapping(node, file: file, what: "parameters")
        var out: [ParameterDeclaration] = []
        for pair in mapping.pairs {
            guard SQLIdentifier.isValid(pair.key), !PipelineContext.builtInNames.contains(pair.key) else {
                throw TemplateError.at(file, pair.value.line,
                                       "parameter name \"\(pair.key)\" must be lowercase [a-z0-9_] and not a built-in placeholder")
            }
            let spec = try TemplateMapping(pair.value, file: file, what: "parameter \(pair.key)")
            try spec.allowOnly(["type", "required", "default", "description", "max_length", "format"], in: "parameter \(pair.key)")
            let typeName = try spec.string("type") ?? "string"
            guard let type = ParameterDeclaration.ValueType(rawValue: typeName) else {
                throw spec.fail(spec.node("type")?.line ?? spec.line,
                                "parameter \(pair.key) has unknown type \"\(typeName)\" (string, integer, number or boolean)")
            }
            _ = try spec.string("description")
            let maxLength = try spec.integer("max_length", 1...100_000) ?? ParameterDeclaration.defaultMaxLength
            var format: ParameterFormat?
            if let formatName = try spec.string("format") {
                let line = spec.node("format")?.line ?? spec.line
                guard let known = ParameterFormat(rawValue: formatName) else {
                    throw spec.fail(line, "parameter \(pair.key) has unknown format \"\(formatName)\" "
                        + "(\(ParameterFormat.allCases.map(\.rawValue).joined(separator: " or ")))")
                }
                guard type == .string else { throw spec.fail(line, "parameter \(pair.key): format applies to strings only") }
                format = known
            }
            var defaultValue: String?
            if let node = spec.node("default") {
                guard case .scalar(let text, let plain, _) = node else {
                    throw spec.fail(node.line, "the default of \(pair.key) must be a single value")
                }
                let input: JSONValue
                switch type {
                case .string: input = .string(text)
                case .integer, .number: input = plain ? Double(text).map(JSONValue.number) ?? .string(text) : .string(text)
                case .boolean: input = plain ? TemplateMapping.bool(text).map(JSONValue.bool) ?? .string(text) : .string(text)
                }
                let probe = ParameterDeclaration(name: pair.key, type: type, maxLength: maxLength, format: format)
                do { defaultValue = try probe.bind(input) } catch {
                    throw spec.fail(node.line, "the default of \(pair.key) does not match its type \(type.rawValue)"
                        + (format.map { " and format \($0.rawValue)" } ?? ""))
                }
            }
            out.append(ParameterDeclaration(name: pair.key, type: type, required: try spec.bool("required") ?? false,
                                            defaultValue: defaultValue, maxLength: maxLength, format: format))
        }
        return out
    }

    /// The request's values checked against the declarations, defaults filled in.
    static func bind(_ supplied: [String: JSONValue],
                     to declarations: [ParameterDeclaration]) throws(TemplateError) -> [String: String?] {
        for name in supplied.keys.sorted() where !declarations.contains(where: { $0.name == name }) {
            let known = declarations.map(\.name)
            // The name is the client's: echoed bounded and printable (a 20 kB name is not sent back).
            throw TemplateError(.invalidParameters, "Unknown parameter \(name.shownInMessage()); this template takes "
                + (known.isEmpty ? "no parameters." : "\(known.joined(separator: ", "))."))
        }
        var out: [String: String?] = [:]
        for declaration in declarations {
            if let input = supplied[declaration.name] {
                out[declaration.name] = try declaration.bind(input)
            } else if declaration.required {
                throw TemplateError(.invalidParameters, "Parameter \(declaration.name) is required.")
            } else {
                out[declaration.name] = .some(declaration.defaultValue)
            }
        }
        return out
    }

    /// `{"name": value, …}` with numbers and booleans unquoted, sorted by name.
    static func parametersJSON(_ bound: [String: String?], _ declarations: [ParameterDeclaration]) -> String {
        let members = declarations.sorted { $0.name < $1.name }.map { declaration -> String in
            let value: String
            switch (bound[declaration.name] ?? nil, declaration.type) {
            case (nil, _): value = "null"
            case (let text?, .string): value = JSONString.quoted(text)
            case (let text?, _): value = text
            }
            return "\(JSONString.quoted(declaration.name)):\(value)"
        }
        return "{" + members.joined(separator: ",") + "}"
    }

    // MARK: Steps

    static func compileStep(_ node: YAMLNode, number: Int, file: String,
                            values: [String: PlaceholderExpansion.Value]) throws(TemplateError) -> PlannedStep {
        let step = try TemplateMapping(node, file: file, what: "step \(number)")
        let kindText = try step.requiredString("kind", in: "step \(number)")
        guard let kind = StepKind(rawValue: kindText) else {
            throw step.fail(step.node("kind")?.line ?? step.line,
                            "unknown step kind \"\(kindText)\" (expected sql, load_csv or dq_check)")
        }
        let name = try step.requiredString("name", in: "step \(number)")
        guard PipelineName.isValid(name) else {
            throw step.fail(step.node("name")?.line ?? step.line, "step name \"\(name)\" must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
        }
        let common: Set<String> = ["name", "kind", "description", "timeout_seconds"]
        _ = try step.string("description")
        var planned = PlannedStep(number: number, name: name, kind: kind,
                                  timeoutSeconds: try step.integer("timeout_seconds", 1...maxTimeoutSeconds))
        switch kind {
        case .sql:
            try step.allowOnly(common.union(["sql"]), in: "sql step \(name)")
            guard let texts = try step.strings("sql"), !texts.isEmpty, texts.allSatisfy({ !$0.allSatisfy(\.isWhitespace) }) else {
                throw step.fail(step.line, "sql step \(name) needs \"sql\": a statement or a list of statements")
            }
            var statements: [BoundStatement] = []
            for text in texts {
                do { statements.append(try PlaceholderExpansion.bind(sql: text, values: values)) } catch {
                    throw step.fail(step.node("sql")?.line ?? step.line, "step \(name): \(error)")
                }
            }
            planned.statements = statements
        case .loadCSV:
            try step.allowOnly(common.union(["file", "table", "columns", "header", "mode"]), in: "load_csv step \(name)")
            planned.load = try compileLoad(step, name: name, values: values)
        case .dqCheck:
            try step.allowOnly(common.union(["table", "checks"]), in: "dq_check step \(name)")
            planned.dq = try compileDQ(step, name: name, values: values)
        }
        return planned
    }

    static func tableName(_ step: TemplateMapping, name: String,
                          values: [String: PlaceholderExpansion.Value]) throws(TemplateError) -> String {
        let raw = try step.requiredString("table", in: "step \(name)")
        let line = step.node("table")?.line ?? step.line
        var table: String
        do { table = try PlaceholderExpansion.substitute(raw, values: values) } catch { throw step.fail(line, "step \(name): \(error)") }
        // Seed-style `{tenant_id}.table`: the tenant's schema is where every step runs anyway.
        if let tenant = values["tenant_id"]?.text, table.hasPrefix(tenant + ".") { table.removeFirst(tenant.count + 1) }
        guard SQLIdentifier.isValid(table) else {
            throw step.fail(line, "step \(name): table \"\(table)\" must be a lowercase name of a-z, 0-9 and _ (at most 63)")
        }
        return table
    }

    static func compileLoad(_ step: TemplateMapping, name: String,
                            values: [String: PlaceholderExpansion.Value]) throws(TemplateError) -> CSVLoad {
        let rawFile = try step.requiredString("file", in: "load_csv step \(name)")
        let fileLine = step.node("file")?.line ?? step.line
        let file: String
        do { file = try PlaceholderExpansion.substitute(rawFile, values: values) } catch { throw step.fail(fileLine, "step \(name): \(error)") }
        guard DataFilePath.isValid(file) else {
            throw step.fail(fileLine, "step \(name): file \"\(file)\" must be a relative path to a .csv file inside the data folder")
        }
        let table = try tableName(step, name: name, values: values)
        guard let columnsNode = step.node("columns"), case .sequence(let items, let line) = columnsNode, !items.isEmpty else {
            throw step.fail(step.line, "load_csv step \(name) needs \"columns\": a list of {name, type}")
        }
        guard items.count <= 1600 else { throw step.fail(line, "step \(name): at most 1600 columns") }
        var columns: [CSVColumn] = []
        for item in items {
            let column = try TemplateMapping(item, file: step.file, what: "a column of step \(name)")
            try column.allowOnly(["name", "type", "nullable", "description"], in: "a column of step \(name)")
            let columnName = try column.requiredString("name", in: "a column of step \(name)")
            guard SQLIdentifier.isValid(columnName), !columns.contains(where: { $0.name == columnName }) else {
                throw column.fail(column.line, "step \(name): column \"\(columnName)\" must be a unique lowercase name of a-z, 0-9 and _")
            }
            let typeName = try column.string("type") ?? "text"
            guard let type = ColumnType(rawValue: typeName) else {
                throw column.fail(column.node("type")?.line ?? column.line, "step \(name): column \(columnName) has unknown type \"\(typeName)\" "
                    + "(\(ColumnType.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            _ = try column.string("description")
            columns.append(CSVColumn(name: columnName, type: type, nullable: try column.bool("nullable") ?? true))
        }
        let modeText = try step.string("mode") ?? "replace"
        guard let mode = CSVLoad.Mode(rawValue: modeText) else {
            throw step.fail(step.node("mode")?.line ?? step.line, "step \(name): mode must be replace or append")
        }
        return CSVLoad(file: file, table: table, columns: columns, header: try step.bool("header") ?? true, mode: mode)
    }

    static func compileDQ(_ step: TemplateMapping, name: String,
                          values: [String: PlaceholderExpansion.Value]) throws(TemplateError) -> DQCheckStep {
        let table = try tableName(step, name: name, values: values)
        guard let checksNode = step.node("checks"), case .sequence(let items, _) = checksNode, !items.isEmpty else {
            throw step.fail(step.line, "dq_check step \(name) needs \"checks\": a list of checks")
        }
        var checks: [DQCheck] = []
        for item in items {
            let spec = try TemplateMapping(item, file: step.file, what: "a check of step \(name)")
            try spec.allowOnly(["check", "name", "column", "columns", "min", "max", "max_age", "severity", "description"],
                               in: "a check of step \(name)")
            let kindText = try spec.requiredString("check", in: "a check of step \(name)")
            guard let kind = DQCheck.Kind(rawValue: kindText) else {
                throw spec.fail(spec.node("check")?.line ?? spec.line, "step \(name): unknown check \"\(kindText)\" "
                    + "(\(DQCheck.Kind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var columns = try spec.strings("columns") ?? []
            if let column = try spec.string("column") { columns.insert(column, at: 0) }
            for column in columns where !SQLIdentifier.isValid(column) {
                throw spec.fail(spec.line, "step \(name): column \"\(column)\" must be a lowercase name of a-z, 0-9 and _")
            }
            let severityText = try spec.string("severity") ?? "error"
            guard let severity = DQCheck.Severity(rawValue: severityText) else {
                throw spec.fail(spec.node("severity")?.line ?? spec.line, "step \(name): severity must be error or warn")
            }
            var check = DQCheck(name: try spec.string("name") ?? kind.rawValue, kind: kind, columns: columns,
                                min: try spec.number("min"), max: try spec.number("max"), severity: severity)
            guard PipelineName.isValid(check.name) else {
                throw spec.fail(spec.line, "step \(name): check name \"\(check.name)\" must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -")
            }
            if let text = try spec.string("max_age") {
                guard let seconds = DurationText.seconds(text) else {
                    throw spec.fail(spec.node("max_age")?.line ?? spec.line, "step \(name): max_age must look like 90s, 30m, 36h or 7d")
                }
                check.maxAgeSeconds = seconds
            }
            try validate(check, spec: spec, step: name)
            checks.append(check)
        }
        return DQCheckStep(table: table, checks: checks)
    }

    /// Each check kind's required and forbidden settings.
    static func validate(_ check: DQCheck, spec: TemplateMapping, step: String) throws(TemplateError) {
        func fail(_ message: String) -> TemplateError { spec.fail(spec.line, "step \(step): \(check.kind.rawValue) \(message)") }
        switch check.kind {
        case .notNull:
            guard !check.columns.isEmpty else { throw fail("needs column or columns") }
        case .unique:
            guard !check.columns.isEmpty else { throw fail("needs column or columns (the key)") }
        case .rowCount:
            guard check.columns.isEmpty else { throw fail("takes no column") }
            guard check.min != nil || check.max != nil else { throw fail("needs min, max or both") }
        case .range:
            guard check.columns.count == 1 else { throw fail("needs exactly one column") }
            guard check.min != nil || check.max != nil else { throw fail("needs min, max or both") }
        case .freshness:
            guard check.columns.count == 1 else { throw fail("needs exactly one column") }
            guard check.maxAgeSeconds != nil else { throw fail("needs max_age (such as 36h)") }
        }
        if let min = check.min, let max = check.max, min > max { throw fail("has min greater than max") }
        if check.kind != .freshness, check.maxAgeSeconds != nil { throw fail("does not take max_age") }
        if check.kind == .notNull || check.kind == .unique || check.kind == .freshness, check.min != nil || check.max != nil {
            throw fail("does not take min or max")
        }
    }
}
