/// A JSON object's members in document order. Request bodies hold small
/// objects that are read a few times each: a linear scan over a few members
/// beats hashing every key into a dictionary (the top cost of the check path).
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public struct Member: Sendable {
        public let key: String
        public var value: JSONValue
    }

    public private(set) var members: [Member]

    public init() { members = [] }

    public init(_ dictionary: [String: JSONValue]) {
        members = dictionary.map { Member(key: $0.key, value: $0.value) }
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        members = []
        for (key, value) in elements { self[key] = value }
    }

    init(reserving capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
    }

    /// Appends without looking for an earlier member of the same name (the parser's
    /// path; lookups scan from the end, so a repeated key's last value wins).
    mutating func appendUnchecked(_ key: String, _ value: JSONValue) {
        members.append(Member(key: key, value: value))
    }

    public subscript(key: String) -> JSONValue? {
        get {
            var i = members.count - 1
            while i >= 0 {
                if members[i].key == key { return members[i].value }
                i -= 1
            }
            return nil
        }
        set {
            if let index = members.lastIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.removeAll { $0.key == key } }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    /// Distinct keys (a repeated key appears once).
    public var keys: [String] {
        var out: [String] = []
        out.reserveCapacity(members.count)
        if members.count <= 16 { // small objects: a quadratic scan beats hashing
            for (i, member) in members.enumerated()
            where !members[(i + 1)...].contains(where: { $0.key == member.key }) { out.append(member.key) }
            return out
        }
        var seen: Set<String> = []
        for member in members.reversed() where seen.insert(member.key).inserted { out.append(member.key) }
        return out.reversed()
    }

    /// The value of every distinct key.
    public var values: [JSONValue] { keys.map { self[$0]! } }

    public var count: Int { keys.count }
    public var isEmpty: Bool { members.isEmpty }

    public var dictionary: [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for member in members { out[member.key] = member.value }
        return out
    }

    public func makeIterator() -> AnyIterator<(key: String, value: JSONValue)> {
        var iterator = keys.makeIterator()
        return AnyIterator { iterator.next().map { ($0, self[$0]!) } }
    }

    /// Equal when they map the same keys to the same values, in any order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool { a.dictionary == b.dictionary }
}
