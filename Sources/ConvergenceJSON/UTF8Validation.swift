/// UTF-8 well-formedness (Unicode 15, table 3-7): no overlongs, surrogates or values past U+10FFFF.
enum UTF8Validation {
    static func isValid(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        var i = 0
        let n = b.count
        while i < n {
            let c = b[i]
            if c < 0x80 { i += 1; continue }
            func continuation(_ k: Int) -> Bool { i + k < n && b[i + k] & 0xC0 == 0x80 }
            switch c {
            case 0xC2...0xDF:
                guard continuation(1) else { return false }
                i += 2
            case 0xE0...0xEF:
                guard continuation(1), continuation(2) else { return false }
                let second = b[i + 1]
                if c == 0xE0, second < 0xA0 { return false } // overlong
                if c == 0xED, second > 0x9F { return false } // surrogates
                i += 3
            case 0xF0...0xF4:
                guard continuation(1), continuation(2), continuation(3) else { return false }
                let second = b[i + 1]
                if c == 0xF0, second < 0x90 { return false } // overlong
                if c == 0xF4, second > 0x8F { return false } // past U+10FFFF
                i += 4
            default:
                return false
            }
        }
        return true
    }
}
