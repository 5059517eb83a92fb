import ConvergencePII
import Foundation
import Glibc

/// `convergence-bench pii CORPUS.jsonl`: the detector's scorecard on the labelled
/// corpus, then its speed: texts/s on the corpus's sentence-sized rows, MB/s on a
/// 1 MiB document made of corpus rows, and the time for pathological inputs.
/// Prints Markdown (scripts/bench appends it to its report).
enum PIIBenchmark {
    struct Row {
        let text: String
        let kinds: PIIKindSet
        let group: String
    }

    static func load(_ path: String) throws -> [Row] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return text.split(separator: "\n").compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let text = object["text"] as? String, let kinds = object["kinds"] as? [String] else { return nil }
            var native = text
            native.makeContiguousUTF8() // JSONSerialization hands out bridged strings: scan native ones, as the check path does
            return Row(text: native, kinds: PIIKindSet(kinds.compactMap(PIIKind.init(rawValue:))), group: object["group"] as? String ?? "")
        }
    }

    static func nowNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Calls `body` in rounds until at least `seconds` have passed; returns (calls, seconds).
    static func loop(atLeast seconds: Double, _ body: () -> Int) -> (calls: Int, seconds: Double) {
        let start = nowNanoseconds()
        var calls = 0
        var elapsed = 0.0
        repeat {
            calls += body()
            elapsed = Double(nowNanoseconds() - start) / 1e9
        } while elapsed < seconds
        return (calls, elapsed)
    }

    /// Seconds for one scan of `bytes` (best of `runs`: this is a shared machine).
    static func scanTime(_ bytes: [UInt8], runs: Int = 3) -> Double {
        var best = Double.infinity
        for _ in 0..<runs {
            let start = nowNanoseconds()
            let found = bytes.withUnsafeBufferPointer { PIIDetector.kindSet(in: $0) }
            let elapsed = Double(nowNanoseconds() - start) / 1e9
            blackHole(found)
            best = min(best, elapsed)
        }
        return best
    }

    @inline(never) static func blackHole(_ value: PIIKindSet) { if value.count > 64 { print(value) } }

    static func run(corpus path: String) throws -> String {
        let rows = try load(path)
        var card = PIIScorecard()
        for row in rows { card.add(expected: row.kinds, found: PIIDetector.kindSet(in: row.text), isTrap: row.group.hasPrefix("trap-")) }
        var out = "PII detector on the labelled corpus (`convergence-bench pii`, \(rows.count) strings):\n\n" + card.markdownTable()

        // Sentence-sized rows, with and without a kind; scanned as native strings, as the check path does.
        let sentences = rows.filter { (60...120).contains($0.text.utf8.count) }
        let clean = sentences.filter { $0.kinds.isEmpty }.map(\.text), flagged = sentences.filter { !$0.kinds.isEmpty }.map(\.text)
        func rate(_ texts: [String]) -> (perSecond: Double, nsPerText: Double) {
            var sink = 0
            let (calls, seconds) = loop(atLeast: 1) {
                for text in texts { sink &+= PIIDetector.kindSet(in: text).count }
                return texts.count
            }
            if sink < 0 { print(sink) }
            return (Double(calls) / seconds, seconds * 1e9 / Double(calls))
        }
        _ = rate(Array(sentences.prefix(200).map(\.text))) // warm-up
        let all = rate(sentences.map(\.text)), none = rate(clean), some = rate(flagged)
        let meanBytes = sentences.isEmpty ? 0 : sentences.reduce(0) { $0 + $1.text.utf8.count } / sentences.count

        // A 1 MiB document of corpus rows, one a line.
        var document: [UInt8] = []
        document.reserveCapacity(1 << 20 + 256)
        var k = 0
        while document.count < 1 << 20, !rows.isEmpty {
            document += rows[k % rows.count].text.utf8
            document.append(0x0A)
            k += 1
        }
        let documentSeconds = scanTime(document)
        // The same, of the rows written in other scripts (Cyrillic, Greek, CJK, Hangul, Arabic, Hebrew, Devanagari).
        let scriptRows = rows.filter { $0.text.utf8.contains { $0 >= 0xCD } }
        var scriptDocument: [UInt8] = []
        scriptDocument.reserveCapacity(1 << 20 + 256)
        k = 0
        while scriptDocument.count < 1 << 20, !scriptRows.isEmpty {
            scriptDocument += scriptRows[k % scriptRows.count].text.utf8
            scriptDocument.append(0x0A)
            k += 1
        }
        let scriptSeconds = scanTime(scriptDocument)
        let mebibyte = 1 << 20
        let pathological: [(String, [UInt8])] = [
            ("1 MiB of digits", [UInt8](repeating: UInt8(ascii: "7"), count: mebibyte)),
            ("1 MiB of capital letters", [UInt8](repeating: UInt8(ascii: "A"), count: mebibyte)),
            ("1 MiB of '@'", [UInt8](repeating: UInt8(ascii: "@"), count: mebibyte)),
            ("1 MiB of \"1.2.3.4 \"", Array(String(repeating: "1.2.3.4 ", count: mebibyte / 8).utf8)),
            ("1 MiB of \"a@b.co \"", Array(String(repeating: "a@b.co ", count: mebibyte / 7).utf8)),
            ("1 MiB of \"王先生\"", Array(String(repeating: "王先生", count: mebibyte / 9).utf8)),
            ("1 MiB of \"김민준 님 \"", Array(String(repeating: "김민준 님 ", count: mebibyte / 15).utf8)),
        ]

        out += "\n| speed | measured | target |\n|---|---:|---:|\n"
        out += "| texts/s/core, corpus rows of 60–120 bytes (\(sentences.count) rows, mean \(meanBytes) B) | "
            + "\(grouped(Int(all.perSecond))) (\(PIIScorecard.fixed(all.nsPerText, 0)) ns/text) | ≥ 1,000,000 |\n"
        out += "| ns/text, those rows holding no kind (\(clean.count)) | \(PIIScorecard.fixed(none.nsPerText, 0)) ns | |\n"
        out += "| ns/text, those rows holding a kind (\(flagged.count)) | \(PIIScorecard.fixed(some.nsPerText, 0)) ns | |\n"
        let megabytesPerSecond = Double(document.count) / documentSeconds / 1e6
        out += "| MB/s, 1 MiB document of corpus rows | \(PIIScorecard.fixed(megabytesPerSecond, 0)) MB/s | ≥ 100 MB/s |\n"
        if !scriptRows.isEmpty {
            out += "| MB/s, 1 MiB document of the \(scriptRows.count) rows in other scripts | "
                + "\(PIIScorecard.fixed(Double(scriptDocument.count) / scriptSeconds / 1e6, 0)) MB/s | ≥ 100 MB/s |\n"
        }
        for (name, bytes) in pathological {
            out += "| \(name) | \(PIIScorecard.fixed(scanTime(bytes, runs: 1) * 1000, 2)) ms | < 100 ms |\n"
        }
        return out
    }

    static func grouped(_ n: Int) -> String {
        var digits = Array(String(n)), out: [Character] = []
        while digits.count > 3 {
            out = [","] + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return String(digits + out)
    }
}
