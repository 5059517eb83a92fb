import ConvergenceTestSupport
import Foundation
import XCTest

/// Issue 17: the operators' dashboard (`/dashboard/`, static files served by the shipped nginx
/// snippet) driven in a real headless Chromium against the real stack. The browser tests are
/// Python + Selenium (Debian's python3-selenium, chromium and chromium-driver, nothing downloaded)
/// in Tests/Dashboard; this test starts the stack, makes an admin key and a read-only admin key
/// the way an operator does, and runs them. Screenshots of every view go to var/dashboard-screenshots/.
final class DashboardBrowserTests: StackTestCase {
    override class var stackLabel: String { "dashboard" }

    static let python = "/usr/bin/python3" // Debian's module is importable by this one, maybe not by the first python3 on PATH
    static let chromium = "/usr/bin/chromium"
    static let chromedriver = "/usr/bin/chromedriver"

    /// What is missing to run a browser, or nil.
    static func missingBrowser() -> String? {
        for path in [chromium, chromedriver, python] where !FileManager.default.isExecutableFile(atPath: path) {
            return "\(path) is not installed"
        }
        let probe = try? Shell.run([python, "-c", "import selenium, pytest"], check: false)
        if probe?.status != 0 { return "python3-selenium or python3-pytest is not installed: \(probe?.output ?? "")" }
        return nil
    }

    func testDashboardInABrowser() throws {
        if let missing = Self.missingBrowser() {
            // CI must run it; a developer machine without the packages skips (scripts/dev up installs them).
            if ProcessInfo.processInfo.environment["CI"] == "true" {
                XCTFail("the dashboard's browser tests cannot run in CI: \(missing) (scripts/lib/common.sh ensure_packages installs it)")
                return
            }
            throw XCTSkip("dashboard browser tests skipped: \(missing) (apt-get install chromium chromium-driver python3-selenium python3-pytest)")
        }
        let readOnlyKey = try Shell.run([TestPaths.binary, "admin", "create-key", "--name", "wall-screen", "--read-only"],
                                        environment: ["CONVERGENCE_DATABASE_URL": stack.postgres.url], stdoutOnly: true).output
        XCTAssertTrue(readOnlyKey.hasPrefix("sk_admin_"), readOnlyKey)

        let root = TestPaths.repositoryRoot
        let screenshots = root.appendingPathComponent("var/dashboard-screenshots")
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let result = try Shell.run([Self.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rA", "--rootdir", root.path,
                                    root.appendingPathComponent("Tests/Dashboard").path],
                                   environment: [
                                       "DASHBOARD_BASE_URL": "http://127.0.0.1:\(stack.nginx.httpPort)",
                                       "DASHBOARD_ADMIN_KEY": adminKey,
                                       "DASHBOARD_READONLY_KEY": readOnlyKey,
                                       "DASHBOARD_SCREENSHOT_DIR": screenshots.path,
                                       "SE_OFFLINE": "true", // Selenium Manager never downloads a driver
                                       "PYTHONDONTWRITEBYTECODE": "1",
                                   ],
                                   check: false)
        try? result.output.write(to: screenshots.appendingPathComponent("pytest-output.txt"), atomically: true, encoding: .utf8)
        XCTAssertEqual(result.status, 0, "Tests/Dashboard failed (screenshots and output in \(screenshots.path)):\n\(result.output)")
    }
}
