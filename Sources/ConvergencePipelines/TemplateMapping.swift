/// Typed reads from one YAML mapping of a template; every error names the file
/// and the line of the offending key, and unknown keys are errors (a typo must
/// not silently drop a check).
struct TemplateMapping {
    let file: String
    let line: Int
    let pairs: [(key: String, value: YAMLNode)]

    init(_ node: YAMLNode, file: String, what: String) throws(TemplateError) {
        guard case .mapping(let pairs, let line) = node else {
            throw TemplateError.at(file, node.line, "\(what) must be a mapping, found \(node.kindName)")
        }
        self.file = file
        self.line = line
        self.pairs = pairs
    }

    func fail(_ line: Int, _ message: String) -> TemplateError { TemplateError.at(file, line, message) }

    func allowOnly(_ keys: Set<String>, in what: String) throws(TemplateError) {
        for pair in pairs where !keys.contains(pair.key) {
            throw fail(pair.value.line, "unknown key \"\(pair.key)\" in \(what) (allowed: \(keys.sorted().joined(separator: ", ")))")
        }
    }

    func node(_ key: String) -> YAMLNode? {
        guard let node = pairs.first(where: { $0.key == key })?.value, !node.isNull else { return nil }
        return node
    }

    func string(_ key: String) throws(TemplateError) -> String? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, _, _) = node else { throw fail(node.line, "\(key) must be text, found \(node.kindName)") }
        return text
    }

    func requiredString(_ key: String, in what: String) throws(TemplateError) -> String {
        guard let text = try string(key), !text.isEmpty else { throw fail(line, "\(what) needs \"\(key)\"") }
        return text
    }

    func bool(_ key: String) throws(TemplateError) -> Bool? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, true, _) = node, let value = TemplateMapping.bool(text) else {
            throw fail(node.line, "\(key) must be true or false")
        }
        return value
    }

    func number(_ key: String) throws(TemplateError) -> Double? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, true, _) = node, let value = Double(text), value.isFinite else {
            throw fail(node.line, "\(key) must be a number")
        }
        return value
    }

    func integer(_ key: String, _ range: ClosedRange<Int>) throws(TemplateError) -> Int? {
        guard let node = node(key) else { return nil }
        guard case .scalar(let text, true, _) = node, let value = Int(text), range.contains(value) else {
            throw fail(node.line, "\(key) must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// A list of text, or one text for a one-element list.
    func strings(_ key: String) throws(TemplateError) -> [String]? {
        guard let node = node(key) else { return nil }
        switch node {
        case .scalar(let text, _, _): return [text]
        case .sequence(let items, _):
            var out: [String] = []
            for item in items {
                guard case .scalar(let text, _, _) = item else { throw fail(item.line, "\(key) must list text, found \(item.kindName)") }
                out.append(text)
            }
            return out
        case .mapping: throw fail(node.line, "\(key) must be text or a list of text, found a mapping")
        }
    }

    /// YAML 1.1 booleans as libyaml users write them.
    static func bool(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "yes", "on": true
        case "false", "no", "off": false
        default: nil
        }
    }
}
