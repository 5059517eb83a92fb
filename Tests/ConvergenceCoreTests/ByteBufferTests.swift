import Testing
@testable import ConvergenceCore

@Suite struct ByteBufferTests {
    @Test func appendsGrowAndCanBeReused() {
        let buffer = ByteBuffer(capacity: 16)
        var sink = buffer
        for i in 0..<100 { sink.appendDecimal(i) }
        sink.append(",")
        sink.appendJSONString("a\"b\n")
        let expected = (0..<100).map(String.init).joined() + #","a\"b\n""#
        #expect(String(decoding: buffer.array, as: UTF8.self) == expected)
        buffer.removeAll()
        #expect(buffer.isEmpty)
        sink.appendDecimal(-42)
        #expect(buffer.array == Array("-42".utf8))
    }
}
