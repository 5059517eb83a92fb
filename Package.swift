// swift-tools-version:6.0
import PackageDescription

// Release builds optimise across module boundaries: the router and request
// types live in ConvergenceHTTP, and without this every request would go
// through unspecialised generic code and runtime metadata lookups.
let optimize: [SwiftSetting] = [.unsafeFlags(["-cross-module-optimization"], .when(configuration: .release))]

let package = Package(
    name: "Convergence",
    products: [
        .executable(name: "convergence", targets: ["convergence"]),
        .executable(name: "convergence-bench", targets: ["convergence-bench"]),
    ],
    targets: [
        // Debian C libraries, linked through module maps (no package dependencies).
        .systemLibrary(name: "CFastCGI", path: "Sources/CFastCGI"),
        .systemLibrary(name: "CLibPQ", path: "Sources/CLibPQ"),
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        .systemLibrary(name: "CYAML", path: "Sources/CYAML"),
        // Our own C: the few POSIX calls and macros Swift cannot import cleanly.
        .target(name: "CConvergenceSys", path: "Sources/CConvergenceSys", linkerSettings: [.linkedLibrary("crypto")]),
        // The shared-memory region (rate-limit buckets, metric series): layout and lock-free updates.
        // -mcx16: the 16-byte compare-and-swap is inlined (cmpxchg16b), never libatomic's lock.
        .target(name: "CConvergenceShm", path: "Sources/CConvergenceShm", cSettings: [.unsafeFlags(["-mcx16", "-O2"])]),

        .target(name: "ConvergenceCore", dependencies: ["CConvergenceSys", "COpenSSL"], swiftSettings: optimize),
        .target(name: "ConvergenceJSON", dependencies: ["ConvergenceCore"], swiftSettings: optimize),
        .target(name: "ConvergenceHTTP", dependencies: ["ConvergenceCore", "ConvergenceJSON"], swiftSettings: optimize),
        .target(name: "ConvergenceStore", dependencies: ["ConvergenceCore", "CLibPQ"], swiftSettings: optimize),
        .target(name: "ConvergenceShared", dependencies: ["ConvergenceCore", "CConvergenceShm"], swiftSettings: optimize),
        .target(name: "ConvergenceIdentity", dependencies: ["ConvergenceCore"], swiftSettings: optimize),
        .target(name: "ConvergenceGovernance", dependencies: ["ConvergenceJSON"], swiftSettings: optimize),
        // Pipeline templates, plans, CSV and data-quality SQL: pure logic, no I/O beyond parsing text.
        .target(name: "ConvergencePipelines", dependencies: ["ConvergenceCore", "ConvergenceJSON", "CYAML"], swiftSettings: optimize),
        // The audit write path: records, the spool (segments, frames), the flusher that drains it into PostgreSQL.
        .target(
            name: "ConvergenceAudit",
            dependencies: ["ConvergenceCore", "ConvergenceJSON", "ConvergenceStore", "ConvergenceShared", "CConvergenceSys"],
            swiftSettings: optimize
        ),
        // The FastCGI transport: accept loop, request reader, response writer, ready-connection set.
        .target(name: "ConvergenceFastCGI", dependencies: ["ConvergenceCore", "ConvergenceHTTP", "CFastCGI", "CConvergenceSys"], swiftSettings: optimize),
        .target(
            name: "ConvergenceServer",
            dependencies: [
                "ConvergenceCore", "ConvergenceJSON", "ConvergenceHTTP", "ConvergenceStore", "ConvergenceIdentity", "ConvergenceGovernance",
                "ConvergenceShared", "ConvergencePipelines", "ConvergenceAudit", "ConvergenceFastCGI", "CFastCGI", "CConvergenceSys",
            ],
            swiftSettings: optimize
        ),
        .executableTarget(
            name: "convergence",
            dependencies: ["ConvergenceCore", "ConvergenceServer", "ConvergenceAudit", "ConvergenceStore", "ConvergenceIdentity"],
            swiftSettings: optimize
        ),

        .executableTarget(
            name: "convergence-bench",
            dependencies: [
                "ConvergenceServer", "ConvergenceAudit", "ConvergenceGovernance", "ConvergenceJSON", "ConvergenceHTTP", "ConvergenceCore",
                "ConvergenceShared", "ConvergenceStore", "ConvergenceIdentity", "ConvergencePipelines",
            ],
            swiftSettings: optimize
        ),
        .target(
            name: "ConvergenceTestSupport",
            dependencies: ["ConvergenceCore", "CConvergenceSys"],
            path: "Tests/ConvergenceTestSupport"
        ),
        .testTarget(name: "ConvergenceCoreTests", dependencies: ["ConvergenceCore"]),
        .testTarget(name: "ConvergenceJSONTests", dependencies: ["ConvergenceJSON", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceHTTPTests", dependencies: ["ConvergenceHTTP", "ConvergenceJSON", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceAuditTests", dependencies: ["ConvergenceAudit", "ConvergenceCore", "ConvergenceJSON"]),
        .testTarget(name: "ConvergenceServerTests", dependencies: ["ConvergenceServer", "ConvergenceAudit", "ConvergenceCore", "ConvergenceJSON", "ConvergenceHTTP", "ConvergenceGovernance"]),
        .testTarget(name: "ConvergenceSharedTests", dependencies: ["ConvergenceShared", "ConvergenceCore", "CConvergenceShm"]),
        .testTarget(name: "ConvergenceIdentityTests", dependencies: ["ConvergenceIdentity", "ConvergenceCore"]),
        .testTarget(name: "ConvergenceGovernanceTests", dependencies: ["ConvergenceGovernance", "ConvergenceJSON"]),
        .testTarget(name: "ConvergencePipelinesTests", dependencies: ["ConvergencePipelines", "ConvergenceJSON"]),
        .testTarget(
            name: "ConvergenceIntegrationTests",
            dependencies: ["ConvergenceTestSupport", "ConvergenceCore", "ConvergenceStore", "ConvergenceIdentity"]
        ),
    ]
)
