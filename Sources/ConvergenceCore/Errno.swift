import Glibc

/// The system's text for an errno value (the current `errno` by default).
public func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
