import CConvergenceShm
import ConvergenceCore
import Glibc

/// The shared-memory region of one `convergence serve`: rate-limit buckets and
/// metric series. The supervisor creates it (an anonymous memfd, so nothing is
/// left in /dev/shm however it ends) before any child starts; every child maps
/// it from the inherited fd named by `CONVERGENCE_SHM_FD`.
///
/// @unchecked Sendable: the class holds only the mapping's address and fd, both
/// immutable; every access to the memory behind them goes through the C layer's
/// atomics (or reads of fields written once before any child existed).
public final class SharedRegion: @unchecked Sendable {
    public let header: UnsafeMutablePointer<cv_shm_header>
    /// The memfd (supervisor) or the inherited fd (children); -1 for test regions on the heap.
    public let fd: Int32
    private let ownsHeap: Bool

    public static let environmentKey = "CONVERGENCE_SHM_FD"
    /// Where children find the region (dup'd there by the process spawner).
    public static let childFD: Int32 = 4

    public struct Failure: Error, CustomStringConvertible {
        public let description: String

        public init(description: String) { self.description = description }
    }

    private init(header: UnsafeMutablePointer<cv_shm_header>, fd: Int32, ownsHeap: Bool) {
        self.header = header
        self.fd = fd
        self.ownsHeap = ownsHeap
    }

    /// A fresh region sized by the configuration (supervisor, benchmarks).
    public static func create(config: Config) throws(Failure) -> SharedRegion {
        try create(buckets: config.rateLimitTableSize, series: config.metricsSeriesCapacity)
    }

    public static func create(buckets: Int, series: Int) throws(Failure) -> SharedRegion {
        var base: UnsafeMutableRawPointer?
        let fd = cv_shm_create(UInt32(buckets), UInt32(series), SecureRandom.uint64(), UInt64(WallClock.unixSeconds()), &base)
        guard fd >= 0, let base else { throw Failure(description: "cannot create the shared-memory region: \(errnoText())") }
        return SharedRegion(header: base.assumingMemoryBound(to: cv_shm_header.self), fd: fd, ownsHeap: false)
    }

    /// A region in ordinary memory, for unit tests of the algorithms.
    public static func inMemory(buckets: Int, series: Int, seed: UInt64 = 42) -> SharedRegion {
        let size = Int(cv_shm_size_for(UInt32(buckets), UInt32(series)))
        let base = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        cv_shm_init(base, UInt32(buckets), UInt32(series), seed, 0)
        return SharedRegion(header: base.assumingMemoryBound(to: cv_shm_header.self), fd: -1, ownsHeap: true)
    }

    /// Maps the region a child inherited. Refuses a region of another layout version.
    public static func attach(environment: [String: String]) throws(Failure) -> SharedRegion {
        guard let fd = environment[environmentKey].flatMap(Int32.init) else {
            throw Failure(description: "no shared-memory region (\(environmentKey) unset): children are started by `convergence serve`")
        }
        return try attach(fd: fd)
    }

    public static func attach(fd: Int32) throws(Failure) -> SharedRegion {
        var base: UnsafeMutableRawPointer?
        var found: UInt32 = 0
        switch cv_shm_attach(fd, &base, &found) {
        case 0:
            return SharedRegion(header: base!.assumingMemoryBound(to: cv_shm_header.self), fd: fd, ownsHeap: false)
        case -3:
            throw Failure(description: "shared-memory layout version \(found) does not match this binary's \(CV_SHM_LAYOUT_VERSION); "
                + "restart `convergence serve` with one binary")
        case -2:
            throw Failure(description: "fd \(fd) is not a Convergence shared-memory region")
        default:
            throw Failure(description: "cannot map the shared-memory region: \(errnoText())")
        }
    }

    deinit {
        if ownsHeap { UnsafeMutableRawPointer(header).deallocate() }
    }

    public var layoutVersion: UInt32 { header.pointee.layout_version }
    public var totalBytes: Int { Int(header.pointee.total_size) }
    public var bucketCapacity: Int { Int(header.pointee.bucket_count) }
    public var seriesCapacity: Int { Int(header.pointee.series_capacity) }

    /// A region-wide counter (see `cv_shm.h`).
    public func counter(_ index: Int32) -> UInt64 {
        withCounter(index) { cv_atomic_load($0) }
    }

    @discardableResult
    public func addCounter(_ index: Int32, _ value: UInt64 = 1) -> UInt64 {
        withCounter(index) { cv_atomic_add($0, value) }
    }

    /// Sets a gauge-like counter (the cluster state the leaser publishes).
    public func storeCounter(_ index: Int32, _ value: UInt64) {
        withCounter(index) { cv_atomic_store($0, value) }
    }

    public func subtractCounter(_ index: Int32, _ value: UInt64 = 1) {
        _ = withCounter(index) { cv_atomic_sub($0, value) }
    }

    private func withCounter<R>(_ index: Int32, _ body: (UnsafeMutablePointer<UInt64>) -> R) -> R {
        // Address arithmetic, not `&header.pointee.counters`: that could go through a temporary copy.
        let base = UnsafeMutableRawPointer(header) + MemoryLayout<cv_shm_header>.offset(of: \.counters)!
        return body(base.assumingMemoryBound(to: UInt64.self) + Int(index))
    }

    /// Names this `serve` (every process of it, and no other) among hosts sharing one database: the
    /// host name and a hash of the region's random seed (the seed itself stays private).
    public var instanceName: String {
        var seed = header.pointee.hash_seed
        let tag = withUnsafeBytes(of: &seed) { cv_hash64(0, $0.baseAddress, $0.count) }
        return HostIdentity.hostName() + ":" + String(tag, radix: 16)
    }

    /// Hash of bytes with the region's random seed (identical in every process).
    public func hash(_ text: String) -> UInt64 {
        var text = text
        return text.withUTF8 { cv_shm_hash(header, $0.baseAddress, $0.count) }
    }
}
