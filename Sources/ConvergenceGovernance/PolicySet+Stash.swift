import ConvergenceJSON

/// A customer's active policies as bytes, for the shared stash that lets every worker
/// decide during a PostgreSQL outage once any worker has read them (`SharedStash`):
/// the policies as the API shows them, parsed again (strictly) on the way back.
extension PolicySet {
    public var stashed: [UInt8] {
        JSONSerializer.bytes(.array(policies.map { policy in
            var entry = JSONObject()
            entry["id"] = .string(policy.id)
            entry["version"] = .number(Double(policy.version))
            entry["mode"] = .string(policy.mode.rawValue)
            entry["rules"] = policy.rules.json
            return .object(entry)
        }))
    }

    /// The set `stashed` encoded; nil for bytes that are not one.
    public convenience init?(stashed bytes: [UInt8]) {
        guard case .array(let entries)? = try? JSONParser.parse(bytes) else { return nil }
        var policies: [Policy] = []
        for entry in entries {
            guard case .object(let fields) = entry, case .string(let id)? = fields["id"], case .number(let version)? = fields["version"],
                  case .string(let modeName)? = fields["mode"], let mode = Policy.Mode(rawValue: modeName),
                  let rulesValue = fields["rules"], let rules = try? PolicyRules.parse(rulesValue) else { return nil }
            policies.append(Policy(id: id, version: Int(version), mode: mode, rules: rules))
        }
        self.init(policies)
    }
}
