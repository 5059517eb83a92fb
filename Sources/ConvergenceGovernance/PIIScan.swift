import ConvergenceJSON
import ConvergencePII
import Glibc

/// Where personal data was found (a field path), never the data itself.
public struct PIIFinding: Sendable, Equatable {
    public let path: String
    public let kind: PIIKind
}

extension PIIDetector {
    /// Every string in the request: each operation's `input`, then every string
    /// value in `context` in document order (values of repeated keys included:
    /// they were sent, so they are scanned). Paths are built only for findings.
    public static func scan(_ request: CheckRequest, maxDepth: Int = CheckRequest.maxDepth) -> [PIIFinding] {
        var findings: [PIIFinding] = []
        for index in request.operations.indices { // by index: no copy of each operation
            guard let input = request.operations[index].input else { continue }
            let kinds = kindSet(in: input)
            guard !kinds.isEmpty else { continue }
            for kind in kinds.kinds { findings.append(PIIFinding(path: "operations[\(index)].input", kind: kind)) }
        }
        guard let document = request.context.document else { return findings }
        // The path as a stack of components: a key node (>= 0) or an array index (-1 - i).
        withUnsafeTemporaryAllocation(of: Int.self, capacity: maxDepth + 1) { stack in
            let walker = ContextWalker(document: document, maxDepth: maxDepth, path: stack)
            walker.walk(request.context.node, depth: 0, into: &findings)
        }
        return findings
    }

    private struct ContextWalker {
        let document: JSONDocument
        let maxDepth: Int
        let path: UnsafeMutableBufferPointer<Int>

        func walk(_ node: Int, depth: Int, into findings: inout [PIIFinding]) {
            guard depth <= maxDepth else { return }
            switch document.kind(node) {
            case .string:
                // The key the string sits under hints at what it holds (`full_name`, `dob`, …).
                let hint = depth > 0 && path[depth - 1] >= 0 ? document.withUTF8(path[depth - 1]) { PIIFieldHint(key: $0) } : .none
                let kinds = document.withUTF8(node) { kindSet(in: $0, hint: hint) }
                guard !kinds.isEmpty else { return }
                let rendered = render(depth: depth)
                for kind in kinds.kinds { findings.append(PIIFinding(path: rendered, kind: kind)) }
            case .array:
                guard depth < maxDepth else { return }
                for (i, element) in document.elements(node).enumerated() {
                    path[depth] = -1 - i
                    walk(element, depth: depth + 1, into: &findings)
                }
            case .object:
                guard depth < maxDepth else { return }
                for key in document.keys(node) {
                    path[depth] = key
                    walk(key + 1, depth: depth + 1, into: &findings)
                }
            default: return
            }
        }

        /// `context.user.notes[1]`; a key that is not a plain identifier (it could be
        /// an e-mail address) shows as `[key]`: keys are client text too.
        func render(depth: Int) -> String {
            var out = "context"
            for component in path[0..<depth] {
                if component < 0 {
                    out += "[\(-1 - component)]"
                    continue
                }
                let plain = document.withUTF8(component) { key in
                    (1...64).contains(key.count) && key.allSatisfy { $0 < 0x80 && (isalnum(Int32($0)) != 0 || $0 == 0x5F || $0 == 0x2D) }
                }
                out += plain ? "." + document.string(component) : ".[key]"
            }
            return out
        }
    }
}
