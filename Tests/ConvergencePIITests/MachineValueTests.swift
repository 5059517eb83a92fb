import Foundation
import Testing
@testable import ConvergencePII

/// Timestamps and UUIDs skip the scan: the shortcut must take exactly those shapes, and never
/// hide a finding the full scan would report.
@Suite struct MachineValueTests {
    static func opaque(_ text: String) -> Bool { Array(text.utf8).withUnsafeBufferPointer { MachineValue.isOpaque($0) } }

    static func fullScanKinds(_ text: String) -> PIIKindSet {
        var sink = PIISink(recordsSpans: false)
        Array(text.utf8).withUnsafeBufferPointer { PIIDetector.scanText($0, hint: .none, into: &sink) }
        return sink.kinds
    }

    @Test func timestampAndUUIDShapes() {
        for text in ["2026-11-25", "2026-11-25T10:35:00Z", "2026-11-25 10:35", "2026-11-25T10:35:00.123456+01:00", "1999-12-31T23:59:59-0500",
                     "2024-02-29T00:00:00,5Z", "550e8400-e29b-41d4-a716-446655440000", "550E8400-E29B-41D4-A716-446655440000"] {
            #expect(Self.opaque(text), "\(text)")
        }
        for text in ["2026-13-25", "2026-11-25T25:00", "2026-11-25T10:35:00Z trailing", "born 2026-11-25", "2026-11-25T10:35:00+15:00",
                     "550e8400-e29b-41d4-a716-44665544000g", "550e8400e29b41d4a716446655440000", "0832-04-30", "550e8400-E29B-41d4-a716-446655440000", "+1 415-555-2671", "2026/11/25"] {
            #expect(!Self.opaque(text), "\(text)")
        }
    }

    /// SplitMix64: the same values on every run, so a failure repeats.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    @Test func theShortcutHidesNothingTheFullScanFinds() {
        var rng = SeededGenerator(state: UInt64(ProcessInfo.processInfo.environment["MACHINE_VALUE_SEED"] ?? "") ?? 25)
        func d(_ n: Int) -> String { (0..<n).map { _ in String(Int.random(in: 0...9, using: &rng)) }.joined() }
        func hex(_ n: Int) -> String { (0..<n).map { _ in String("0123456789abcdefABCDEF".randomElement(using: &rng)!) }.joined() }
        func uuid() -> String { "\(hex(8))-\(hex(4))-\(hex(4))-\(hex(4))-\(hex(12))" }
        let rounds = Int(ProcessInfo.processInfo.environment["MACHINE_VALUE_ROUNDS"] ?? "") ?? 3000
        for _ in 0..<rounds {
            let date = "\(d(4))-\(String(format2: Int.random(in: 1...12, using: &rng)))-\(String(format2: Int.random(in: 1...31, using: &rng)))"
            let time = "\(String(format2: Int.random(in: 0...23, using: &rng))):\(d(1))\(d(1)):\(String(format2: Int.random(in: 0...59, using: &rng)))"
            let zone = ["Z", "", "+\(d(1))\(d(1)):00", "-0\(d(1))30", ".\(d(Int.random(in: 1...9, using: &rng)))Z"].randomElement(using: &rng)!
            let id = uuid() // of mixed case too: those must go through the scan
            for text in [date, date + "T" + time + zone, date + " " + time, id, id.lowercased(), id.uppercased()] {
                if Self.opaque(text) { #expect(Self.fullScanKinds(text).isEmpty, "\(text)") }
            }
        }
        // Under a birth-date key a date is still read.
        #expect(PIIDetector.kinds(in: "1985-03-14", hint: .dateOfBirth) == [.dateOfBirth])
    }
}

private extension String {
    init(format2 value: Int) { self = value < 10 ? "0\(value)" : "\(value)" }
}

extension MachineValueTests {
    /// A UUID inside a text is no IBAN even when a group after a dash reads as a country code and its check digits pass.
    @Test func uuidGroupsAreNoIBAN() {
        #expect(PIIDetector.kinds(in: "request e7fe99ce-ae9d-ba72-c3de-f781d4efe9f1 failed").isEmpty)
        #expect(PIIDetector.kinds(in: "IBAN GB82-WEST-1234-5698-7654-32") == [.iban])
    }
}

extension MachineValueTests {
    /// An SSH or scp remote names a login on a host, not a mailbox; a version after a version word of another language is
    /// no IPv4 address.
    @Test func remotesAndVersions() {
        #expect(!PIIDetector.kinds(in: "git clone git@github.com:org/repo.git").contains(.email))
        #expect(!PIIDetector.kinds(in: "rsync -a deploy@build.example.com:/srv/app .").contains(.email))
        #expect(PIIDetector.kinds(in: "write to jane@example.com: thanks").contains(.email))
        #expect(!PIIDetector.kinds(in: "verze firmwaru 5.0.1.77 je nejnovější").contains(.ipAddress))
        #expect(!PIIDetector.kinds(in: "versión 10.2.0.1 publicada").contains(.ipAddress))
    }
}
