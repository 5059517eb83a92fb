import ConvergenceJSON
import ConvergencePII
import Glibc

/// Where sensitive data was found (a field path), never the data itself.
public struct PIIFinding: Sendable, Equatable {
    public let path: String
    public let kind: PIIKind

    public init(path: String, kind: PIIKind) {
        self.path = path
        self.kind = kind
    }
}

extension PIIDetector {
    /// Every string in the request: each operation's `input`, then every key and
    /// string value in `context` in document order (values of repeated keys
    /// included: they were sent, so they are scanned). Paths are built only for findings.
    public static func scan(_ request: CheckRequest, maxDepth: Int = CheckRequest.maxDepth) -> [PIIFinding] {
        var findings: [PIIFinding] = []
        for index in request.operations.indices { // by index: no copy of each operation
            guard let input = request.operations[index].input else { continue }
            let kinds = kindSet(in: input)
            guard !kinds.isEmpty else { continue }
            for kind in kinds.kinds { findings.append(PIIFinding(path: "operations[\(index)].input", kind: kind)) }
        }
        guard let document = request.context.document else { return findings }
        PIIDocumentWalker(document: document, maxDepth: maxDepth, recordsSpans: false).walk(request.context.node, prefix: "context") {
            path, sink in
            for kind in sink.kinds.kinds { findings.append(PIIFinding(path: path, kind: kind)) }
        }
        return findings
    }
}

/// Scans every key and string value of a JSON value, each string with the hint
/// its key gives (`full_name`, `dob`, …), and reports each one that holds
/// something with its path: `context.user.notes[1]`, `operations[2].input`.
public struct PIIDocumentWalker {
    public let document: JSONDocument
    public let maxDepth: Int
    /// Spans for `convergence scan`; the check path wants kinds only.
    public let recordsSpans: Bool

    public init(document: JSONDocument, maxDepth: Int, recordsSpans: Bool) {
        self.document = document
        self.maxDepth = maxDepth
        self.recordsSpans = recordsSpans
    }

    /// Calls `found(path, sink)` for each key or string with findings, in
    /// document order. A key's own findings have the path `<object>.[key]`.
    public func walk(_ node: Int, prefix: String, _ found: (String, PIISink) -> Void) {
        // The path as a stack of components: a key node (>= 0) or an array index (-1 - i).
        var sink = PIISink(recordsSpans: recordsSpans) // one for every string of the walk, reset before each
        withUnsafeTemporaryAllocation(of: Int.self, capacity: maxDepth + 1) { stack in
            walk(node, depth: 0, path: stack, prefix: prefix, sink: &sink, found)
        }
    }

    private func walk(_ node: Int, depth: Int, path: UnsafeMutableBufferPointer<Int>, prefix: String, sink: inout PIISink,
                      _ found: (String, PIISink) -> Void) {
        guard depth <= maxDepth else { return }
        switch document.kind(node) {
        case .string:
            // The key the string sits under hints at what it holds.
            let hint = depth > 0 && path[depth - 1] >= 0 ? document.withUTF8(path[depth - 1]) { PIIFieldHint(key: $0) } : .none
            sink.reset()
            document.withUTF8(node) { PIIDetector.scan($0, hint: hint, into: &sink) }
            if !sink.kinds.isEmpty { found(render(path, depth: depth, prefix: prefix), sink) }
        case .array:
            guard depth < maxDepth else { return }
            for (i, element) in document.elements(node).enumerated() {
                path[depth] = -1 - i
                walk(element, depth: depth + 1, path: path, prefix: prefix, sink: &sink, found)
            }
        case .object:
            guard depth < maxDepth else { return }
            for key in document.keys(node) {
                // Keys are client text too: `{"bob@example.org": 1}` sends an address.
                sink.reset()
                document.withUTF8(key) { PIIDetector.scan($0, hint: .none, into: &sink) }
                if !sink.kinds.isEmpty {
                    let parent = render(path, depth: depth, prefix: prefix)
                    found(parent.isEmpty ? "[key]" : parent + ".[key]", sink)
                }
                path[depth] = key
                walk(key + 1, depth: depth + 1, path: path, prefix: prefix, sink: &sink, found)
            }
        default: return
        }
    }

    /// `context.user.notes[1]`. A key is shown only when it is a plain identifier
    /// the scan does not flag; any other shows as `[key]`, so a path never carries a value.
    func render(_ path: UnsafeMutableBufferPointer<Int>, depth: Int, prefix: String) -> String {
        var out = prefix
        for component in path[0..<depth] {
            if component < 0 {
                out += "[\(-1 - component)]"
                continue
            }
            let plain = document.withUTF8(component) { key in
                (1...64).contains(key.count) && key.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == 0x5F || $0 == 0x2D) }
                    && PIIDetector.kindSet(in: key).isEmpty
            }
            out += (out.isEmpty ? "" : ".") + (plain ? document.string(component) : "[key]")
        }
        return out
    }
}
