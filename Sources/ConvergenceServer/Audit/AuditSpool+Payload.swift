// TEMPORARY until the mmap'd spool (branch perf-spool) is merged: same API, old write path.
extension AuditSpool {
    public func append(payload: UnsafeRawBufferPointer, createdAtMicros: Int64, lane: Int) -> Outcome {
        appendFrame(SpoolFrame.encode(createdAtMicros: createdAtMicros, payload: Array(payload)), lane: lane)
    }
}
