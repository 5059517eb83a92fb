import CConvergenceShm
import ConvergenceCore

/// Records PostgreSQL last returned to any worker of this host, kept in the shared
/// region for every worker to fall back on while PostgreSQL is unreachable (`cv_stash.c`).
/// Each worker still caches in its own memory; the stash only answers a worker that
/// never read a record before the outage began (with keep-alive, nginx can keep a
/// worker idle long enough for that). Opaque bytes under 32-byte names: the callers
/// own the encodings, the stash owns the concurrency.
public struct SharedStash: Sendable {
    public enum Table: Int32, Sendable {
        case keys = 0 // CV_STASH_KEYS
        case policies = 1 // CV_STASH_POLICIES
    }

    let region: SharedRegion

    public init(region: SharedRegion) { self.region = region }

    /// The largest record `table` keeps; larger ones are not stashed (the worker's own cache still has them).
    public func capacity(_ table: Table) -> Int { Int(cv_stash_payload_max(region.header, table.rawValue)) }

    /// Stores `payload` under `name` (32 bytes). False when it was too large or its slot busy.
    @discardableResult
    public func store(_ payload: [UInt8], name: [UInt8], in table: Table, now: MonotonicInstant = .now()) -> Bool {
        precondition(name.count == 32, "stash names are 32 bytes")
        return name.withUnsafeBufferPointer { name in
            payload.withUnsafeBytes { bytes in
                cv_stash_put(region.header, table.rawValue, name.baseAddress, bytes.baseAddress, UInt32(bytes.count),
                             UInt64(now.nanoseconds)) == 1
            }
        }
    }

    /// The payload stored under `name` if it was stored less than `maxAgeMs` ago.
    public func load(name: [UInt8], from table: Table, maxAgeMs: Int, now: MonotonicInstant = .now()) -> [UInt8]? {
        loadWithTime(name: name, from: table, maxAgeMs: maxAgeMs, now: now)?.payload
    }

    /// The payload and when it was stored, if less than `maxAgeMs` ago.
    public func loadWithTime(name: [UInt8], from table: Table, maxAgeMs: Int, now: MonotonicInstant = .now())
        -> (payload: [UInt8], storedAt: MonotonicInstant)? {
        precondition(name.count == 32, "stash names are 32 bytes")
        let capacity = capacity(table)
        var stored: UInt64 = 0
        var length: Int64 = -1
        let payload = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, count in
            length = name.withUnsafeBufferPointer { name in
                cv_stash_get(region.header, table.rawValue, name.baseAddress, buffer.baseAddress, UInt32(capacity), &stored)
            }
            count = max(0, Int(length))
            // Bytes past `count` stay uninitialised and are never read.
        }
        guard length >= 0, now.nanoseconds - Int64(stored) < Int64(maxAgeMs) * 1_000_000 else { return nil }
        return (payload, MonotonicInstant(nanoseconds: Int64(stored)))
    }
}
