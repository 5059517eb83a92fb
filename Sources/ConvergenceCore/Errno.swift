import Glibc

/// The text of an errno value (`strerror`), for log lines and errors.
public func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
