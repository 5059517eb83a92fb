import ConvergenceCore
import ConvergenceGovernance
import ConvergenceJSON
import ConvergencePII
import Glibc

/// `convergence scan [--text | --json] [--kinds K,…] [FILE …]`: the detector
/// the check path runs, on the operator's own data. One JSON line per finding:
/// where (file, line or JSON path, byte span), never the value. Exit status as
/// grep's: 0 nothing found, 1 something found, 2 bad usage or unreadable input.
struct ScanCommand {
    enum Mode { case auto, text, json }

    static let usage = """
        usage: convergence scan [--text | --json] [--kinds KIND,...] [FILE ...]
          Reads each FILE (or stdin) and prints one JSON line per finding:
            text: {"file":"-","line":3,"kind":"phone","start":10,"end":24}   (byte offsets in the line)
            JSON: {"file":"-","path":"context.user.email","kind":"email","start":0,"end":17}
                  (every key and string value; offsets in the string's value)
          Input that parses as one JSON document is scanned as JSON, anything else as
          lines of text (--text / --json decide). --kinds reports only those kinds.
          Exit status: 0 nothing found, 1 something found, 2 bad usage or input.
        kinds: \(PIIKind.allCases.map(\.rawValue).joined(separator: ", "))
        """

    static let maxInputBytes = 1 << 30

    var mode = Mode.auto
    var kinds = PIIKindSet(PIIKind.allCases)
    var files: [String] = []

    /// Parses the options; nil after printing the problem.
    init?(_ arguments: [String]) {
        var index = 0
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "--text": mode = .text
            case "--json": mode = .json
            case "--kinds":
                guard index + 1 < arguments.count else { printError("--kinds needs a list of kinds\n\n" + Self.usage); return nil }
                index += 1
                var chosen = PIIKindSet()
                for name in arguments[index].split(separator: ",") {
                    guard let kind = PIIKind(rawValue: String(name)) else {
                        printError("unknown kind \"\(String(name).shownInMessage(limit: 40))\"\n\n" + Self.usage)
                        return nil
                    }
                    chosen.insert(kind)
                }
                guard !chosen.isEmpty else { printError("--kinds needs at least one kind\n\n" + Self.usage); return nil }
                kinds = chosen
            default:
                guard !argument.hasPrefix("-") || argument == "-" else { printError("unknown option \(argument)\n\n" + Self.usage); return nil }
                files.append(argument)
            }
            index += 1
        }
        if files.isEmpty { files = ["-"] }
    }

    func run() -> Int32 {
        var output = OutputLines()
        var foundAny = false
        for file in files {
            guard let input = Self.readAll(file) else { return 2 }
            let name = file == "-" ? "-" : file
            var asJSON = mode == .json
            var document: JSONDocument?
            if mode != .text, let parsed = try? JSONDocument.parse(input, maxDepth: 256) {
                document = parsed
                asJSON = true
            } else if mode == .json {
                printError("convergence scan: \(name.shownInMessage(limit: 200)) is not a JSON document")
                return 2
            }
            if asJSON, let document {
                PIIDocumentWalker(document: document, maxDepth: 256, recordsSpans: true).walk(document.root, prefix: "") { path, sink in
                    for span in PIIDetector.outermost(sink.spans) where kinds.contains(span.kind) {
                        foundAny = true
                        output.finding(file: name, where: .path(path.isEmpty ? "$" : path), span)
                    }
                }
            } else {
                input.withUnsafeBufferPointer { bytes in
                    var line = 1, start = 0
                    while start <= bytes.count {
                        var end = start
                        while end < bytes.count, bytes[end] != 0x0A { end += 1 }
                        var textEnd = end
                        if textEnd > start, bytes[textEnd - 1] == 0x0D { textEnd -= 1 } // CRLF files
                        for span in PIIDetector.spans(in: UnsafeBufferPointer(rebasing: bytes[start..<textEnd])) where kinds.contains(span.kind) {
                            foundAny = true
                            output.finding(file: name, where: .line(line), span)
                        }
                        line += 1
                        start = end + 1
                    }
                }
            }
            output.flush()
        }
        output.flush()
        return foundAny ? 1 : 0
    }

    /// The whole file (or stdin); nil after printing why not.
    static func readAll(_ file: String) -> [UInt8]? {
        let fd = file == "-" ? 0 : open(file, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            printError("convergence scan: cannot open \(file.shownInMessage(limit: 200)): \(errnoText())")
            return nil
        }
        defer { if fd != 0 { close(fd) } }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n >= 0 else {
                printError("convergence scan: cannot read \(file.shownInMessage(limit: 200)): \(errnoText())")
                return nil
            }
            if n == 0 { return bytes }
            guard bytes.count + n <= maxInputBytes else {
                printError("convergence scan: \(file.shownInMessage(limit: 200)) is larger than \(maxInputBytes >> 20) MiB")
                return nil
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
    }
}

/// JSON lines on stdout, written in large chunks (a corpus can have millions of findings).
struct OutputLines {
    enum Location {
        case line(Int)
        case path(String)
    }

    var buffer: [UInt8] = []

    mutating func finding(file: String, where location: Location, _ span: PIISpan) {
        buffer.append(#"{"file":"#)
        buffer.appendJSONString(file)
        switch location {
        case .line(let line):
            buffer.append(#","line":"#)
            buffer.appendDecimal(line)
        case .path(let path):
            buffer.append(#","path":"#)
            buffer.appendJSONString(path)
        }
        buffer.append(#","kind":""#)
        buffer.append(utf8: span.kind.rawValue)
        buffer.append(#"","start":"#)
        buffer.appendDecimal(span.start)
        buffer.append(#","end":"#)
        buffer.appendDecimal(span.end)
        buffer.append("}\n")
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func flush() {
        var offset = 0
        while offset < buffer.count {
            let n = buffer.withUnsafeBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break } // stdout closed (a pipe to `head`): nothing more to say
            offset += n
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
