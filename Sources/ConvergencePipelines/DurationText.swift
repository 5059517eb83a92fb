import Foundation

/// Durations in templates: `90s`, `30m`, `36h`, `7d` (a bare number is seconds).
public enum DurationText {
    public static func seconds(_ text: String) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let unit = trimmed.last else { return nil }
        let multiplier: Int
        var number = Substring(trimmed)
        switch unit {
        case "s": multiplier = 1; number = number.dropLast()
        case "m": multiplier = 60; number = number.dropLast()
        case "h": multiplier = 3600; number = number.dropLast()
        case "d": multiplier = 86_400; number = number.dropLast()
        default: multiplier = 1
        }
        guard let value = Int(number), value > 0, value <= 3650 * 86_400 / multiplier else { return nil }
        return value * multiplier
    }
}
